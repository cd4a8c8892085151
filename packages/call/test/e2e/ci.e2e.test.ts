import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { REPO_ROOT, runCall, runServe, SERVE_BIN, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

describe('mcp-call --expect and --expect-error', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', FIXTURE]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('exits 0 when every expectation holds, over each protocol version', async () => {
    for (const version of ['2026-07-28', '2025-11-25']) {
      const result = await runCall(['--url', server.url, '--protocol-version', version, 'structured', '--a', '1', '--b', '2', '--expect', '.structuredContent.sum=3', '--expect', 'text~/"sum":3/']);
      expect(result, result.stderr).toMatchObject({ code: 0, stdout: '{"sum":3}\n', stderr: '' });
    }
  });

  it('prints expected against actual, one line each, and exits 1', async () => {
    const result = await runCall(['--url', server.url, 'structured', '--a', '1', '--b', '2', '--expect', '.structuredContent.sum=4', '--expect', 'text~/^total/', '--expect', '.structuredContent.sum=3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcp-call: structured: .structuredContent.sum=4 failed: expected 4, got 3\n' + 'mcp-call: structured: text~/^total/ failed: expected a match for /^total/, got "{\\"sum\\":3}"\n',
    );
  });

  it('--expect-error passes a failing call, error result or JSON-RPC error, and fails a succeeding one', async () => {
    const failing = await runCall(['--url', server.url, 'fail', '--expect-error', '--expect', 'text~/disk is full/']);
    expect(failing, failing.stderr).toMatchObject({ code: 0, stderr: '' });
    // Arguments the server refuses (an error result), and a tool it does not have (JSON-RPC -32602).
    const refused = await runCall(['--url', server.url, 'structured', '--args', '{"a":"x","b":2}', '--expect-error', '--expect', 'text~/argument "a" must be number/']);
    expect(refused, refused.stderr).toMatchObject({ code: 0, stderr: '' });
    const unknown = await runCall(['--url', server.url, 'nosuch', '--expect-error', '--expect', '.error.code=-32602']);
    expect(unknown, unknown.stderr).toMatchObject({ code: 0, stderr: '' });
    const succeeding = await runCall(['--url', server.url, 'structured', '--a', '1', '--b', '2', '--expect-error']);
    expect(succeeding).toMatchObject({ code: 1, stderr: 'mcp-call: structured: expected the call to fail, but it succeeded\n' });
  });

  it('refuses a malformed expectation before connecting (exit 2)', async () => {
    const result = await runCall(['--url', 'http://127.0.0.1:9/mcp', 'greet', '--expect', 'no operator']);
    expect(result).toMatchObject({ code: 2, stderr: `mcp-call: Invalid expectation "no operator": write PATH=JSON or PATH~/REGEX/ (for example '.structuredContent.total=3' or 'text~/Hello/')\n` });
  });
});

