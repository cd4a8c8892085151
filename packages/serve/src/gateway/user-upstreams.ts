import { RpcError } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';
import { takeOverWatches, type Target } from './upstream-definitions.ts';

/** How one `scope: "user"` server's upstreams are kept. */
export interface UserServerLimits {
  /** Stopped after this long with no call. */
  idleMs: number;
  /** Most upstreams of this server at once. */
  max: number;
}

/** A retired upstream's calls in flight are waited for this long at most, looked at this often. */
const RETIRE_WAIT_MS = 5 * 60_000;
const RETIRE_POLL_MS = 200;

/** The error a user gets when every upstream slot is busy (JSON-RPC server error range). */
export const UPSTREAMS_EXHAUSTED = -32050;

interface Pooled {
  server: string;
  target: Promise<Target>;
  /** Starts it (again, when it is retired while watched). */
  start: () => Promise<Target>;
  /** Set once started. */
  started: Target | undefined;
  lastUsed: number;
}

/**
 * The upstreams of `scope: "user"` servers: one per server and identity, started on its first
 * call, shared by that identity's sessions, stopped after its server's idle time. Bounded per
 * server and in total: at a cap the least recently used idle upstream is stopped to make room,
 * and when every one is busy the caller gets {@link UPSTREAMS_EXHAUSTED}, never one more process.
 */
export class UserUpstreams {
  readonly #pool = new Map<string, Pooled>();
  readonly #limits = new Map<string, UserServerLimits>();
  readonly #maxTotal: number;
  readonly #logger: Logger;
  readonly #sweeper: NodeJS.Timeout;
  readonly #stopping = new Set<Promise<void>>();
  /** Upstreams stopped (idle, or retired) that have not exited yet, by server. */
  readonly #exiting = new Map<string, number>();
  #closing = false;

  constructor(maxTotal: number, logger: Logger) {
    this.#maxTotal = maxTotal;
    this.#logger = logger;
    this.#sweeper = setInterval(() => this.sweep(Date.now()), 1000);
    this.#sweeper.unref();
  }

  addServer(server: string, limits: UserServerLimits): void {
    this.#limits.set(server, limits);
  }

  /** The upstream of `server` for the identity `user`, started by `start` when it has none. */
  acquire(server: string, user: string, start: () => Promise<Target>): Promise<Target> {
    const key = `${server}\u0000${user}`;
    const found = this.#pool.get(key);
    if (found) {
      found.lastUsed = Date.now();
      return found.target;
    }
    const limits = this.#limits.get(server)!;
    // At a cap, the new upstream takes the slot of the one stopped for it, and starts once that
    // one has exited: the processes never outnumber the cap, however fast users come.
    let freed: Promise<void> | undefined;
    if (this.#count(server) >= limits.max) {
      freed = this.#evictIdle(server);
      if (!freed) return Promise.reject(exhausted(server, `its limit of ${limits.max} (maxUpstreams)`));
    } else if (this.#total() >= this.#maxTotal) {
      freed = this.#evictIdle(undefined);
      if (!freed) return Promise.reject(exhausted(server, `the gateway's limit of ${this.#maxTotal} in total (limits.maxUpstreams)`));
    }
    const pooled: Pooled = { server, target: freed ? freed.then(start) : start(), start, started: undefined, lastUsed: Date.now() };
    this.#pool.set(key, pooled);
    pooled.target.then(
      (target) => (pooled.started = target),
      () => this.#pool.get(key) === pooled && this.#pool.delete(key),
    );
    return pooled.target;
  }

