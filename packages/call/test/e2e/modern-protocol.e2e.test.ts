import { REPO_ROOT, runCall, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SDK_SERVER = `${REPO_ROOT}packages/call/test/fixtures/stdio/sdk-server.mjs`;
const ANSWER_PARIS = `node -e "process.stdin.resume();process.stdin.on('end',()=>console.log(JSON.stringify({role:'assistant',model:'m',content:{type:'text',text:'Paris'}})))"`;

// mcp-call --protocol-version 2026-07-28 against the built mcp-serve: no session, per-request
// metadata and headers, input-required rounds answered with the usual options, tasks followed.
describe('mcp-call speaking protocol 2026-07-28', () => {
  let server: ServeProcess;
  const call = (args: string[]) => runCall(['--url', `${server.url}/mcp`, '--protocol-version', '2026-07-28', ...args]);

  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('discovers the server and calls a tool, with the Mcp-Param header its schema asks for', async () => {
    const info = await call(['info']);
    expect(info.stdout).toContain('protocol:     2026-07-28');
    expect(info.stdout).toContain('name:         mcp-serve-conformance');
    // test_header_params refuses a call whose Mcp-Param-Region header is missing or differs.
    const headers = await call(['test_header_params', '--region', 'eu west 1', '--query', 'select 1']);
    expect(headers.stderr).toBe('');
    expect(headers.stdout).toBe('Ran select 1 in eu west 1\n');
  });

  it('answers input-required rounds with --elicit, --sampling-command and --root, and sends the request again', async () => {
    const rounds = await call(['test_input_required_result_multi_round', '--elicit', 'defaults']);
    expect(rounds.code).toBe(0);
    expect(rounds.stderr).toContain('declined the server\'s question "Step 2: What is your favorite color?"');
    expect((await call(['test_input_required_result_sampling', '--sampling-command', ANSWER_PARIS])).stdout).toBe('Sampled: Paris\n');
    expect((await call(['test_input_required_result_list_roots', '--root', '/tmp'])).stdout).toBe('Roots: file:///tmp\n');
    const url = await call(['test_url_elicitation', '--elicit', 'decline']);
    expect(url.stdout).toBe('URL step decline\n');
    expect(url.stderr).toContain('https://example.com/login');
    const noRoots = await call(['test_input_required_result_list_roots']);
    expect(noRoots.code).toBe(2);
    expect(noRoots.stderr).toContain('needs the client to support roots (-32021: ');
    expect(noRoots.stderr).toContain('pass --root DIR');
  });

  it('follows a call the server turns into a task to its result, and a failed tool to exit 1', async () => {
    const task = await call(['slow_compute', '--seconds', '0.3']);
    expect(task.code).toBe(0);
    expect(task.stdout).toBe('Computed after 0.3 s\n');
    // No tool lists task support over 2026-07-28 (the server decides): --task is no usage error.
    const asked = await call(['slow_compute', '--seconds', '0.3', '--task']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toBe('Computed after 0.3 s\n');
    const failing = await call(['failing_job']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('The job failed, as it always does');
  });

  it('detaches from a task with --detach, then reads, waits for and cancels tasks by id', async () => {
    const detached = await call(['slow_compute', '--seconds', '0.3', '--detach']);
    expect(detached.code).toBe(0);
    const taskId = detached.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse((await call(['task', 'get', taskId])).stdout)).toMatchObject({ taskId });
    expect((await call(['task', 'result', taskId])).stdout).toBe('Computed after 0.3 s\n');
    const long = (await call(['slow_compute', '--seconds', '30', '--detach'])).stdout.trim();
    expect((await call(['task', 'cancel', long])).code).toBe(0);
    expect(JSON.parse((await call(['task', 'get', long])).stdout).status).toBe('cancelled');
    const listed = await call(['task', 'list']);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toContain('The 2026-07-28 tasks extension has no tasks/list');
  });

  it('asks for log messages per request with --log-level', async () => {
    const result = await call(['test_logging_tool', '--log-level', 'error']);
    expect(result.stdout).toBe('Logged three messages\n');
    expect(result.stderr).toContain('third log message');
    expect(result.stderr).not.toContain('second log message');
  });

  it('pins an earlier version, and says so when a server does not speak 2026-07-28', async () => {
    const pinned = await runCall(['--url', `${server.url}/mcp`, '--protocol-version', '2025-06-18', 'info']);
    expect(pinned.stdout).toContain('protocol:     2025-06-18');
    const legacy = await runCall(['--stdio', `node ${SDK_SERVER}`, '--protocol-version', '2026-07-28', 'info']);
    expect(legacy.code).toBe(3);
    expect(legacy.stderr).toMatch(/does not speak protocol 2026-07-28 .*drop --protocol-version/);
    // auto: 2026-07-28 where the server speaks it; a session over legacy SSE and over stdio.
    expect((await runCall(['--url', `${server.url}/mcp`, '--protocol-version', 'auto', 'info'])).stdout).toContain('protocol:     2026-07-28');
    expect((await runCall(['--url', `${server.url}/sse`, '--protocol-version', 'auto', 'info'])).stdout).toContain('protocol:     2025-11-25');
    expect((await runCall(['--stdio', `node ${SDK_SERVER}`, '--protocol-version', 'auto', 'info'])).stdout).toContain('protocol:     2025-11-25');
    const bad = await call(['--protocol-version', '2026-13-01', 'info']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --protocol-version "2026-13-01"');
  });
});
