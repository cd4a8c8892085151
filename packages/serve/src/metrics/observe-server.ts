import type { RateLimits } from '../rate-limit/rate-limits.ts';
import type { McpSession, RequestObserver } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { combineObservers } from '../server/request-observers.ts';
import type { StateStore } from '../store/state-store.ts';
import { ServerMetrics } from './server-metrics.ts';

/** What a server's metrics read and count. */
export interface ObservedServer {
  metrics: boolean;
  getRegistry(): Registry;
  /** Every open session; `isLegacy` tells the legacy SSE ones apart. */
  sessions: ReadonlySet<McpSession>;
  isLegacy(session: McpSession): boolean;
  streams(): Record<string, number>;
  upstreams?: (() => Record<string, { state: string; restarts?: number }>) | undefined;
  store: StateStore;
  rateLimits: RateLimits | undefined;
  /** Told of each request too (the audit log). */
  also?: RequestObserver | undefined;
}

/**
 * The metrics of a server (when asked for), fed by its sessions, store and rate limits, and the
 * observer every request reports to: undefined when neither metrics nor an audit log is on.
 */
export async function observeServer(server: ObservedServer): Promise<{ metrics: ServerMetrics | undefined; observer: RequestObserver | undefined }> {
  if (!server.metrics) return { metrics: undefined, observer: server.also };
  const metrics = await ServerMetrics.create({
    getRegistry: server.getRegistry,
    inFlight: () => {
      let count = 0;
      for (const session of server.sessions) count += session.inflightCount;
      return count;
    },
    sessions: () => [...server.sessions].map((session) => ({ transport: server.isLegacy(session) ? 'sse' : 'http', protocolVersion: session.protocolVersion })),
    streams: server.streams,
    upstreams: server.upstreams,
  });
  if (server.rateLimits) {
    const countRefusal = (): void => metrics.refused('rate');
    server.rateLimits.onRefused = countRefusal;
  }
  server.store.onConnectionError?.(() => metrics.storeError());
  return { metrics, observer: combineObservers(metrics, server.also) };
}
