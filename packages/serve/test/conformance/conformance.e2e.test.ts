import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import { CALL_BIN, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The official MCP conformance suite, through the scripts in ../shared/conformance (they install
// the suite and the Node 22 it needs from the npm registry). Results are parsed from the scripts'
// final "N passed, M failed" line.
const exec = promisify(execFile);
const SCRIPTS = resolve(process.env.MCP_SHARED_DIR ?? `${REPO_ROOT}../shared`, 'conformance');
const TIMEOUT = 600_000;

async function runScript(script: string, args: string[]): Promise<{ summary: string; output: string }> {
  const { stdout, stderr } = await exec('bash', [`${SCRIPTS}/${script}`, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const output = `${stdout}\n${stderr}`;
  const summary = /^(\d+ passed, \d+ failed)$/m.exec(stdout)?.[1] ?? `no summary:\n${output.slice(-3000)}`;
  return { summary, output };
}

// A user's clone has no ../shared beside it: the suite is skipped there (and reported skipped).
const AVAILABLE = existsSync(`${SCRIPTS}/run-server.sh`);

describe.skipIf(!AVAILABLE)('official MCP conformance suite', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    expect(existsSync(`${SCRIPTS}/run-server.sh`), `conformance scripts not found in ${SCRIPTS}`).toBe(true);
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('server suite (active and pending) passes over Streamable HTTP /mcp', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const { summary, output } = await runScript('run-server.sh', [`${url}/mcp`, '--suite', 'all']);
    expect(summary, output.slice(-4000)).toBe('32 passed, 0 failed');
  });

  it('server suite (active and pending) passes over legacy SSE through the bridge', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const { summary, output } = await runScript('run-server-sse.sh', [`${url}/sse`, '--suite', 'all']);
    expect(summary, output.slice(-4000)).toBe('32 passed, 0 failed');
  });

  it('client scenarios initialize, tools_call and sse-retry pass with mcp-call', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --tool add_numbers --args '{"a":5,"b":10}'`;
    const { summary, output } = await runScript('run-client.sh', [command, 'initialize', 'tools_call', 'sse-retry']);
    expect(summary, output.slice(-4000)).toBe('3 passed, 0 failed');
  });

  it('client scenario elicitation-sep1034-client-defaults passes with --elicit defaults', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --tool test_client_elicitation_defaults --elicit defaults`;
    const { summary, output } = await runScript('run-client.sh', [command, 'elicitation-sep1034-client-defaults']);
    expect(summary, output.slice(-4000)).toBe('1 passed, 0 failed');
  });
});
