import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import {
  ConfigError,
  DEFAULT_HEALTH_PATH,
  DEFAULT_HOST,
  DEFAULT_MCP_PATH,
  DEFAULT_MESSAGES_PATH,
  DEFAULT_PORT,
  DEFAULT_SSE_PATH,
} from '@mcp-cli/core';

import type { AuthSettings } from '../auth/token-verifier.ts';
import type { ServeConfig } from './config-schema.ts';
import { connectionBudget } from '../http/connection-budget.ts';

/** An upstream server after its layer's paths are resolved. */
export type UpstreamSpec = NonNullable<ServeConfig['servers']>[string];

/** The limits the server enforces, all configurable. */
export interface ServeLimits {
  maxBodyBytes: number;
  /** Most messages in one JSON-RPC batch (batches exist only up to protocol 2025-03-26). */
  maxBatchSize: number;
  /** Time to receive a whole request body; a slower client gets 408. */
  bodyTimeoutMs: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerClient: number;
  /** Unsent bytes one response stream may hold; a client that does not read is cut off past it. */
  maxStreamBufferBytes: number;
  maxSessions: number;
  maxSessionsPerClient: number;
  /** A session that sends nothing after `initialize` (or an SSE stream that sends nothing) is closed after this. */
  handshakeTimeoutMs: number;
  callTimeoutMs: number;
  sseKeepAliveMs: number;
  sessionIdleMs: number;
  /** Calls per identity (`20/s`), and rates of their own for named tools; none by default. */
  rate?: string | undefined;
  toolRates?: Record<string, string> | undefined;
  /** Most events, and bytes, a shared session's server stream keeps in the store for clients that resume. */
  resumeEvents: number;
  resumeBytes: number;
  /** Most entries in one page of a list method (`tools/list`, `resources/list`, …). */
  pageSize: number;
  /** Most per-user upstreams (`scope: "user"`) of all servers together. */
  maxUpstreams: number;
}

/** The config after every layer and default is applied. */
export interface ResolvedServeConfig {
  name: string;
  version: string;
  instructions: string | undefined;
  /** The server's title, website and icons, for clients to show. */
  title: string | undefined;
  websiteUrl: string | undefined;
  icons: ServeConfig['icons'];
  host: string;
  port: number;
  paths: { sse: string; messages: string; mcp: string; health: string };
  publicBasePath: string;
  stateless: boolean;
  /** Where the audit log goes (a file, or - for standard output), when it is on. */
  auditLog: string | undefined;
  /** Prometheus metrics at /metrics, and the token that alone opens it when set. */
  metrics: { token: string | undefined } | undefined;
  /** OpenTelemetry traces: the OTLP base URL, or undefined for the OTEL_EXPORTER_OTLP_* environment. */
  tracing: { url: string | undefined } | undefined;
  /** The status page at / for browsers. */
  ui: boolean;
  /** Signs 2026-07-28 request states; undefined: a random one per process. */
  stateSecret: string | undefined;
  /** `memory`, or the Redis URL where tasks are kept for every process of one endpoint. */
  store: string;
  /** The folder of skills, absolute, when the config names one. */
  skills: string | undefined;
  /** Module paths or globs, each with the directory it is relative to. */
  modules: { pattern: string; baseDir: string }[];
  tokens: string[];
  /** OAuth: the authorization server whose access tokens are taken, when set. */
  auth: AuthSettings | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  corsOrigins: string[];
  /** Upstream MCP servers served next to the modules (a gateway). */
  servers: Record<string, UpstreamSpec>;
  separator: string;
  limits: ServeLimits;
}

/** The limits used where the config sets none. */
export const DEFAULT_LIMITS: ServeLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxBatchSize: 100,
  bodyTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  // As many as the open-files limit allows (connection-budget.ts); no cap per address unless set.
  maxConnections: connectionBudget(),
  maxConnectionsPerClient: Number.POSITIVE_INFINITY,
  maxStreamBufferBytes: 4 * 1024 * 1024,
  maxSessions: 10_000,
  maxSessionsPerClient: Number.POSITIVE_INFINITY,
  handshakeTimeoutMs: 10_000,
  callTimeoutMs: 5 * 60_000,
  sseKeepAliveMs: 15_000,
  sessionIdleMs: 30 * 60_000,
  resumeEvents: 100,
  resumeBytes: 1024 * 1024,
  pageSize: 1000,
  maxUpstreams: 100,
};

/** One layer of settings and the directory its relative paths resolve from. */
export interface ConfigLayer {
  config: ServeConfig;
  baseDir: string;
}

/**
 * Merges layers, lowest precedence first (config file, then env, then flags), over the defaults.
 * Module lists are taken whole from the highest layer that sets them; token files are read here.
 *
 * @throws ConfigError when a token file cannot be read or is empty.
 */
