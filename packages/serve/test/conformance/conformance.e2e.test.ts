import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { CALL_BIN, NGINX_BIN, REDIS_BIN, REPO_ROOT, startRedis, startRoundRobin, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The official MCP conformance suite, through the project's own runner (scripts/conformance/run.mjs:
// it installs the pinned suite, and the Node 22 it needs, from the npm registry). Results are
// parsed from its per-scenario lines and final "N passed, M failed" line.
const exec = promisify(execFile);
const RUNNER = `${REPO_ROOT}scripts/conformance/run.mjs`;
const TIMEOUT = 600_000;

async function runConformance(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ summary: string; failing: string[]; output: string }> {
  const { stdout, stderr } = await exec(process.execPath, [RUNNER, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT, env: { ...process.env, ...env } }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  const output = `${stdout}\n${stderr}`;
  const summary = /^(\d+ passed, \d+ failed)$/m.exec(stdout)?.[1] ?? `no summary:\n${output.slice(-3000)}`;
  const failing = [...stdout.matchAll(/^FAIL (\S+)/gm)].map((m) => m[1]!).sort();
  return { summary, failing, output };
}

/**
 * The client scenarios of conformance 0.2.0-alpha.12 other than auth, each with the mcp-call
 * command that passes it (the suite appends the server's URL; docs/conformance.md lists them). mcp-call
 * tries 2026-07-28 first and falls back to a session, so the same commands serve both kinds of mock.
 */
const CALL = `node ${CALL_BIN}`;
const ADD = `${CALL} --tool add_numbers --args '{"a":5,"b":10}'`;
const CLIENT_SCENARIOS: Record<string, string> = {
  initialize: ADD,
  tools_call: ADD,
  'sse-retry': ADD,
  'request-metadata': ADD,
  'http-standard-headers': ADD,
  'elicitation-sep1034-client-defaults': `${CALL} --tool test_client_elicitation_defaults --elicit defaults`,
  'sep-2322-client-request-state': `printf '{"tool":"test_mrtr_echo_state"}\\n{"tool":"test_mrtr_no_state"}\\n{"tool":"test_mrtr_unrelated"}\\n{"tool":"test_mrtr_no_result_type"}\\n' | ${CALL} --elicit defaults batch`,
  'http-custom-headers': `node -e 'for (const c of JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT).toolCalls) console.log(JSON.stringify({ tool: c.name, args: c.arguments }))' | ${CALL} batch`,
  'http-invalid-tool-headers': `${CALL} valid_tool --region us-west1`,
  'json-schema-ref-no-deref': `${CALL} tools`,
  'json-schema-2020-12-preservation': `sh -c '${CALL} json_schema_echo --schema "$(${CALL} tools --schema json_schema_2020_12_tool "$0")" "$0"'`,
  'sep-2640-client-no-prefetch': `${CALL} skills`,
  'sep-2640-client-verify-digest': `${CALL} skill pdf-processing`,
  'sep-2640-client-verify-size': `${CALL} skill pdf-processing`,
  'sep-2640-client-verify-frontmatter': `${CALL} skill pdf-processing`,
};

/**
 * The auth scenarios of conformance 0.2.0-alpha.12 that mcp-call passes, with the command for
 * each. Its authorization server approves without a page, so the "browser" only follows the
 * authorization URL to mcp-call's loopback redirect (scripts/conformance/follow-redirect.mjs);
 * scripts/conformance/context-env.mjs hands the credentials the suite gives a scenario to mcp-call
 * as MCP_CLIENT_ID, MCP_CLIENT_SECRET, MCP_CLIENT_KEY, MCP_CLIENT_ASSERTION and the MCP_ID_TOKEN,
 * MCP_IDP_TOKEN_ENDPOINT and MCP_IDP_CLIENT_ID of enterprise-managed authorization.
 */
const LOGIN = `${CALL} --login test-tool`;
const WITH_CONTEXT = (command: string) => `sh -c 'eval "$(node ${REPO_ROOT}scripts/conformance/context-env.mjs)"; ${command} "$0"'`;
const AUTH_SCENARIOS: Record<string, string> = {
  ...Object.fromEntries(
    [
      'metadata-default', 'metadata-var1', 'metadata-var2', 'metadata-var3', 'scope-from-www-authenticate', 'scope-from-scopes-supported', 'scope-omitted-when-undefined',
      'scope-step-up', 'scope-retry-limit', 'token-endpoint-auth-basic', 'token-endpoint-auth-post', 'token-endpoint-auth-none', '2025-03-26-oauth-metadata-backcompat',
      '2025-03-26-oauth-endpoint-fallback', 'resource-mismatch', 'offline-access-scope', 'offline-access-not-supported', 'authorization-server-migration', 'iss-supported',
      'iss-not-advertised', 'iss-supported-missing', 'iss-wrong-issuer', 'iss-unexpected', 'iss-normalized', 'metadata-issuer-mismatch', 'dpop', 'dpop-nonce',
    ].map((name) => [`auth/${name}`, LOGIN]),
  ),
  'auth/basic-cimd': `${CALL} --login --client-metadata-url https://conformance-test.local/client-metadata.json test-tool`,
  'auth/pre-registration': WITH_CONTEXT(`${CALL} --login test-tool`),
  'auth/wif-jwt-bearer': WITH_CONTEXT(`${CALL} test-tool`),
  'auth/client-credentials-basic': WITH_CONTEXT(`${CALL} --client-credentials test-tool`),
  'auth/client-credentials-jwt': WITH_CONTEXT(`${CALL} --client-credentials test-tool`),
  'auth/enterprise-managed-authorization': WITH_CONTEXT(`${CALL} test-tool`),
};

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

  it('newest suite (0.2.0-alpha.12): every non-auth client scenario passes with mcp-call, each of its checks exercised', { timeout: TIMEOUT }, async () => {
    const failures: string[] = [];
    for (const [scenario, command] of Object.entries(CLIENT_SCENARIOS)) {
      const run = await runConformance(['--version', '0.2.0-alpha.12', 'client', command, scenario]);
      // "Passed: N/N" with N > 0: a scenario whose checks were all skipped proves nothing.
      const checks = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(run.output);
      const exercised = checks !== null && Number(checks[1]) > 0 && checks[1] === checks[2] && !/\bSKIPPED\b/.test(run.output);
      if (run.summary !== '1 passed, 0 failed' || !exercised) failures.push(`${scenario}: ${run.summary}, ${checks?.[0] ?? 'no checks'}\n${run.output.slice(-1500)}`);
    }
    expect(failures).toEqual([]);
  });

  it('newest suite (0.2.0-alpha.12): all 33 auth scenarios pass with mcp-call, each of its checks exercised', { timeout: TIMEOUT }, async () => {
    const failures: string[] = [];
    for (const [scenario, command] of Object.entries(AUTH_SCENARIOS)) {
      // Each scenario logs in afresh: a store of its own, and a "browser" that follows the redirects.
      const config = await mkdtemp(join(tmpdir(), 'mcp-call-oauth-'));
      const run = await runConformance(['--version', '0.2.0-alpha.12', 'client', command, scenario], { XDG_CONFIG_HOME: config, BROWSER: `${REPO_ROOT}scripts/conformance/follow-redirect.mjs` });
      const checks = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(run.output);
      const exercised = checks !== null && Number(checks[1]) > 0 && checks[1] === checks[2];
      if (run.summary !== '1 passed, 0 failed' || !exercised) failures.push(`${scenario}: ${run.summary}, ${checks?.[0] ?? 'no checks'}\n${run.output.slice(-1500)}`);
    }
    expect(Object.keys(AUTH_SCENARIOS)).toHaveLength(33);
    expect(failures).toEqual([]);
  });

  it('client scenario elicitation-sep1034-client-defaults passes with --elicit defaults', { timeout: TIMEOUT }, async () => {
    const command = `node ${CALL_BIN} --tool test_client_elicitation_defaults --elicit defaults`;
    const { summary, output } = await runConformance(['client', command, 'elicitation-sep1034-client-defaults']);
    expect(summary, output.slice(-4000)).toBe('1 passed, 0 failed');
  });
});

