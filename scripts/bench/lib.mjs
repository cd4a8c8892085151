// Shared pieces of the benchmarks: starting servers, percentiles, CPU time of a process.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** Starts a node script that prints its URL (matched by `pattern`) on stderr or stdout. */
export async function startProcess(args, pattern, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const match = pattern.exec(text);
      if (match) resolve(match[1]);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', () => reject(new Error(`${args.join(' ')} exited:\n${text}`)));
  });
  return { child, url, stop: () => child.kill('SIGTERM') };
}

/** Starts the built mcp-serve with the hello example on a free port. */
export function startMcpServe(extra = []) {
  return startProcess(
    [`${ROOT}packages/serve/bin/mcp-serve.js`, '--config', `${ROOT}examples/hello/mcp-serve.config.ts`, '--port', '0', '--quiet', ...extra],
    /ready (http:\/\/\S+)/,
  );
}

/** Starts the minimal server written directly on the SDK's transports. */
export function startSdkServer() {
  return startProcess([`${ROOT}scripts/bench/sdk-server.mjs`], /listening (http:\/\/\S+)/);
}

/** CPU time (user + system) of a process so far, in milliseconds, from /proc. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Percentile of a sorted array. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 0.5);
}