export async function resolveConfig(layers: ConfigLayer[]): Promise<ResolvedServeConfig> {
  const merged: ServeConfig = {};
  const modules: ResolvedServeConfig['modules'] = [];
  const tokens: string[] = [];
  const upstreams: Record<string, UpstreamSpec> = {};
  for (const { config, baseDir } of layers) {
    const { paths, limits, tokenFiles, tools, resources, prompts, servers, skills, auth, ...rest } = config;
    if (skills !== undefined) merged.skills = resolve(baseDir, skills);
    // A relative working directory of an upstream is relative to the file that names it.
    for (const [name, spec] of Object.entries(servers ?? {})) {
      upstreams[name] = 'command' in spec && spec.cwd !== undefined ? { ...spec, cwd: resolve(baseDir, spec.cwd) } : spec;
    }
    Object.assign(merged, stripUndefined(rest));
    merged.paths = { ...merged.paths, ...stripUndefined(paths ?? {}) };
    merged.limits = { ...merged.limits, ...stripUndefined(limits ?? {}) };
    // Flags and env may set single auth fields (--auth-issuer) over the config file's.
    if (auth) merged.auth = { ...merged.auth, ...stripUndefined(auth) } as NonNullable<ServeConfig['auth']>;
    const patterns = [tools, resources, prompts].flatMap(toList);
    if (patterns.length > 0) {
      modules.length = 0;
      modules.push(...patterns.map((pattern) => ({ pattern, baseDir })));
    }
    for (const file of tokenFiles ?? []) tokens.push(await readTokenFile(resolve(baseDir, file)));
  }
  tokens.push(...(merged.tokens ?? []));
  return {
    name: merged.name ?? 'mcp-serve',
    version: merged.version ?? '1.0.0',
    instructions: merged.instructions,
    title: merged.title,
    websiteUrl: merged.websiteUrl,
    icons: merged.icons,
    host: merged.host ?? DEFAULT_HOST,
    port: merged.port ?? DEFAULT_PORT,
    paths: {
      sse: merged.paths?.sse ?? DEFAULT_SSE_PATH,
      messages: merged.paths?.messages ?? DEFAULT_MESSAGES_PATH,
      mcp: merged.paths?.mcp ?? DEFAULT_MCP_PATH,
      health: merged.paths?.health ?? DEFAULT_HEALTH_PATH,
    },
    publicBasePath: (merged.publicBasePath ?? '').replace(/\/+$/, ''),
    stateless: merged.stateless ?? false,
    auditLog: merged.auditLog,
    metrics: merged.metrics ? { token: merged.metrics === true ? undefined : merged.metrics.token } : undefined,
    tracing: merged.otel ? { url: merged.otel === true ? undefined : merged.otel } : undefined,
    ui: merged.ui ?? true,
    stateSecret: merged.stateSecret,
    store: merged.store ?? 'memory',
    skills: merged.skills,
    modules,
    tokens: [...new Set(tokens)],
    auth: resolveAuth(merged.auth),
    allowedHosts: merged.allowedHosts ?? [],
    allowedOrigins: merged.allowedOrigins ?? [],
    corsOrigins: merged.corsOrigins ?? [],
    servers: upstreams,
    separator: merged.separator ?? '_',
    limits: { ...DEFAULT_LIMITS, ...merged.limits },
  };
}

function resolveAuth(auth: ServeConfig['auth']): AuthSettings | undefined {
  if (!auth || Object.keys(auth).length === 0) return undefined;
  if (!auth.issuer || !auth.audience) {
    throw new ConfigError('OAuth needs both the issuer and the audience: set auth.issuer and auth.audience (--auth-issuer URL --auth-audience URL of this server\'s /mcp)', 'E_AUTH_CONFIG');
  }
  for (const [what, value] of [['auth.issuer', auth.issuer], ['auth.audience', auth.audience], ['auth.jwksUri', auth.jwksUri]] as const) {
    if (value !== undefined && !URL.canParse(value)) throw new ConfigError(`${what} must be a URL (got "${value.slice(0, 100)}")`, 'E_AUTH_CONFIG');
  }
  return { issuer: auth.issuer, audience: auth.audience, jwksUri: auth.jwksUri, scopes: auth.scopes ?? [], introspection: auth.introspection, pageClientId: auth.pageClientId };
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read token file ${file}: ${(error as Error).message}`, 'E_TOKEN_FILE', {
      cause: error,
    });
  }
  const token = text.trim();
  if (!token) throw new ConfigError(`Token file ${file} is empty: put one token in it`, 'E_TOKEN_FILE');
  return token;
}