describe('mcp-call snapshot and diff', () => {
  it('finds a new required argument in an edited module (exit 1), and lets an optional one pass (exit 0)', async () => {
    // The hello example in a folder of its own, its packages linked from the repository's copy.
    const dir = await writeTempFiles({});
    await cp(`${REPO_ROOT}examples/hello`, dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
    await symlink(`${REPO_ROOT}examples/hello/node_modules`, join(dir, 'node_modules'));
    const greet = join(dir, 'tools/greet.ts');
    const original = await readFile(greet, 'utf8');
    const config = join(dir, 'mcp-serve.config.ts');
    const withServer = async <T>(fn: (url: string) => Promise<T>): Promise<T> => {
      const server = await startServe(['--config', config]);
      try {
        return await fn(server.url);
      } finally {
        await server.stop();
      }
    };

    const lock = await withServer((url) => runCall(['snapshot', url]));
    expect(lock.code, lock.stderr).toBe(0);
    const snapshot = JSON.parse(lock.stdout) as { mcpSnapshot: number; server: unknown; tools: { name: string }[]; prompts: unknown[]; resources: unknown[] };
    expect(snapshot).toMatchObject({ mcpSnapshot: 1, server: { name: 'Hello Server', version: '1.0.0' }, tools: [{ name: 'greet' }] });
    expect(snapshot.prompts).toHaveLength(1);
    expect(snapshot.resources.length).toBeGreaterThan(0);
    const lockFile = join(dir, 'mcp.lock.json');
    await writeFile(lockFile, lock.stdout);
    // Taken again, the same surface is the same bytes.
    expect((await withServer((url) => runCall(['snapshot', url]))).stdout).toBe(lock.stdout);

    await writeFile(greet, original.replace("input: { name:", "input: { age: z.number().int().describe('Age'), name:"));
    const breaking = await withServer((url) => runCall(['diff', lockFile, url]));
    expect(breaking.code, breaking.stderr).toBe(1);
    expect(breaking.stdout).toBe('breaking    tool "greet": new required argument "age"\n');
    expect(breaking.stderr).toBe('1 change: 1 breaking, 0 compatible\n');

    await writeFile(greet, original.replace("input: { name:", "input: { age: z.number().int().optional(), name:"));
    const compatible = await withServer((url) => runCall(['diff', lockFile, '--url', url, '--json']));
    expect(compatible.code, compatible.stderr).toBe(0);
    expect(JSON.parse(compatible.stdout)).toEqual({ breaking: 0, compatible: 1, changes: [{ severity: 'compatible', subject: 'tool "greet"', change: 'new optional argument "age"' }] });
    // --fail-on any: any change fails.
    expect((await withServer((url) => runCall(['diff', lockFile, url, '--fail-on', 'any']))).code).toBe(1);
  });

  it('names a missing or foreign lock file (exit 2)', async () => {
    const dir = await writeTempFiles({ 'other.json': '{"tools": []}' });
    expect(await runCall(['diff', join(dir, 'none.json'), 'http://127.0.0.1:9/mcp'])).toMatchObject({
      code: 2,
      stderr: `mcp-call: Cannot read ${join(dir, 'none.json')}: no such file (write one with mcp-call snapshot > FILE)\n`,
    });
    expect(await runCall(['diff', join(dir, 'other.json'), 'http://127.0.0.1:9/mcp'])).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a snapshot of format 1') });
  });
});

describe('mcp-call test', () => {
  const cases = `# Cases against the kitchen-sink fixture.
- name: sums
  tool: structured
  args: { a: 1, b: 2 }
  expect: [".structuredContent.sum=3", "text~/sum/"]
- name: wrong sum
  tool: structured
  args: { a: 1, b: 2 }
  expect: ".structuredContent.sum=4"
- name: fails as it should
  tool: fail
  expectError: true
  expect: ["text~/disk is full/"]
- name: too slow
  tool: slow
  args: { ms: 5000 }
  timeout: 0.3
`;
  const lines = '{"name":"ping","tool":"ping"}\n{"tool":"structured","args":{"a":2,"b":2},"expect":["text~/4/"]}\n';

  it('runs YAML and JSON-lines cases over one stdio server, a line each, and writes JUnit XML a parser reads', async () => {
    const dir = await writeTempFiles({ 'cases.yaml': cases, 'more.jsonl': lines });
    const starts = join(dir, 'starts.log');
    // The stdio server notes each start: a run of six cases starts it once.
    const stdio = `sh -c 'echo started >> ${starts}; exec "${process.execPath}" "${SERVE_BIN}" --stdio --config "${FIXTURE}"'`;
    const junit = join(dir, 'report.xml');
    const result = await runCall(['test', join(dir, 'cases.yaml'), join(dir, 'more.jsonl'), '--stdio', stdio, '--jobs', '4', '--junit', junit, '--quiet']);
    expect(result.code, result.stderr).toBe(1);
    const printed = result.stdout.trim().split('\n');
    expect(printed.filter((line) => /^PASS {2}.+ {2}\(\d+ ms\)$/.test(line)).map((line) => line.split('  ')[1]).sort()).toEqual(['fails as it should', 'ping', 'structured (line 2)', 'sums']);
    expect(printed).toContain('      .structuredContent.sum=4 failed: expected 4, got 3');
    expect(printed).toContain('      timed out after 0.3 s');
    expect(printed.at(-1)).toMatch(/^4 passed, 2 failed \(\d+\.\d s\)$/);
    expect((await readFile(starts, 'utf8')).trim().split('\n')).toEqual(['started']);

    const report = (await parseJunit(await readFile(junit, 'utf8'))) as TestSuites;
    expect(report).toMatchObject({ tests: 6, failures: 1, errors: 1 });
    const [yaml, jsonl] = report.testsuite!;
    expect(yaml).toMatchObject({ name: join(dir, 'cases.yaml'), tests: 4, failures: 1, errors: 1 });
    expect(jsonl).toMatchObject({ name: join(dir, 'more.jsonl'), tests: 2, failures: 0, errors: 0 });
    const wrong = yaml!.testcase!.find((c) => c.name === 'wrong sum')!;
    expect(wrong.failure![0]!.message).toBe('.structuredContent.sum=4 failed: expected 4, got 3');
    expect(yaml!.testcase!.find((c) => c.name === 'too slow')!.error![0]!.message).toBe('timed out after 0.3 s');
  });

  it('passes when every case passes, over HTTP with a server field, and names a bad case (exit 2)', async () => {
    const server = await startServe(['--config', FIXTURE]);
    const dir = await writeTempFiles({
      'ok.yaml': `server: ${server.url}\ncases:\n  - tool: structured\n    args: { a: 1, b: 1 }\n    expect: [".structuredContent.sum=2"]\n`,
      'bad.yaml': '- tool: structured\n  argz: {}\n',
    });
    // The file's server wins over the command line's.
    const passing = await runCall(['test', join(dir, 'ok.yaml'), '--url', 'http://127.0.0.1:9/mcp']);
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/^PASS {2}structured \(case 1\) {2}\(\d+ ms\)\n1 passed, 0 failed/);
    const bad = await runCall(['test', join(dir, 'bad.yaml'), '--url', server.url]);
    expect(bad).toMatchObject({ code: 2, stderr: `mcp-call: ${join(dir, 'bad.yaml')}: case 1: unknown field "argz" (a case has name, tool, args, expect, expectError, timeout, server)\n` });
    await server.stop();
  });
});

