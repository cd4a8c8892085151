import { NGINX_BIN, REDIS_BIN, REPO_ROOT, runCall, startRedis, startRoundRobin, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Three mcp-serve processes share their tasks through a real Redis (Debian's redis-server; .ci/run
// installs it), behind a round-robin nginx: a 2026-07-28 task started on one process is read,
// answered and cancelled through the others, and outlives the process that ran it.
const CONFORMANCE = `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`;
const required = process.env.CI !== undefined;

describe.skipIf((!NGINX_BIN || !REDIS_BIN) && !required)('tasks shared by several processes through Redis', () => {
  let redis: { url: string; stop(): Promise<void> };
  let backends: ServeProcess[] = [];
  let proxy: { url: string; stop(): void };
  const call = (url: string, args: string[]) => runCall(['--url', `${url}/mcp`, '--protocol-version', '2026-07-28', ...args]);
  const getTask = async (url: string, taskId: string) => JSON.parse((await call(url, ['task', 'get', taskId])).stdout) as { status: string; error?: { message: string } };
  const startBackend = () => startServe(['--config', CONFORMANCE, '--store', redis.url, '--allowed-host', 'backends']);

  beforeAll(async () => {
    expect(REDIS_BIN, 'redis-server is not installed (apt-get install redis-server)').toBeDefined();
    expect(NGINX_BIN, 'nginx is not installed (apt-get install nginx-light)').toBeDefined();
    redis = await startRedis();
    backends = await Promise.all([startBackend(), startBackend(), startBackend()]);
    proxy = await startRoundRobin(backends.map((b) => b.url));
  });
  afterAll(async () => {
    proxy?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    await redis?.stop();
  });

  it('starts a task on one process, reads it through the others, and cancels it through a third', async () => {
    const [one, two, three] = backends.map((b) => b.url) as [string, string, string];
    // Two seconds: long enough to be read while it works on a machine busy with other tests.
    const quick = (await call(one, ['slow_compute', '--seconds', '2', '--detach'])).stdout.trim();
    expect(quick).toMatch(/^[0-9a-f-]{36}$/);
    expect((await getTask(two, quick)).status).toBe('working');
    expect((await call(three, ['task', 'result', quick])).stdout).toBe('Computed after 2 s\n');
    expect((await getTask(two, quick)).status).toBe('completed');

    const long = (await call(one, ['slow_compute', '--seconds', '30', '--detach'])).stdout.trim();
    expect((await getTask(two, long)).status).toBe('working');
    expect((await call(three, ['task', 'cancel', long])).code).toBe(0);
    for (const url of [one, two, three]) expect((await getTask(url, long)).status).toBe('cancelled');
    // Another client (another credential) does not see the task on any process.
    const stranger = await runCall(['--url', `${two}/mcp`, '--protocol-version', '2026-07-28', '--header', 'Authorization: Bearer someone-else', 'task', 'get', quick]);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toContain('Unknown task');
  });

  it('takes the answer to a running task on any process, through a round-robin balancer', async () => {
    // Every poll and the answer go through nginx, so they land on the processes in turn: the
    // answer reaches the handler wherever it runs, and the result comes back.
    const answered = await call(proxy.url, ['confirm_delete', '--elicit', 'decline']);
    expect(answered.stderr).toBe('mcp-call: declined the server\'s question "Delete the file?": as --elicit decline asks\n');
    expect(answered.stdout).toBe('Deletion not confirmed\n');
    // Input-required rounds land on different processes too: they share the request-state secret
    // through Redis, with no MCP_SERVE_STATE_SECRET set.
    for (let i = 0; i < 3; i++) expect((await call(proxy.url, ['test_input_required_result_multi_round', '--elicit', 'defaults'])).code).toBe(0);
    const spread = await Promise.all(backends.map(async (b) => ((await (await fetch(`${b.url}/health`)).json()) as { requests: number }).requests));
    expect(spread.every((requests) => requests > 0)).toBe(true);
  });

  it('keeps the tasks a stopped process held: finished ones stay readable, unfinished ones read as failed', async () => {
    const doomed = await startBackend();
    const finished = (await call(doomed.url, ['slow_compute', '--seconds', '0.1', '--detach'])).stdout.trim();
    const running = (await call(doomed.url, ['slow_compute', '--seconds', '30', '--detach'])).stdout.trim();
    expect((await call(doomed.url, ['task', 'result', finished])).code).toBe(0);
    await doomed.stop();
    const survivor = backends[1]!.url;
    expect((await call(survivor, ['task', 'result', finished])).stdout).toBe('Computed after 0.1 s\n');
    const lost = await getTask(survivor, running);
    expect(lost.status).toBe('failed');
    expect(lost.error?.message).toContain('process running this task stopped');

    const killed = await startBackend();
    const kept = (await call(killed.url, ['slow_compute', '--seconds', '0.1', '--detach'])).stdout.trim();
    expect((await call(killed.url, ['task', 'result', kept])).code).toBe(0);
    killed.child.kill('SIGKILL');
    await killed.stop();
    expect((await call(survivor, ['task', 'result', kept])).stdout).toBe('Computed after 0.1 s\n');
  });

  it('fails at start-up with a clear message when Redis cannot be reached', async () => {
    const refused = startServe(['--config', CONFORMANCE, '--store', 'redis://:hunter2@127.0.0.1:9']);
    await expect(refused).rejects.toThrow(/mcp-serve: Cannot use the store at redis:\/\/:\*\*\*@127\.0\.0\.1:9: connect ECONNREFUSED 127\.0\.0\.1:9\. Start Redis there, or fix --store\n$/);
    await expect(refused).rejects.not.toThrow(/hunter2/);
    await expect(startServe(['--config', CONFORMANCE, '--store', 'postgres://db'])).rejects.toThrow(/store must be memory or a Redis URL/);
  });

  it('agrees again on the request-state secret after Redis restarts empty, so a round started on one process ends on another', async () => {
    const port = Number(new URL(redis.url).port);
    const first = await startBackend();
    await redis.stop();
    redis = await startRedis({ port });
    // A process that starts now finds no secret in the store; the earlier one puts its own back.
    const second = await startBackend();
    const post = (url: string, params: Record<string, unknown>) =>
      fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'test_input_required_result_elicitation' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }),
      }).then((r) => r.json() as Promise<{ result?: Record<string, unknown>; error?: { message: string } }>);
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
    const params = { name: 'test_input_required_result_elicitation', arguments: {}, _meta: meta };
    try {
      let outcome: unknown;
      // Within a few seconds (each process checks the store's secret every 5 s and on reconnect), they agree.
      for (let attempt = 0; attempt < 40; attempt++) {
        const { result } = await post(first.url, params);
        const retry = { ...params, inputResponses: { user_name: { action: 'accept', content: { name: 'Grace' } } }, requestState: result!.requestState };
        outcome = (await post(second.url, retry)).result;
        if ((outcome as { resultType?: string } | undefined)?.resultType === 'complete') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(outcome).toMatchObject({ resultType: 'complete', content: [{ text: 'Hello, Grace!' }] });
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  }, 60_000);
});
