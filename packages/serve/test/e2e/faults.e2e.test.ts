import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { CALL_BIN, rawRequest, REPO_ROOT, runCall, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient } from './sdk-client.ts';

const MCP_REMOTE = `${REPO_ROOT}packages/serve/node_modules/mcp-remote/dist/proxy.js`;
const FIXTURE = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

async function openSessions(server: ServeProcess): Promise<number> {
  return (JSON.parse((await rawRequest(`${server.url}/health`)).text) as { sessions: number }).sessions;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('mcp-serve faults', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', FIXTURE, '--log-level', 'debug', '--call-timeout', '1500', '--session-idle', '500']);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('aborts the handler and frees the session when an SSE client disconnects mid-call', async () => {
    const client = await connectSdkClient(server.url, 'sse');
    expect(await openSessions(server)).toBe(1);
    const pending = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }).catch(() => 'closed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.close();
    expect(await pending).toBe('closed');
    await server.waitForStderr(/call cancelled tool=slow/);
    await waitFor(async () => (await openSessions(server)) === 0, 'sessions to return to zero');
  });

  it('gives an isError result when a handler runs past the per-call timeout', async () => {
    const client = await connectSdkClient(server.url, 'http');
    const result = await client.callTool({ name: 'slow', arguments: { ms: 10_000 } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'Tool "slow" timed out after 1500 ms' }], isError: true });
    await client.close();
    await waitFor(async () => (await openSessions(server)) === 0, 'sessions to return to zero');
  });

  it('survives a module that throws asynchronously, and keeps serving other sessions', async () => {
    const other = await connectSdkClient(server.url, 'sse');
    const client = await connectSdkClient(server.url, 'http');
    expect((await client.callTool({ name: 'crash', arguments: {} })).content).toEqual([{ type: 'text', text: 'answered' }]);
    await server.waitForStderr(/uncaught exception in a module \(server keeps running\) error=Error: async boom/);
    expect((await other.callTool({ name: 'types', arguments: { text: 'ok' } })).isError).toBeUndefined();
    await Promise.all([client.close(), other.close()]);
    await waitFor(async () => (await openSessions(server)) === 0, 'sessions to return to zero');
  });

  it('mcp-call: Ctrl-C sends notifications/cancelled, ends the session and exits 130', async () => {
    await waitFor(async () => (await openSessions(server)) === 0, 'earlier sessions to end');
    const interrupt = async (version: string): Promise<void> => {
      const child = spawn(process.execPath, [CALL_BIN, '--url', `${server.url}/mcp`, '--protocol-version', version, 'slow', '--ms', '10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      await waitFor(async () => stderr.includes('[server info] slow started'), 'the call to start');
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(code).toBe(130);
      expect(stderr).toBe('[server info] slow started\nmcp-call: interrupted\n');
    };
    await interrupt('2025-11-25');
    await server.waitForStderr(/call cancelled tool=slow .*reason=interrupted/);
    await waitFor(async () => (await openSessions(server)) === 0, 'the session to end');
    // 2026-07-28 has no session: the request is cancelled by mcp-call's notifications/cancelled,
    // or by the closed request, whichever reaches the server first.
    await interrupt('2026-07-28');
    await server.waitForStderr(/call cancelled tool=slow method=tools\/call requestId=\S+ reason="?(interrupted|the client closed the request)/);
  });

  it('mcp-remote, plain and --protocol auto (2026-07-28): a cancelled call stops the handler', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mcp-remote-home-'));
    for (const mode of ['legacy', 'auto']) {
      const client = new Client({ name: 'through-mcp-remote', version: '1.0.0' });
      const stderr: string[] = [];
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [MCP_REMOTE, `${server.url}/mcp`, '--transport', 'http-only', '--protocol', mode],
        env: { PATH: process.env.PATH ?? '', HOME: home, MCP_REMOTE_CONFIG_DIR: home },
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      await client.connect(transport);
      // 2026-07-28 sends a request's logs only at the level it asks for; mcp-remote carries this over.
      await client.setLoggingLevel('info');
      const started = new Promise<void>((resolve) => {
        client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
          if (n.params.data === 'slow started') resolve();
        });
      });
      const aborted = new AbortController();
      const pending = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, undefined, { signal: aborted.signal }).then(() => 'answered', () => 'rejected');
      await started;
      const logged = server.stderr().length;
      aborted.abort();
      expect(await pending).toBe('rejected');
      // The handler stops on the relayed notifications/cancelled (its reason), while the proxy is
      // still connected: not only once it closes the request's stream.
      const cancelled = /call cancelled tool=slow method=tools\/call .*reason="?AbortError: This operation was aborted/;
      await waitFor(async () => cancelled.test(server.stderr().slice(logged)), `mcp-remote (${mode}) to cancel the call`);
      if (mode === 'auto') expect(stderr.join('')).toContain('Remote server speaks MCP 2026-07-28');
      await client.close();
    }
  });
});

describe('mcp-call when the server goes away', () => {
  it('exits 3 with a clear message when the server dies mid-call', async () => {
    for (const path of ['/mcp', '/sse']) {
      const server = await startServe(['--config', FIXTURE]);
      const pending = runCall(['--url', `${server.url}${path}`, 'slow', '--ms', '10000']);
      await waitFor(async () => (await openSessions(server)) === 1, 'the call to start');
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.child.kill('SIGKILL');
      const result = await pending;
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^mcp-call: (The server closed the (response|SSE) stream|Cannot reach)/);
    }
  });
});

describe('mcp-serve session limits', () => {
  it('answers 503 when full and 429 when one client holds too many, with Retry-After', async () => {
    const full = await startServe(['--max-sessions', '1']);
    const first = await connectSdkClient(full.url, 'sse');
    const refused = await rawRequest(`${full.url}/sse`, { maxMs: 300 });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.text).error.message).toMatch(/limits\.maxSessions/);
    await first.close();
    await full.stop();

    const perClient = await startServe(['--max-sessions-per-client', '1']);
    const one = await connectSdkClient(perClient.url, 'http');
    await expect(connectSdkClient(perClient.url, 'http')).rejects.toThrow(/429|Too many sessions/);
    await one.close();
    await perClient.stop();
  });
});

describe('mcp-serve ending a session with a call in flight', () => {
  it('answers the waiting call with an error instead of leaving it open', async () => {
    const { INITIALIZE_BODY, MCP_POST_HEADERS } = await import('@mcp-cli/test-utils');
    const server = await startServe(['--config', FIXTURE]);
    const url = `${server.url}/mcp`;
    const init = await rawRequest(url, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    const session = { 'mcp-session-id': String(init.headers['mcp-session-id']) };
    const call = rawRequest(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, ...session, accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'types', arguments: { text: 'x' } } }),
    });
    await call; // a quick call answers normally
    const slow = rawRequest(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, ...session, accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'slow', arguments: { ms: 30_000 } } }),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await rawRequest(url, { method: 'DELETE', headers: session })).status).toBe(200);
    const answer = await slow;
    expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: 8, error: { code: -32000, message: 'Session closed' } });
    await server.stop();
  });
});
