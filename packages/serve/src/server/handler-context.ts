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
 * functions, so a handler may take them apart (`{ log, progress }`) and call them alone.
 */
class RequestHandlerContext implements InternalHandlerContext {
  readonly [REQUEST]: RequestContext;
  readonly sessionId: string | undefined;
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  readonly requestId: string | number;
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  readonly log: HandlerContext['log'];
  readonly progress: HandlerContext['progress'];
  readonly elicit: HandlerContext['elicit'];
  readonly elicitUrl: HandlerContext['elicitUrl'];
  readonly elicitationComplete: HandlerContext['elicitationComplete'];
  readonly sample: HandlerContext['sample'];
  readonly roots: HandlerContext['roots'];
  readonly request: HandlerContext['request'];
  readonly listChanged: HandlerContext['listChanged'];

  constructor(ctx: RequestContext) {
    const { session } = ctx;
    this[REQUEST] = ctx;
    this.sessionId = session.id;
    this.auth = session.auth;
    this.requestId = ctx.requestId;
    this.clientCapabilities = session.clientCapabilities;
    /**
     * Refuses what needs a capability the client did not declare: `path` names it (`['sampling',
     * 'tools']` is `sampling.tools`). In a session the tool fails (isError), as it always has;
     * 2026-07-28 names a protocol error for it, -32021 with the capability asked for.
     */
    const requireCapability = (path: readonly string[], what: string): void => {
      let declared: unknown = session.clientCapabilities;
      for (const key of path) declared = (declared as Record<string, unknown> | undefined)?.[key];
      if (declared) return;
      const name = path.join('.');
      if (session.modern) {
        const required = path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), {});
        throw new RpcError(RpcCode.missingRequiredClientCapability, `The client did not declare the ${name} capability (required for ${what})`, { requiredCapabilities: required });
      }
      throw new Error(`Client does not support ${name} (required for ${what})`);
    };
    this.log = async (level, data, logger) => {
      if (!shouldLog(level, session.logLevel, session.modern)) return;
      // Awaiting the stream paces a handler that logs in a loop to what its client reads.
      await ctx.notify('notifications/message', logger === undefined ? { level, data } : { level, data, logger });
    };
    this.progress = async (progress, total, message) => {
      if (ctx.progressToken === undefined) return;
      const params: Record<string, unknown> = { progressToken: ctx.progressToken, progress };
      if (total !== undefined) params.total = total;
      if (message !== undefined) params.message = message;
      await ctx.notify('notifications/progress', params);
    };
    this.elicit = async (message, requestedSchema, options) => {
      requireCapability(['elicitation'], 'elicitation/create');
      return (await ctx.request('elicitation/create', { message, requestedSchema }, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['elicit']>>;
    };
    this.elicitUrl = async (message, url, options) => {
      requireCapability(['elicitation'], 'elicitation/create');
      if (!/^https?:\/\//i.test(url)) throw new Error(`elicitUrl needs an http(s) URL, not "${url.slice(0, 100)}"`);
      requireCapability(['elicitation', 'url'], 'URL-mode elicitation/create');
      // 2025-11-25 ties the completion notice to an id; 2026-07-28 learns of it from the retry.
      const elicitationId = session.modern ? undefined : randomUUID();
      const params = { mode: 'url', message, url, ...(elicitationId ? { elicitationId } : {}) };
      const answer = (await ctx.request('elicitation/create', params, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['elicit']>>;
      return elicitationId ? copyWith(answer, { elicitationId }) : answer;
    };
    this.elicitationComplete = async (elicitationId) => {
      if (session.modern) return;
      await ctx.notify('notifications/elicitation/complete', { elicitationId });
    };
    this.sample = async (params, options) => {
      requireCapability(['sampling'], 'sampling/createMessage');
      if (params.tools !== undefined || params.toolChoice !== undefined) {
        checkSamplingTools(params);
        requireCapability(['sampling', 'tools'], 'sampling/createMessage with tools');
      }
      return (await ctx.request('sampling/createMessage', params as unknown as Record<string, unknown>, ctx.signal, options?.key)) as unknown as Awaited<ReturnType<HandlerContext['sample']>>;
    };
    this.roots = async (options) => {
      requireCapability(['roots'], 'roots/list');
      const { roots } = await ctx.request('roots/list', {}, ctx.signal, options?.key);
      return (Array.isArray(roots) ? roots : []) as Awaited<ReturnType<HandlerContext['roots']>>;
    };
    this.request = async (method, params) => ctx.request(method, params ?? {}, ctx.signal);
    this.listChanged = (list) => session.announceListChanged(list);
  }

  /** A getter, so the AbortController exists only for handlers that look at the signal. */
  get signal(): AbortSignal {
    return this[REQUEST].signal;
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
