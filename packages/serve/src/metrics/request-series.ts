import type { RequestOutcome } from '../server/mcp-session.ts';

/** Upper bounds of the request duration histogram's buckets, in seconds. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A metric's values as prom-client's registry reads them from `get()`. */
export interface MetricValues {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
  aggregator: 'sum';
}

/** What prom-client's registry needs of a metric to serve it (`registry.registerMetric`). */
export interface RegistryMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  get(): Promise<MetricValues>;
  reset(): void;
}

/** One method and name's counts, by outcome, and its durations. */
class NamedRequests {
  readonly outcomes = new Map<RequestOutcome, number>();
  /** Observations per bucket (not cumulative); the last slot is past the highest bound. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;
}

/**
 * The request counter and duration histogram, kept as plain numbers per method and name and
 * handed to prom-client's registry as two metrics when it is read. prom-client's own counter
 * and histogram build, hash and check a label object on every update: with them a request cost
 * about 9,000 more server instructions; this costs two map lookups and a few additions.
 */
export class RequestSeries {
  readonly #byMethod = new Map<string, Map<string, NamedRequests>>();
  readonly counter: RegistryMetric;
  readonly histogram: RegistryMetric;

  constructor(counterName: string, counterHelp: string, histogramName: string, histogramHelp: string) {
    this.counter = { name: counterName, help: counterHelp, type: 'counter', get: async () => this.#counterValues(), reset: () => this.#byMethod.clear() };
    this.histogram = { name: histogramName, help: histogramHelp, type: 'histogram', get: async () => this.#histogramValues(), reset: () => this.#byMethod.clear() };
  }

  record(method: string, name: string, outcome: RequestOutcome, seconds: number): void {
    let byName = this.#byMethod.get(method);
    if (!byName) this.#byMethod.set(method, (byName = new Map()));
    let named = byName.get(name);
    if (!named) byName.set(name, (named = new NamedRequests()));
    named.outcomes.set(outcome, (named.outcomes.get(outcome) ?? 0) + 1);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    named.buckets[bucket]!++;
    named.sum += seconds;
    named.count++;
  }

  #counterValues(): MetricValues {
    const { name, help } = this.counter;
    const values: MetricValues['values'] = [];
    for (const [method, byName] of this.#byMethod) {
      for (const [requestName, named] of byName) for (const [outcome, value] of named.outcomes) values.push({ labels: { method, name: requestName, outcome }, value });
    }
    return { name, help, type: 'counter', values, aggregator: 'sum' };
  }

  #histogramValues(): MetricValues {
    const { name, help } = this.histogram;
    const values: MetricValues['values'] = [];
    for (const [method, byName] of this.#byMethod) {
      for (const [requestName, named] of byName) {
        let below = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          below += named.buckets[i]!;
          values.push({ labels: { method, name: requestName, le }, value: below, metricName: `${name}_bucket` });
        });
        values.push(
          { labels: { method, name: requestName, le: '+Inf' }, value: named.count, metricName: `${name}_bucket` },
          { labels: { method, name: requestName }, value: named.sum, metricName: `${name}_sum` },
          { labels: { method, name: requestName }, value: named.count, metricName: `${name}_count` },
        );
      }
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }
}