describe('mcp-call --record and mcp-serve --replay', () => {
  const SECRET = 's3cr3t-token-value-42';
  const calls = [
    { name: 'structured', arguments: { a: 1, b: 2 } },
    { name: 'types', arguments: { text: 'plain', count: 3, color: 'green' } },
    { name: 'fail', arguments: {} },
  ];

  it('records a run, secrets redacted, and the replay answers the SDK client as the server did, over every transport', async () => {
    const server = await startServe(['--config', FIXTURE, '--token', SECRET]);
    const dir = await writeTempFiles({
      'cases.jsonl': `${calls.map((c) => JSON.stringify({ tool: c.name, args: c.arguments, ...(c.name === 'fail' ? { expectError: true } : {}) })).join('\n')}\n`
        + `${JSON.stringify({ name: 'echoes secrets', tool: 'types', args: { text: `${SECRET} and Bearer abc.def.ghi`, meta: { apiKey: 'sk-live-123456', note: 'kept' } } })}\n`,
    });
    const recording = join(dir, 'run.ndjson');
    const run = await runCall(['test', join(dir, 'cases.jsonl'), '--url', server.url, '--token', SECRET, '--record', recording, '--quiet']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const recorded = await readFile(recording, 'utf8');
    expect(recorded).not.toContain(SECRET);
    expect(recorded).not.toContain('sk-live-123456');
    expect(recorded).not.toContain('abc.def.ghi');
    expect(recorded).toContain('"note":"kept"');
    const [header, ...messages] = recorded.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(header).toMatchObject({ mcpRecording: 1, client: expect.stringMatching(/^mcp-call /), server: expect.stringMatching(new RegExp(`^${server.url}`)) });
    expect(messages.every((m) => (m.from === 'client' || m.from === 'server') && typeof m.t === 'number')).toBe(true);

    // What the live server answers, through the SDK client, is what the replay must answer.
    const live = await sdkClient('http', server.url, SECRET);
    const expected = await Promise.all(calls.map((c) => live.callTool(c)));
    await live.close();
    await server.stop();

    const replay = await startServe(['--replay', recording]);
    for (const transport of ['http', 'sse'] as const) {
      const client = await sdkClient(transport, replay.url);
      expect(client.getServerVersion()).toMatchObject({ name: 'Kitchen Sink', version: '2.0.0' });
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('structured');
      expect(await Promise.all(calls.map((c) => client.callTool(c)))).toEqual(expected);
      // Arguments in another order are the same call; arguments never recorded say so.
      expect(await client.callTool({ name: 'structured', arguments: { b: 2, a: 1 } })).toEqual(expected[0]);
      await expect(client.callTool({ name: 'structured', arguments: { a: 5, b: 5 } })).rejects.toThrow(/the recording holds no call of tool "structured" with these arguments/);
      await client.close();
    }
    await replay.stop();

    const stdio = new Client({ name: 'replay-stdio', version: '1.0.0' });
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [SERVE_BIN, '--replay', recording, '--stdio'], stderr: 'ignore' }));
    expect(await stdio.callTool(calls[0]!)).toEqual(expected[0]);
    await stdio.close();
  });

  it('names a file that is not a recording (exit 2)', async () => {
    const dir = await writeTempFiles({ 'not.ndjson': '{"hello":1}\n' });
    const started = await runServe(['--replay', join(dir, 'not.ndjson'), '--port', '0']);
    expect(started).toMatchObject({ code: 2, stderr: `mcp-serve: --replay ${join(dir, 'not.ndjson')}: line 1: not a recording of format 1 (write one with mcp-call --record FILE)\n` });
  });
});

async function sdkClient(transport: 'http' | 'sse', baseUrl: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  const requestInit = token ? { headers: { authorization: `Bearer ${token}` } } : undefined;
  await client.connect(
    transport === 'sse'
      ? new SSEClientTransport(new URL(`${baseUrl}/sse`), { ...(requestInit ? { requestInit, eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...requestInit.headers } }) } } : {}) })
      : new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), requestInit ? { requestInit } : undefined),
  );
  return client;
}
