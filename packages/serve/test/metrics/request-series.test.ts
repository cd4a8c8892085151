import { describe, expect, it } from 'vitest';

import { RequestSeries } from '../../src/metrics/request-series.ts';
import { summarizeByName } from '../../src/metrics/tool-summary.ts';

describe('RequestSeries', () => {
  it('counts by method, name and outcome, and gives cumulative buckets as prom-client does', async () => {
    const series = new RequestSeries('calls_total', 'calls', 'call_seconds', 'durations');
    series.record('tools/call', 'echo', 'ok', 0.001); // on a bound: in that bucket, as `le` says
    series.record('tools/call', 'echo', 'ok', 0.003);
    series.record('tools/call', 'echo', 'tool_error', 120); // past every bound: +Inf only
    series.record('tools/list', '', 'ok', 0.02);
    const counter = await series.counter.get();
    expect(counter.values).toEqual([
      { labels: { method: 'tools/call', name: 'echo', outcome: 'ok' }, value: 2 },
      { labels: { method: 'tools/call', name: 'echo', outcome: 'tool_error' }, value: 1 },
      { labels: { method: 'tools/list', name: '', outcome: 'ok' }, value: 1 },
    ]);
    const histogram = await series.histogram.get();
    const echo = (le: number | string) => histogram.values.find((v) => v.labels.name === 'echo' && v.labels.le === le)?.value;
    expect([echo(0.001), echo(0.005), echo(60), echo('+Inf')]).toEqual([1, 2, 2, 3]);
    expect(histogram.values.find((v) => v.labels.name === 'echo' && v.metricName === 'call_seconds_sum')?.value).toBeCloseTo(120.004);
    // The status page reads the same values.
    expect(summarizeByName(counter, histogram)).toEqual([expect.objectContaining({ method: 'tools/call', name: 'echo', calls: 3, errors: 1 })]);
    series.counter.reset();
    expect((await series.counter.get()).values).toEqual([]);
  });
});
