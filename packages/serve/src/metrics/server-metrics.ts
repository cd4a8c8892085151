import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry as PromRegistry } from 'prom-client';

import type { ObservedRequest, RequestObserver, RequestOutcome } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { observedName } from '../server/request-name.ts';
import { type NameSummary, summarizeByName } from './tool-summary.ts';

/** Why a request was refused before any method ran, as `mcp_refused_total` counts it. */
export type RefusalReason = 'auth' | 'forbidden' | 'limits' | 'bad_request' | 'rate';

/** What the gauges read at each scrape. */
export interface MetricSources {
  getRegistry(): Registry;
  /** Requests being served, across every session. */
  inFlight(): number;
  /** Open sessions by transport and protocol version. */
  sessions(): Iterable<{ transport: string; protocolVersion: string }>;
  /** Open event streams by transport. */
  streams(): Record<string, number>;
  /** The gateway's upstreams: state and restarts, by server name. */
  upstreams?: (() => Record<string, { state: string; restarts?: number }>) | undefined;
}

const UPSTREAM_STATES = ['starting', 'ready', 'lazy', 'restarting', 'failed', 'stopped'];

/**
 * The Prometheus metrics of one server (prom-client, on a registry of its own). Label values are
 * bounded: a tool, prompt or resource is named only when the server has it (a resource by its
 * name, never its URI), and no session id or argument value is ever a label.
 */
export class ServerMetrics implements RequestObserver {
  readonly #registry: PromRegistry;
  readonly #requests: Counter<'method' | 'name' | 'outcome'>;
  readonly #duration: Histogram<'method' | 'name'>;
  readonly #refused: Counter<'reason'>;
  readonly #storeErrors: Counter;
  readonly #sources: MetricSources;
  readonly #series = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();

  private constructor(prom: typeof PromClient, sources: MetricSources) {
    this.#sources = sources;
    const registry = new prom.Registry();
    this.#registry = registry;
    prom.collectDefaultMetrics({ register: registry });
    this.#requests = new prom.Counter({ name: 'mcp_requests_total', help: 'MCP requests served, by method, tool/prompt/resource name and outcome', labelNames: ['method', 'name', 'outcome'], registers: [registry] });
    this.#duration = new prom.Histogram({
      name: 'mcp_request_duration_seconds',
      help: 'Time to answer an MCP request, by method and name',
      labelNames: ['method', 'name'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    new prom.Gauge({
      name: 'mcp_requests_in_flight',
      help: 'MCP requests being served',
      registers: [registry],
      collect() {
        this.set(sources.inFlight());
      },
    });
    this.#refused = new prom.Counter({ name: 'mcp_refused_total', help: 'HTTP requests refused before any method ran, by reason', labelNames: ['reason'], registers: [registry] });
    this.#storeErrors = new prom.Counter({ name: 'mcp_store_errors_total', help: 'Operations on the Redis store that failed', registers: [registry] });
    new prom.Gauge({
      name: 'mcp_sessions',
      help: 'Open sessions, by transport and protocol version',
      labelNames: ['transport', 'protocol_version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { transport, protocolVersion } of sources.sessions()) this.inc({ transport, protocol_version: protocolVersion });
      },
    });
    new prom.Gauge({
      name: 'mcp_streams',
      help: 'Open event streams, by transport',
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        for (const [transport, count] of Object.entries(sources.streams())) this.set({ transport }, count);
      },
    });
    if (sources.upstreams) {
      const upstreams = sources.upstreams;
      new prom.Gauge({
        name: 'mcp_upstream_state',
        help: 'State of each upstream server of the gateway (1 for its current state)',
        labelNames: ['server', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [server, { state }] of Object.entries(upstreams())) for (const known of UPSTREAM_STATES) this.set({ server, state: known }, known === state ? 1 : 0);
        },
      });
      new prom.Gauge({
        name: 'mcp_upstream_restarts',
        help: 'Restarts of each upstream server of the gateway since start',
        labelNames: ['server'],
        registers: [registry],
        collect() {
          for (const [server, { restarts }] of Object.entries(upstreams())) this.set({ server }, restarts ?? 0);
        },
      });
    }
  }

  /** Loads prom-client (only when metrics are asked for) and registers every metric. */
  static async create(sources: MetricSources): Promise<ServerMetrics> {
    return new ServerMetrics(await import('prom-client'), sources);
  }

  /**
   * Counts a request that ended; `params` name its tool, prompt or resource. Only methods in the
   * server's table get here (an unknown one is answered before), so `method` is bounded too.
   */
  requestEnded({ method, params, session }: ObservedRequest, outcome: RequestOutcome, seconds: number): void {
    const name = observedName(this.#sources.getRegistry(), session, method, params);
    // Each label set's children are found once: prom-client hashes the labels on every call otherwise.
    const key = `${method}\u0000${name}\u0000${outcome}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { count: this.#requests.labels({ method, name, outcome }), duration: this.#duration.labels({ method, name }) };
      this.#series.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  refused(reason: RefusalReason): void {
    this.#refused.inc({ reason });
  }

  storeError(): void {
    this.#storeErrors.inc();
  }

  /** Calls, errors and latency quantiles per tool, prompt and resource, for the status page. */
  async summary(): Promise<NameSummary[]> {
    return summarizeByName(await this.#requests.get(), await this.#duration.get());
  }

  /** The text Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#registry.contentType, body: await this.#registry.metrics() };
  }
}