  /** Forgets a user's upstream that stopped by itself (it crashed): the next call starts another. */
  drop(server: string, user: string, upstream: Target['upstream']): void {
    const key = `${server}\u0000${user}`;
    if (this.#pool.get(key)?.started?.upstream === upstream) this.#pool.delete(key);
  }

  /**
   * Retires a user's upstream (their secrets changed): their next call starts a new one, and the
   * old one stops once its calls in flight have ended. It counts against the caps until it has.
   * One with resources watched is replaced at once, and its successor takes the watches over.
   */
  retire(server: string, user: string): void {
    const key = `${server}\u0000${user}`;
    const pooled = this.#pool.get(key);
    if (!pooled) return;
    this.#stopCounted(key, pooled, async ({ active }) => {
      // A shutdown does not wait for them.
      for (let waited = 0; active.size > 0 && waited < RETIRE_WAIT_MS && !this.#closing; waited += RETIRE_POLL_MS) await new Promise((resolve) => setTimeout(resolve, RETIRE_POLL_MS));
    });
    const watched = pooled.started;
    if (!watched || watched.watchers.size === 0 || this.#closing) return;
    this.acquire(server, user, pooled.start).then(
      (next) => takeOverWatches(watched, next),
      (error: Error) => this.#logger.warn(`a per-user upstream of ${server} was replaced, and its resource subscriptions ended: ${error.message}`),
    );
  }

  /** Retires the upstreams of `server` whose identity `matches` (a change heard from another process names users by digest). */
  retireWhere(server: string, matches: (user: string) => boolean): void {
    const prefix = `${server}\u0000`;
    for (const key of [...this.#pool.keys()]) if (key.startsWith(prefix) && matches(key.slice(prefix.length))) this.retire(server, key.slice(prefix.length));
  }

  /** The running upstream of one identity, if it has one (roots changes go to it). */
  runningFor(server: string, user: string): Target | undefined {
    return this.#pool.get(`${server}\u0000${user}`)?.started;
  }

  /** Counts of one server's upstreams, for /health and the banner (no identities). */
  counts(server: string): { running: number; idle: number; starting: number } {
    const counts = { running: 0, idle: 0, starting: 0 };
    for (const pooled of this.#pool.values()) {
      if (pooled.server !== server) continue;
      if (!pooled.started) counts.starting++;
      else if (inUse(pooled.started)) counts.running++;
      else counts.idle++;
    }
    return counts;
  }

  /** Stops the upstreams idle past their server's idle time. */
  sweep(now: number): void {
    for (const [key, pooled] of this.#pool) {
      const { started } = pooled;
      // Idle time counts from the last sweep that saw it in use, not from when a call began.
      if (started && inUse(started)) pooled.lastUsed = now;
      if (!started || now - pooled.lastUsed < this.#limits.get(pooled.server)!.idleMs) continue;
      this.#logger.debug(`stopped an idle per-user upstream of ${pooled.server}`);
      this.#stopCounted(key, pooled);
    }
  }

  async stopAll(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweeper);
    for (const [key, pooled] of this.#pool) this.#stop(key, pooled);
    await Promise.all(this.#stopping);
  }

  /** A server's upstreams, those still exiting after an idle stop included. */
  #count(server: string): number {
    let count = this.#exiting.get(server) ?? 0;
    for (const pooled of this.#pool.values()) if (pooled.server === server) count++;
    return count;
  }

  #total(): number {
    let exiting = 0;
    for (const count of this.#exiting.values()) exiting += count;
    return this.#pool.size + exiting;
  }

  /**
   * Stops the least recently used idle upstream (of `server`, or of any), and resolves once it has
   * exited; undefined when all are busy or starting.
   */
  #evictIdle(server: string | undefined): Promise<void> | undefined {
    let oldest: [string, Pooled] | undefined;
    for (const entry of this.#pool) {
      const [, pooled] = entry;
      if ((server !== undefined && pooled.server !== server) || !pooled.started || inUse(pooled.started)) continue;
      if (!oldest || pooled.lastUsed < oldest[1].lastUsed) oldest = entry;
    }
    return oldest && this.#stop(...oldest);
  }

  /**
   * Stops an upstream (once `before` has run), counted against its server's cap until it has
   * exited: a new one does not start beside it past a cap.
   */
  #stopCounted(key: string, pooled: Pooled, before?: (target: Target) => Promise<void>): void {
    this.#exiting.set(pooled.server, (this.#exiting.get(pooled.server) ?? 0) + 1);
    void this.#stop(key, pooled, before).finally(() => this.#exiting.set(pooled.server, this.#exiting.get(pooled.server)! - 1));
  }

  #stop(key: string, pooled: Pooled, before?: (target: Target) => Promise<void>): Promise<void> {
    this.#pool.delete(key);
    const stop = pooled.target.then(async (target) => {
      await before?.(target);
      await target.upstream.stop();
    }, () => undefined);
    this.#stopping.add(stop);
    void stop.finally(() => this.#stopping.delete(stop));
    return stop;
  }
}

function exhausted(server: string, limit: string): RpcError {
  return new RpcError(UPSTREAMS_EXHAUSTED, `Server "${server}" has no room for another user: it is at ${limit}, and every one is in use; try again shortly`, { retryable: true });
}

/** An upstream with a call in flight, or a resource a session watches there: stopping it would lose either. */
function inUse(target: Target): boolean {
  return target.active.size > 0 || target.watchers.size > 0;
}
