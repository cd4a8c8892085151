import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { CALL_BIN, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The official MCP conformance suite, through the project's own runner (scripts/conformance/run.mjs:
// it installs the pinned suite, and the Node 22 it needs, from the npm registry). Results are
// parsed from its per-scenario lines and final "N passed, M failed" line.
const exec = promisify(execFile);
const RUNNER = `${REPO_ROOT}scripts/conformance/run.mjs`;
const TIMEOUT = 600_000;

async function runConformance(args: string[]): Promise<{ summary: string; failing: string[]; output: string }> {
  const { stdout, stderr } = await exec(process.execPath, [RUNNER, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const output = `${stdout}\n${stderr}`;
  const summary = /^(\d+ passed, \d+ failed)$/m.exec(stdout)?.[1] ?? `no summary:\n${output.slice(-3000)}`;
  const failing = [...stdout.matchAll(/^FAIL (\S+)/gm)].map((m) => m[1]!).sort();
  return { summary, failing, output };
}

describe('official MCP conformance suite', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('server suite (active and pending) passes over Streamable HTTP /mcp', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const { summary, output } = await runConformance(['server', `${url}/mcp`, '--suite', 'all']);
    expect(summary, output.slice(-4000)).toBe('32 passed, 0 failed');
  });

  it('newest suite (0.2.0-alpha.12): all 65 scenarios over /mcp, with 2026-07-28 and the tasks and skills extensions', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const all = await runConformance(['--version', '0.2.0-alpha.12', 'server', `${url}/mcp`, '--suite', 'all']);
    expect(all.failing, all.output.slice(-4000)).toEqual([]);
    expect(all.summary).toBe('65 passed, 0 failed');
  });

  it('newest suite (0.2.0-alpha.12): every 2025-11-25 scenario over legacy SSE through the bridge', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const legacy = await runConformance(['--version', '0.2.0-alpha.12', 'server-sse', `${url}/sse`, '--requirements', '2025-11-25']);
    expect(legacy.summary, legacy.output.slice(-4000)).toBe('33 passed, 0 failed');
  });

  it('server suite (active and pending) passes over legacy SSE through the bridge', { timeout: TIMEOUT }, async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const { summary, output } = await runConformance(['server-sse', `${url}/sse`, '--suite', 'all']);
    expect(summary, output.slice(-4000)).toBe('32 passed, 0 failed');
  });

  it('client scenarios initialize, tools_call and sse-retry pass with mcp-call', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --tool add_numbers --args '{"a":5,"b":10}'`;
    const { summary, output } = await runConformance(['client', command, 'initialize', 'tools_call', 'sse-retry']);
    expect(summary, output.slice(-4000)).toBe('3 passed, 0 failed');
  });

  it('newest suite (0.2.0-alpha.12): client scenarios pass with --protocol-version auto, on 2026-07-28 mocks and on session ones', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --protocol-version auto --tool add_numbers --args '{"a":5,"b":10}'`;
    const { summary, output } = await runConformance(['--version', '0.2.0-alpha.12', 'client', command, 'initialize', 'tools_call', 'request-metadata', 'http-standard-headers']);
    expect(summary, output.slice(-4000)).toBe('4 passed, 0 failed');
    const invalidTools = await runConformance(['--version', '0.2.0-alpha.12', 'client', `node ${CALL_BIN} --protocol-version 2026-07-28 valid_tool --region us-west1`, 'http-invalid-tool-headers']);
    expect(invalidTools.summary, invalidTools.output.slice(-4000)).toBe('1 passed, 0 failed');
    const noDeref = await runConformance(['--version', '0.2.0-alpha.12', 'client', `node ${CALL_BIN} --protocol-version 2026-07-28 tools`, 'json-schema-ref-no-deref']);
    expect(noDeref.summary, noDeref.output.slice(-4000)).toBe('1 passed, 0 failed');
  });

  it('client scenario elicitation-sep1034-client-defaults passes with --elicit defaults', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --tool test_client_elicitation_defaults --elicit defaults`;
    const { summary, output } = await runConformance(['client', command, 'elicitation-sep1034-client-defaults']);
    expect(summary, output.slice(-4000)).toBe('1 passed, 0 failed');
  });
});
