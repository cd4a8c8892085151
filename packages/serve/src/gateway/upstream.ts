import { RpcError } from '@mcp-cli/core';
import type { Connection, handshake as Handshake, listAll as ListAll, RequestOptions } from 'mcp-call';

import type { UpstreamSpec } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import type { RouteIdentity } from '../server/server-routes.ts';
import { linkInProcess, type SdkServerLike } from './in-process-link.ts';

/** An SDK server exported by a module, served in this process. */
export interface InProcessSpec {
  create: () => SdkServerLike | Promise<SdkServerLike>;
  perSession: boolean;
  prefix: '';
  optional?: undefined;
  allow?: undefined;
  deny?: undefined;
}

/** What an upstream is: a configured server, or a module's SDK server. */
export type AnyUpstreamSpec = UpstreamSpec | InProcessSpec;

/** Who shares an upstream: `scope`, else `perSession: true` (session), else everyone. */
export function scopeOf(spec: AnyUpstreamSpec): 'shared' | 'session' | 'user' {
  if ('create' in spec) return spec.perSession ? 'session' : 'shared';
  return spec.scope ?? ('perSession' in spec && spec.perSession === true ? 'session' : 'shared');
}

/** Where an upstream is in its life: /health reports it. */
export type UpstreamState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped' | 'lazy';

/** What an upstream lists, as its server sent it. */
export interface UpstreamListing {
  tools: Record<string, unknown>[];
  prompts: Record<string, unknown>[];
  resources: Record<string, unknown>[];
  templates: Record<string, unknown>[];
}

/** Handles the upstream's own requests (sampling, elicitation, roots) and notifications. */
export interface UpstreamPeer {
  /** `owner` is the call the request came in the course of, where the transport knows it. */
  onRequest(method: string, params: Record<string, unknown>, owner: unknown): Promise<Record<string, unknown>>;
  onNotification(method: string, params: Record<string, unknown>, owner: unknown): void;
}

const MAX_BACKOFF_MS = 30_000;
/** How long an upstream must stay up before a loss restarts its backoff from 0.5 s again. */
const STABLE_MS = 30_000;

/** Everything a server lists, each list only when its capability is declared. */
async function listEverything(connection: Connection, caps: Record<string, unknown>, listAll: typeof ListAll): Promise<UpstreamListing> {
  const signal = AbortSignal.timeout(30_000);
  const list = async (method: string, key: string, capability: string): Promise<Record<string, unknown>[]> =>
    caps[capability] ? listAll<Record<string, unknown>>(connection, method, key, signal).catch(() => []) : [];
  return {
    tools: await list('tools/list', 'tools', 'tools'),
    prompts: await list('prompts/list', 'prompts', 'prompts'),
    resources: await list('resources/list', 'resources', 'resources'),
    templates: await list('resources/templates/list', 'resourceTemplates', 'resources'),
  };
}
const EMPTY: UpstreamListing = { tools: [], prompts: [], resources: [], templates: [] };

/** An upstream as a listing cache keeps it: what it lists, what it can do, and who it says it is. */
export interface DescribedUpstream {
  listing: UpstreamListing;
  capabilities: Record<string, unknown>;
  /** Its `serverInfo` and `instructions`, as its route (`/mcp/<server>`) serves them; absent from older caches. */
  identity?: UpstreamIdentity | undefined;
}

/** Who an upstream says it is, bounded: what its own route answers `initialize` with. */
export type UpstreamIdentity = RouteIdentity;

/**
 * One upstream MCP server, connected with mcp-call's client library (stdio or HTTP), kept
 * running: when it dies it is restarted with backoff (0.5 s doubling to 30 s), and `onChange` is
 * called whenever what it lists changes (after a restart, or on its `list_changed`).
 */
export class Upstream {
  readonly name: string;
  readonly spec: AnyUpstreamSpec;
  state: UpstreamState = 'starting';
  /** Times it was lost and started again, since the gateway started (for /health and metrics). */
  restartCount = 0;
  listing: UpstreamListing = EMPTY;
  /** The last failure, for /health and logs. */
  lastError: string | undefined;
  #connection: Connection | undefined;
  #capabilities: Record<string, unknown> = {};
  #identity: UpstreamIdentity | undefined;
  #restarts = 0;
  /** When the upstream last became ready: only a stable run forgives earlier crashes. */
  #readySince = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #logger: Logger;
  readonly #peer: UpstreamPeer;
  readonly #onChange: () => void;

