import { ConfigError, RpcError } from '@mcp-cli/core';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

import type { McpSession, MethodHandler } from '../server/mcp-session.ts';

/** The JSON-RPC error of a request over its rate (a server error code; `data.retryAfterMs` says when to try again). */
export const RATE_LIMITED = -32029;

/** The methods a rate counts: what a client does with the server's tools, prompts and resources. */
export const RATE_LIMITED_METHODS = ['tools/call', 'prompts/get', 'resources/read'] as const;

/** A rate as written: `20/s`, `100/m`, `1000/h`. */
export interface RateSpec {
  points: number;
  seconds: number;
}

/**
 * Parses `N/s`, `N/m` or `N/h`.
 * @throws ConfigError naming `what` when the text is not one.
 */
export function parseRate(text: string, what: string): RateSpec {
  const match = /^\s*(\d+)\s*\/\s*(s|m|h)\s*$/.exec(text);
  const points = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(points) || points < 1) throw new ConfigError(`Invalid ${what} "${text.slice(0, 50)}": write calls per second, minute or hour, such as 20/s, 100/m or 1000/h`, 'E_RATE');
  return { points, seconds: { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] };
}

/** Where limits are counted: this process, or a Redis every process shares. */
export type RateStore = { kind: 'memory' } | { kind: 'redis'; client: unknown; prefix: string };

/**
 * Rate limits per identity (the OAuth subject, else the static token, else the client's address)
 * with rate-limiter-flexible: one rate for every call, and rates of their own for named tools.
 * With Redis the counts are shared by every process; while Redis is away each process counts
 * alone (the library's insurance limiter), so limits loosen rather than fail every call.
 */
export class RateLimits {
  readonly #all: RateLimiterAbstract | undefined;
  readonly #byTool: Map<string, RateLimiterAbstract>;
  /** Told of each refusal (metrics count them). */
  onRefused: (() => void) | undefined;

  private constructor(all: RateLimiterAbstract | undefined, byTool: Map<string, RateLimiterAbstract>) {
    this.#all = all;
    this.#byTool = byTool;
  }

  /** Loads rate-limiter-flexible (only when a rate is set) and makes one limiter per rate. */
  static async create(all: RateSpec | undefined, byTool: Record<string, RateSpec>, store: RateStore): Promise<RateLimits> {
    const flexible = await import('rate-limiter-flexible');
    const make = (spec: RateSpec, key: string): RateLimiterAbstract => {
      const options = { points: spec.points, duration: spec.seconds, keyPrefix: key };
      if (store.kind === 'memory') return new flexible.RateLimiterMemory(options);
      return new flexible.RateLimiterRedis({ ...options, keyPrefix: `${store.prefix}rate:${key}`, storeClient: store.client, insuranceLimiter: new flexible.RateLimiterMemory(options) });
    };
    const tools = new Map(Object.entries(byTool).map(([name, spec]) => [name, make(spec, `tool:${name}`)]));
    return new RateLimits(all && make(all, 'all'), tools);
  }

  /**
   * Counts one request against its identity's rates.
   * @throws RpcError {@link RATE_LIMITED} with `data.retryAfterMs` when a rate is exceeded.
   */
  async consume(session: McpSession, method: string, params: Record<string, unknown>): Promise<void> {
    const identity = identityOf(session);
    const tool = method === 'tools/call' && typeof params.name === 'string' ? this.#byTool.get(params.name) : undefined;
    for (const limiter of [this.#all, tool]) {
      if (!limiter) continue;
      try {
        await limiter.consume(identity);
      } catch (refusal) {
        if (refusal instanceof Error) throw refusal;
        this.onRefused?.();
        const retryAfterMs = Math.max(1, Math.ceil((refusal as RateLimiterRes).msBeforeNext));
        const which = limiter === tool ? `for tool "${String(params.name)}"` : 'for this client';
        throw new RpcError(RATE_LIMITED, `Rate limit exceeded ${which}: try again in ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterMs });
      }
    }
  }
}

/** Who a rate counts: the same identity on every process. */
function identityOf(session: McpSession): string {
  const subject = session.auth?.sub;
  if (typeof subject === 'string') return `sub:${subject}`;
  if (session.principal) return `token:${session.principal}`;
  return `address:${session.clientAddress ?? 'unknown'}`;
}

/** A refusal's HTTP answer where the request is its own: 429 with `Retry-After` in whole seconds. */
export function rateLimitHeaders(data: unknown): Record<string, string> {
  const retryAfterMs = (data as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return { 'Retry-After': String(Math.max(1, Math.ceil((typeof retryAfterMs === 'number' ? retryAfterMs : 1000) / 1000))) };
}

/** The method table with each rate-limited method counting its request before it runs. */
export function limitRates(methods: Map<string, MethodHandler>, limits: RateLimits): Map<string, MethodHandler> {
  const limited = new Map(methods);
  for (const method of RATE_LIMITED_METHODS) {
    const handler = methods.get(method);
    if (!handler) continue;
    limited.set(method, async (params, ctx) => {
      await limits.consume(ctx.session, method, params);
      return handler(params, ctx);
    });
  }
  return limited;
}

/**
 * The limits a config asks for (none: undefined, and nothing is loaded).
 * @throws ConfigError for a rate that cannot be read.
 */
export async function createRateLimits(limits: { rate?: string | undefined; toolRates?: Record<string, string> | undefined }, store: RateStore): Promise<RateLimits | undefined> {
  const toolRates = Object.entries(limits.toolRates ?? {});
  if (limits.rate === undefined && toolRates.length === 0) return undefined;
  const byTool = Object.fromEntries(toolRates.map(([name, rate]) => [name, parseRate(rate, `limits.toolRates["${name}"]`)]));
  return RateLimits.create(limits.rate === undefined ? undefined : parseRate(limits.rate, '--rate-limit'), byTool, store);
}
