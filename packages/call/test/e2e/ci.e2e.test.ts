import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { REPO_ROOT, runCall, SERVE_BIN, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
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
    const passing = await runCall(['test', join(dir, 'ok.yaml')]);
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toMatch(/^PASS {2}structured \(case 1\) {2}\(\d+ ms\)\n1 passed, 0 failed/);
    const bad = await runCall(['test', join(dir, 'bad.yaml'), '--url', server.url]);
    expect(bad).toMatchObject({ code: 2, stderr: `mcp-call: ${join(dir, 'bad.yaml')}: case 1: unknown field "argz" (a case has name, tool, args, expect, expectError, timeout, server)\n` });
    await server.stop();
  });
});