  /** Restarted when lost (a shared upstream), or only reported (one client session's own). */
  readonly #restart: boolean;

  constructor(name: string, spec: AnyUpstreamSpec, peer: UpstreamPeer, onChange: () => void, logger: Logger, restart = true) {
    this.name = name;
    this.spec = spec;
    this.#peer = peer;
    this.#onChange = onChange;
    this.#logger = logger;
    this.#restart = restart;
  }

  /**
   * Connects and lists what the server offers.
   *
   * @throws Error naming the server (its command, exit code and last stderr lines for stdio).
   */
  async start(): Promise<void> {
    const { connect, connectStdio, handshake, listAll } = await import('mcp-call');
    const signal = AbortSignal.timeout(30_000);
    const common = {
      signal,
      capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } },
      clientInfo: { name: 'mcp-serve-gateway', version: '1' },
      onServerRequest: (method: string, params: Record<string, unknown>, _signal: AbortSignal, owner?: unknown) => this.#peer.onRequest(method, params, owner),
      onNotification: (method: string, params: Record<string, unknown>, owner?: unknown) => this.#notification(method, params, owner),
    };
    const spec = this.spec;
    const connection =
      'create' in spec
        ? await this.#connectInProcess(spec, handshake, common)
        : 'command' in spec
        ? await connectStdio({ command: spec.command, args: spec.args ?? [], ...(spec.env ? { env: spec.env } : {}), ...(spec.cwd ? { cwd: spec.cwd } : {}) }, { ...common, ...(this.#logger.debugEnabled === false ? {} : { onStderr: (line: string) => this.#logger.debug(`upstream ${this.name} stderr: ${line}`) }) })
        : await connect({ ...common, url: spec.url, transport: spec.transport ?? 'auto', headers: { ...(spec.headers ?? {}), ...(spec.token ? { authorization: `Bearer ${spec.token}` } : {}) }, waitMs: 0 });
    this.#connection = connection;
    const description = await connection.describe();
    this.#capabilities = description.capabilities;
    this.#identity = identityOf(description);
    const onClose = connection.session.transport.onClose;
    const closeAndRestart = (error: Error): void => {
      onClose(error);
      this.#lost(error);
    };
    connection.session.transport.onClose = closeAndRestart;
    this.listing = await listEverything(connection, this.#capabilities, listAll);
    this.state = 'ready';
    this.lastError = undefined;
    this.#readySince = Date.now();
  }

  async #connectInProcess(spec: InProcessSpec, handshake: typeof Handshake, options: Parameters<typeof Handshake>[2]): Promise<Connection> {
    const server = await spec.create();
    const link = linkInProcess(this.name);
    await server.connect(link.server);
    return handshake(link.client, `module ${this.name}`, options);
  }

  /** How the upstream is reached, while connected. */
  get transport(): Connection['transport'] | undefined {
    return this.#connection?.transport;
  }

  /** What the upstream declared it can do, while connected. */
  get capabilities(): Record<string, unknown> {
    return this.#connection || this.state === 'lazy' ? this.#capabilities : {};
  }

  /** Sends a request to the upstream; its errors keep their JSON-RPC codes. */
  request(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<Record<string, unknown>> {
    const connection = this.#connection;
    if (!connection || this.state !== 'ready') return Promise.reject(new RpcError(-32603, `Upstream server "${this.name}" is ${this.state}${this.lastError ? `: ${this.lastError}` : ''}`));
    return connection.session.request(method, params, options).catch((error: unknown) => {
      const e = error as { name?: string; code?: unknown; message?: string; data?: unknown };
      // Errors from the client library are its own classes: rebuilt here, so the code survives.
      if (e.name === 'RpcError' && typeof e.code === 'number') throw new RpcError(e.code, e.message ?? 'error', e.data);
      throw new RpcError(-32603, `Upstream server "${this.name}" failed: ${e.message ?? String(error)}`);
    });
  }

  /** Sends a notification to the upstream (roots changed, cancellations are sent by the session). */
  notify(method: string, params: Record<string, unknown>): void {
    this.#connection?.session.notifyInBackground(method, params);
  }

  /** What it listed and its capabilities, as a listing cache keeps them. */
  get described(): DescribedUpstream {
    return { listing: this.listing, capabilities: this.#capabilities, ...(this.#identity ? { identity: this.#identity } : {}) };
  }

  /** Who the upstream said it is when last started (or listed, for a lazy one), if it has been. */
  get identity(): UpstreamIdentity | undefined {
    return this.#identity;
  }

  /** Takes a listing kept from an earlier run instead of starting (`lazy`): a per-user server waiting for its users. */
  adopt(described: DescribedUpstream): void {
    this.listing = described.listing;
    this.#capabilities = described.capabilities;
    this.#identity = described.identity;
    this.#stopped = true;
    this.state = 'lazy';
  }

  /** Stops the process and keeps what it listed (`lazy`): a per-user server, listed, waiting for its users. */
  async park(): Promise<void> {
    await this.stop();
    this.state = 'lazy';
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.state = 'stopped';
    clearTimeout(this.#timer);
    await this.#connection?.close().catch(() => undefined);
  }

  #notification(method: string, params: Record<string, unknown>, owner: unknown): void {
    if (method === 'notifications/tools/list_changed' || method === 'notifications/prompts/list_changed' || method === 'notifications/resources/list_changed') {
      void this.#relist();
      return;
    }
    this.#peer.onNotification(method, params, owner);
  }

  async #relist(): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    const { listAll } = await import('mcp-call');
    this.listing = await listEverything(connection, this.#capabilities, listAll);
    this.#onChange();
  }

  #lost(error: Error): void {
    if (this.#stopped || this.state === 'restarting') return;
    // A crash loop (up, then gone within moments) keeps growing its backoff.
    if (Date.now() - this.#readySince >= STABLE_MS) this.#restarts = 0;
    this.lastError = error.message;
    this.state = 'restarting';
    this.listing = EMPTY;
    this.#connection = undefined;
    if (!this.#restart) {
      this.state = 'stopped';
      this.#onChange();
      return;
    }
    this.restartCount++;
    this.#logger.warn(`upstream ${this.name} was lost; restarting`, { error: error.message });
    this.#onChange();
    this.#scheduleRestart();
  }

  /** Tries again after a backoff; reused by a start that failed for an optional server. */
  scheduleRestart(): void {
    this.state = 'restarting';
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    const delay = Math.min(500 * 2 ** this.#restarts++, MAX_BACKOFF_MS);
    this.#timer = setTimeout(() => {
      this.start().then(
        () => {
          this.#logger.info(`upstream ${this.name} is back`);
          this.#onChange();
        },
        (error: Error) => {
          this.lastError = error.message;
          this.#logger.warn(`upstream ${this.name} did not restart`, { error: error.message, nextTryMs: Math.min(500 * 2 ** this.#restarts, MAX_BACKOFF_MS) });
          if (!this.#stopped) this.#scheduleRestart();
        },
      );
    }, delay);
    this.#timer.unref();
  }
}

/** Longest server name, version or title kept of an upstream's, and its longest instructions. */
const MAX_INFO_FIELD = 200;
const MAX_INSTRUCTIONS = 16_384;

/** The identity an upstream gave, its strings only and each bounded: it is shown to other clients as their server's. */
function identityOf(description: { serverInfo: Record<string, unknown>; instructions?: unknown }): UpstreamIdentity {
  const field = (value: unknown): string | undefined => (typeof value === 'string' ? value.slice(0, MAX_INFO_FIELD) : undefined);
  const { serverInfo } = description;
  const title = field(serverInfo.title);
  const websiteUrl = field(serverInfo.websiteUrl);
  return {
    serverInfo: { name: field(serverInfo.name) ?? 'unknown', version: field(serverInfo.version) ?? 'unknown', ...(title ? { title } : {}), ...(websiteUrl ? { websiteUrl } : {}) },
    instructions: typeof description.instructions === 'string' ? description.instructions.slice(0, MAX_INSTRUCTIONS) : undefined,
  };
}
