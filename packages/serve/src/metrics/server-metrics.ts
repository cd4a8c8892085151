import type * as PromClient from 'prom-client';
import type { Counter, Registry as PromRegistry } from 'prom-client';

import type { ObservedRequest, RequestObserver, RequestOutcome } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { observedName } from '../server/request-name.ts';
import { RequestSeries } from './request-series.ts';
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
  /** `mcp_requests_total` and `mcp_request_duration_seconds`, counted without prom-client's per-update work. */
  readonly #requests = new RequestSeries(
    'mcp_requests_total',
    'MCP requests served, by method, tool/prompt/resource name and outcome',
    'mcp_request_duration_seconds',
    'Time to answer an MCP request, by method and name',
  );
  readonly #refused: Counter<'reason'>;
  readonly #storeErrors: Counter;
  readonly #sources: MetricSources;

  private constructor(prom: typeof PromClient, sources: MetricSources) {
    this.#sources = sources;
    const registry = new prom.Registry();
    this.#registry = registry;
    prom.collectDefaultMetrics({ register: registry });
    // The registry reads a metric through its get() (and reset()) alone.
    registry.registerMetric(this.#requests.counter as unknown as PromClient.Metric);
    registry.registerMetric(this.#requests.histogram as unknown as PromClient.Metric);
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
    this.#requests.record(method, observedName(this.#sources.getRegistry(), session, method, params), outcome, seconds);
  }

  refused(reason: RefusalReason): void {
    this.#refused.inc({ reason });
  }

  storeError(): void {
    this.#storeErrors.inc();
  }

  /** Calls, errors and latency quantiles per tool, prompt and resource, for the status page. */
  async summary(): Promise<NameSummary[]> {
    return summarizeByName(await this.#requests.counter.get(), await this.#requests.histogram.get());
  }

  /** The text Prometheus scrapes. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#registry.contentType, body: await this.#registry.metrics() };
  }
}
