/** What the status page shows of one tool, prompt or resource: calls, errors and latency. */
export interface NameSummary {
  method: string;
  name: string;
  calls: number;
  /** Calls that did not end `ok` (tool errors, protocol errors, time-outs, cancellations). */
  errors: number;
  /** Estimated from the duration histogram, as Prometheus's histogram_quantile does; seconds. */
  p50: number | undefined;
  p99: number | undefined;
}

/** A prom-client metric's values, as `metric.get()` gives them. */
interface MetricValues {
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

/**
 * Sums `mcp_requests_total` and reads quantiles off `mcp_request_duration_seconds` per method and
 * name (methods that name nothing, like tools/list, are left out).
 */
export function summarizeByName(requests: MetricValues, durations: MetricValues): NameSummary[] {
  const byKey = new Map<string, NameSummary>();
  const entry = (method: string, name: string): NameSummary => {
    const key = `${method}\u0000${name}`;
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = { method, name, calls: 0, errors: 0, p50: undefined, p99: undefined }));
    return found;
  };
  for (const { value, labels } of requests.values) {
    if (!labels.name) continue;
    const summary = entry(String(labels.method), String(labels.name));
    summary.calls += value;
    if (labels.outcome !== 'ok') summary.errors += value;
  }
  const buckets = new Map<string, { le: number; count: number }[]>();
  for (const { value, labels, metricName } of durations.values) {
    if (!labels.name || !metricName?.endsWith('_bucket')) continue;
    const key = `${String(labels.method)}\u0000${String(labels.name)}`;
    let list = buckets.get(key);
    if (!list) buckets.set(key, (list = []));
    list.push({ le: labels.le === '+Inf' ? Infinity : Number(labels.le), count: value });
  }
  for (const [key, list] of buckets) {
    const summary = byKey.get(key);
    if (!summary) continue;
    list.sort((a, b) => a.le - b.le);
    summary.p50 = quantile(0.5, list);
    summary.p99 = quantile(0.99, list);
  }
  return [...byKey.values()].sort((a, b) => a.method.localeCompare(b.method) || a.name.localeCompare(b.name));
}

/** The q-quantile of cumulative buckets, interpolated linearly inside its bucket; undefined with no observations. */
export function quantile(q: number, buckets: readonly { le: number; count: number }[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      // In the +Inf bucket the best that can be said is the highest finite bound.
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, 1));
    }
    lower = le;
    below = count;
  }
  return lower;
}
