import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './nginx.ts';

/** Path of Debian's prometheus, when installed (.ci/run installs it). */
export const PROMETHEUS_BIN = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

/** A running Prometheus and a way to ask it for one value. */
export interface PrometheusHandle {
  url: string;
  /** The value of an instant query's first series, or undefined while it has none. */
  query(promql: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Prometheus on a free loopback port scraping `target` (a base URL whose
 * `/metrics` it reads) every second, with `token` as its bearer token; resolves once it is ready.
 */
export async function startPrometheus(target: string, token?: string): Promise<PrometheusHandle> {
  if (!PROMETHEUS_BIN) throw new Error('prometheus is not installed (apt-get install prometheus)');
  const dir = await mkdtemp(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const { host } = new URL(target);
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mcp-serve
    static_configs:
      - targets: ['${host}']
${token ? `    authorization:\n      credentials: '${token}'\n` : ''}`,
  );
  const child = spawn(PROMETHEUS_BIN, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('prometheus did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async query(promql) {
      const reply = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
      const first = reply.data?.result?.[0];
      return first ? Number(first.value[1]) : undefined;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