// The same suite through a plain round-robin nginx in front of three processes that share their
// sessions in a real Redis: every request of a session may reach another process, sampling and
// elicitation answers included. Then the same three with --stateless: a 2025 client's
// capabilities come back from the session id it keeps sending.
describe.skipIf((!NGINX_BIN || !REDIS_BIN) && process.env.CI === undefined)('official MCP conformance suite through a round-robin balancer', () => {
  let redis: { url: string; stop(): Promise<void> };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  async function behindNginx(extra: string[], run: (url: string) => Promise<void>): Promise<void> {
    const backends = await Promise.all([1, 2, 3].map(() => startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`, '--store', redis.url, '--allowed-host', 'backends', ...extra])));
    const proxy = await startRoundRobin(backends.map((b) => b.url));
    try {
      await run(proxy.url.replace('127.0.0.1', 'localhost'));
      const spread = await Promise.all(backends.map(async (b) => ((await (await fetch(`${b.url}/health`)).json()) as { requests: number }).requests));
      expect(spread.every((requests) => requests > 10), `requests per process: ${spread.join(', ')}`).toBe(true);
    } finally {
      proxy.stop();
      await Promise.all(backends.map((b) => b.stop()));
    }
  }

  it('passes every 2025-11-25 scenario (0.2.0-alpha.12) over Streamable HTTP and over legacy SSE, sessions spread over three processes', { timeout: TIMEOUT }, async () => {
    await behindNginx([], async (url) => {
      const http = await runConformance(['--version', '0.2.0-alpha.12', 'server', `${url}/mcp`, '--requirements', '2025-11-25']);
      expect(http.summary, http.output.slice(-4000)).toBe('33 passed, 0 failed');
      const sse = await runConformance(['--version', '0.2.0-alpha.12', 'server-sse', `${url}/sse`, '--requirements', '2025-11-25']);
      expect(sse.summary, sse.output.slice(-4000)).toBe('33 passed, 0 failed');
    });
  });

  it('passes every 2025-11-25 scenario (0.2.0-alpha.12) with --stateless, sampling and elicitation included', { timeout: TIMEOUT }, async () => {
    await behindNginx(['--stateless'], async (url) => {
      const http = await runConformance(['--version', '0.2.0-alpha.12', 'server', `${url}/mcp`, '--requirements', '2025-11-25']);
      expect(http.summary, http.output.slice(-4000)).toBe('33 passed, 0 failed');
    });
  });
});
