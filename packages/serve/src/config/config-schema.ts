import { z } from 'zod';

const modulePatterns = z.union([z.string().min(1), z.array(z.string().min(1))]);
const urlPath = z.string().regex(/^\/[^?#\s]*$/, 'a path that starts with "/"');
const positiveInt = z.number().int().positive();

/** What every upstream server entry may say about how it is served. */
const upstreamCommon = {
  /** Start-up does not fail when this server cannot start; it is retried in the background. */
  optional: z.boolean().optional(),
  /** Put before its tool and prompt names (default: the server's name; "" for none). */
  prefix: z.string().optional(),
  /** Only these tools and prompts (by their upstream names). */
  allow: z.array(z.string().min(1)).optional(),
  /** Not these tools and prompts. */
  deny: z.array(z.string().min(1)).optional(),
  /**
   * Who shares one upstream: `shared` (everyone, the default), `session` (one per client
   * session), or `user` (one per identity: OAuth subject, token, else session).
   */
  scope: z.enum(['shared', 'session', 'user']).optional(),
  /** `scope: "user"`: seconds an upstream lives with no call (default 300). */
  idleTimeout: positiveInt.optional(),
  /** `scope: "user"`: most upstreams of this server at once (default limits.maxUpstreams). */
  maxUpstreams: positiveInt.optional(),
  /** Started on first use, listed from its last listing meanwhile (default true for `scope: "user"`). */
  lazy: z.boolean().optional(),
};

/** An upstream MCP server: a command to run over stdio, or a URL. */
const upstreamServer = z.union([
  z
    .object({
      command: z.string().min(1),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
      cwd: z.string().optional(),
      /** One process per client session, for servers that keep state per client (default: one shared). */
      perSession: z.boolean().optional(),
      ...upstreamCommon,
    })
    .strict(),
  z
    .object({
      url: z.url(),
      headers: z.record(z.string(), z.string()).optional(),
      token: z.string().optional(),
      transport: z.enum(['auto', 'http', 'sse']).optional(),
      /**
       * With scope "user": each user's upstream gets the caller's token exchanged at the
       * gateway's issuer (RFC 8693) for one of `resource` (default: the url), never the caller's own.
       */
      tokenExchange: z
        .object({ clientId: z.string().min(1), clientSecret: z.string().min(1), resource: z.url().optional(), scope: z.string().optional(), tokenEndpoint: z.url().optional() })
        .strict()
        .optional(),
      /**
       * With scope "user": each user's upstream gets the caller's own token, for an upstream that
       * takes the gateway's audience (the same issuer and resource). Prefer tokenExchange.
       */
      tokenPassthrough: z.boolean().optional(),
      ...upstreamCommon,
    })
    .strict(),
]);

/**
 * The schema of an mcp-serve config file: the single source of truth for its keys, types and
 * defaults. Paths of modules are relative to the config file.
 */
export const serveConfigSchema = z
  .object({
    name: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    instructions: z.string().optional(),
    /** Shown by clients as the server's name. */
    title: z.string().min(1).optional(),
    websiteUrl: z.string().url().optional(),
    icons: z.array(z.object({ src: z.string().min(1), mimeType: z.string().optional(), sizes: z.array(z.string()).optional(), theme: z.enum(['light', 'dark']).optional() }).strict()).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    paths: z
      .object({
        sse: urlPath.optional(),
        messages: urlPath.optional(),
        mcp: urlPath.optional(),
        health: urlPath.optional(),
      })
      .strict()
      .optional(),
    /** Prefix a reverse proxy mounts the server under; used in the SSE `endpoint` event. */
    publicBasePath: z.union([urlPath, z.literal('')]).optional(),
    /** Streamable HTTP without sessions: every POST stands alone (for load balancers). */
    stateless: z.boolean().optional(),
    /** The audit log: a file appended to, or - for standard output. */
    auditLog: z.string().min(1).optional(),
    /** Prometheus metrics at /metrics: true, or a token of its own for the scraper. */
    metrics: z.union([z.boolean(), z.object({ token: z.string().min(16, 'a token of 16 characters or more').optional() }).strict()]).optional(),
    /** OpenTelemetry traces: an OTLP/HTTP base URL, or true to use the OTEL_EXPORTER_OTLP_* environment. */
    otel: z.union([z.boolean(), z.string().url('an OTLP/HTTP URL such as http://localhost:4318')]).optional(),
    /** The status page at / for browsers (default true). */
    ui: z.boolean().optional(),
    /**
     * Signs the requestState of 2026-07-28 input-required results. Processes that serve one
     * endpoint share it; unset, each process makes its own at start.
     */
    stateSecret: z.string().min(16, 'stateSecret must be at least 16 characters').optional(),
    /**
     * Where tasks (and what else one request needs from an earlier one) are kept: `memory`, or a
     * Redis URL shared by every process serving one endpoint.
     */
    store: z.string().regex(/^(memory|rediss?:\/\/.*)$/, 'store must be memory or a Redis URL (redis://host:port)').optional(),
    tools: modulePatterns.optional(),
    /** A folder of skills (the skills extension): each subfolder with a SKILL.md is one. */
    skills: z.string().min(1).optional(),
    resources: modulePatterns.optional(),
    prompts: modulePatterns.optional(),
    /**
     * OAuth 2.1 resource server: access tokens from this issuer, for this audience, are checked
     * (JWTs against its keys, opaque ones by introspection). Static `tokens` stay valid beside it.
     */
    auth: z
      .object({
        // Both are needed; a flag or variable may give one over the file's other, so they are checked once merged.
        issuer: z.string().url().optional(),
        audience: z.string().url().optional(),
        jwksUri: z.string().url().optional(),
        scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope has no spaces or quotes')).optional(),
        introspection: z.object({ url: z.string().url(), clientId: z.string().min(1), clientSecret: z.string().min(1) }).strict().optional(),
        /** The client id the status page logs in with, registered at the issuer; unset, the page registers itself. */
        pageClientId: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Bearer tokens accepted on the MCP endpoints. */
    tokens: z.array(z.string().min(1)).optional(),
    /** Files that each hold one bearer token (relative to the config file). */
    tokenFiles: z.array(z.string().min(1)).optional(),
    allowedHosts: z.array(z.string().min(1)).optional(),
    allowedOrigins: z.array(z.string().min(1)).optional(),
    /** Origins that browsers may call from (CORS); off when empty. */
    corsOrigins: z.array(z.string().min(1)).optional(),
    /** Existing MCP servers served next to the modules, namespaced by name (a gateway). */
    servers: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a name of letters, digits, "_", "-" or "."'), upstreamServer).optional(),
    /** Joins a server's prefix and a tool or prompt name (default "_"). */
    separator: z.string().max(8).optional(),
    limits: z
      .object({
        maxBodyBytes: positiveInt.optional(),
        maxBatchSize: positiveInt.optional(),
        bodyTimeoutMs: positiveInt.optional(),
        headersTimeoutMs: positiveInt.optional(),
        maxConnections: positiveInt.optional(),
        maxConnectionsPerClient: positiveInt.optional(),
        maxStreamBufferBytes: positiveInt.optional(),
        maxSessions: positiveInt.optional(),
        maxSessionsPerClient: positiveInt.optional(),
        handshakeTimeoutMs: positiveInt.optional(),
        callTimeoutMs: positiveInt.optional(),
        sseKeepAliveMs: positiveInt.optional(),
        sessionIdleMs: positiveInt.optional(),
        /** Calls (tools, prompts, reads) per identity: `20/s`, `100/m`, `1000/h`. */
        rate: z.string().optional(),
        /** Rates of their own for named tools, on top of `rate`. */
        toolRates: z.record(z.string(), z.string()).optional(),
        resumeEvents: positiveInt.optional(),
        resumeBytes: positiveInt.optional(),
        pageSize: positiveInt.optional(),
        /** Most per-user upstreams of all servers together. */
        maxUpstreams: positiveInt.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A config file as a user writes it. */
export type ServeConfig = z.input<typeof serveConfigSchema>;

/**
 * Types a config file; returns its argument unchanged.
 *
 * @example
 * export default defineConfig({ name: 'Hello Server', tools: './tools/*.ts' });
 */
export function defineConfig(config: ServeConfig): ServeConfig {
  return config;
}
