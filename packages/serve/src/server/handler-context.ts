import { randomUUID } from 'node:crypto';

import { copyWith, type CreateMessageParams, type HandlerContext, LOG_LEVELS, type LogLevel, RpcCode, RpcError } from '@mcp-cli/core';

import type { RequestContext } from './mcp-session.ts';

/** mcp-serve's own handlers (the gateway's) reach the request behind their context through this. */
export const REQUEST = Symbol('mcp-serve.request');

/** A handler context as mcp-serve's own handlers see it. */
export type InternalHandlerContext = HandlerContext & { [REQUEST]?: RequestContext };

/**
 * Builds the context a module's handler gets. Notifications and requests it sends carry the id of
 * the request being served, so on Streamable HTTP they ride that request's stream.
 */
export function createHandlerContext(ctx: RequestContext): InternalHandlerContext {
  return new RequestHandlerContext(ctx);
}

/**
 * A class rather than an object literal: on Node 20 a literal with a getter is built the slow way
 * and outlives young-generation GCs (scripts/bench/object-shapes.mjs). The methods are own arrow
 * functions, so a handler may take them apart (`{ log, progress }`) and call them alone. They are
 * class fields, not `this.log = () => …` in the constructor: V8 creates a function literal
 * assigned to a property in the old generation until the code is optimized, and everything it
 * reaches then outlives the request (see `no-restricted-syntax` in eslint.config.js).
 */
class RequestHandlerContext implements InternalHandlerContext {
  readonly [REQUEST]: RequestContext;
  readonly sessionId: string | undefined;
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  readonly requestId: string | number;
  readonly clientCapabilities: Readonly<Record<string, unknown>>;

  constructor(ctx: RequestContext) {
    this[REQUEST] = ctx;
    this.sessionId = ctx.session.id;
    this.auth = ctx.session.auth;
    this.requestId = ctx.requestId;
    this.clientCapabilities = ctx.session.clientCapabilities;
  }

  readonly log: HandlerContext['log'] = async (level, data, logger) => {
    const ctx = this[REQUEST];
    if (!shouldLog(level, ctx.session.logLevel, ctx.session.modern)) return;
    // Awaiting the stream paces a handler that logs in a loop to what its client reads.
    await ctx.notify('notifications/message', logger === undefined ? { level, data } : { level, data, logger });
  };

  readonly progress: HandlerContext['progress'] = async (progress, total, message) => {
    const ctx = this[REQUEST];
    if (ctx.progressToken === undefined) return;
    const params: Record<string, unknown> = { progressToken: ctx.progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    await ctx.notify('notifications/progress', params);
  };

  readonly elicit: HandlerContext['elicit'] = async (message, requestedSchema, options) => {
    this.#requireCapability(['elicitation'], 'elicitation/create');
    const ctx = this[REQUEST];
    return (await ctx.request('elicitation/create', { message, requestedSchema }, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['elicit']>>;
  };

  readonly elicitUrl: HandlerContext['elicitUrl'] = async (message, url, options) => {
    this.#requireCapability(['elicitation'], 'elicitation/create');
    if (!/^https?:\/\//i.test(url)) throw new Error(`elicitUrl needs an http(s) URL, not "${url.slice(0, 100)}"`);
    this.#requireCapability(['elicitation', 'url'], 'URL-mode elicitation/create');
    const ctx = this[REQUEST];
    // 2025-11-25 ties the completion notice to an id; 2026-07-28 learns of it from the retry.
    const elicitationId = ctx.session.modern ? undefined : randomUUID();
    const params = { mode: 'url', message, url, ...(elicitationId ? { elicitationId } : {}) };
    const answer = (await ctx.request('elicitation/create', params, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['elicit']>>;
    return elicitationId ? copyWith(answer, { elicitationId }) : answer;
  };

  readonly elicitationComplete: HandlerContext['elicitationComplete'] = async (elicitationId) => {
    const ctx = this[REQUEST];
    if (ctx.session.modern) return;
    await ctx.notify('notifications/elicitation/complete', { elicitationId });
  };

  readonly sample: HandlerContext['sample'] = async (params, options) => {
    this.#requireCapability(['sampling'], 'sampling/createMessage');
    if (params.tools !== undefined || params.toolChoice !== undefined) {
      checkSamplingTools(params);
      this.#requireCapability(['sampling', 'tools'], 'sampling/createMessage with tools');
    }
    const ctx = this[REQUEST];
    return (await ctx.request('sampling/createMessage', params as unknown as Record<string, unknown>, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['sample']>>;
  };

  readonly roots: HandlerContext['roots'] = async (options) => {
    this.#requireCapability(['roots'], 'roots/list');
    const ctx = this[REQUEST];
    const { roots } = await ctx.request('roots/list', {}, ctx.signal, options?.key);
    return (Array.isArray(roots) ? roots : []) as Awaited<ReturnType<HandlerContext['roots']>>;
  };

  readonly request: HandlerContext['request'] = async (method, params) => this[REQUEST].request(method, params ?? {}, this[REQUEST].signal);

  readonly listChanged: HandlerContext['listChanged'] = (list) => this[REQUEST].session.announceListChanged(list);

  /** A getter, so the AbortController exists only for handlers that look at the signal. */
  get signal(): AbortSignal {
    return this[REQUEST].signal;
  }

  /**
   * Refuses what needs a capability the client did not declare: `path` names it (`['sampling',
   * 'tools']` is `sampling.tools`). In a session the tool fails (isError), as it always has;
   * 2026-07-28 names a protocol error for it, -32021 with the capability asked for.
   */
  #requireCapability(path: readonly string[], what: string): void {
    const { session } = this[REQUEST];
    let declared: unknown = session.clientCapabilities;
    for (const key of path) declared = (declared as Record<string, unknown> | undefined)?.[key];
    if (declared) return;
    const name = path.join('.');
    if (session.modern) {
      const required = path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), {});
      throw new RpcError(RpcCode.missingRequiredClientCapability, `The client did not declare the ${name} capability (required for ${what})`, { requiredCapabilities: required });
    }
    throw new Error(`Client does not support ${name} (required for ${what})${session.capabilityHint ? `: ${session.capabilityHint}` : ''}`);
  }
}

/** Sampling with tools (2025-11-25): each tool needs a name and an input schema. */
function checkSamplingTools(params: CreateMessageParams): void {
  for (const tool of params.tools ?? []) {
    if (typeof tool?.name !== 'string' || typeof tool.inputSchema !== 'object' || tool.inputSchema === null) {
      throw new Error('ctx.sample: each of "tools" needs a "name" and an "inputSchema" object');
    }
  }
}

/**
 * True when a message at `level` passes the level the client set. With none set, all pass in a
 * session, and none for a 2026-07-28 request (the spec sends logs only when `_meta` asks).
 */
export function shouldLog(level: LogLevel, minimum: LogLevel | undefined, modern = false): boolean {
  if (minimum === undefined) return !modern;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}
