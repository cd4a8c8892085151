import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { REPO_ROOT, runCall, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connect, type ConnectOptions } from '../../src/client/connect.ts';
import { listTools } from '../../src/client/operations.ts';

const SDK_SESSION_SERVER = `${REPO_ROOT}packages/call/test/fixtures/http/sdk-session-server.mjs`;

const options = (url: string): ConnectOptions => ({
  url,
  transport: 'http',
  protocolVersion: 'auto',
  prefetch: ['tools/list'],
  headers: {},
  signal: AbortSignal.timeout(10_000),
  waitMs: 0,
  capabilities: {},
  clientInfo: { name: 'prefetch-test', version: '1' },
});

/**
 * A pass-through HTTP proxy in front of `target` that remembers the JSON-RPC method of every
 * POST (from its body), so a test can see which requests a command sent.
 */
async function recordingProxy(target: string): Promise<{ url: string; methods: string[]; close(): void }> {
  const methods: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') methods.push(String((JSON.parse(body.toString('utf8')) as { method?: string }).method));
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, methods, close: () => server.close() };
}

// A tool call asks for tools/list at once: over HTTP its answer tells a 2026-07-28 server, so
// server/discover is left out; it is read once, and asked for again, in a session, when the
// server does not speak 2026-07-28.
describe('the tools list asked for while connecting', () => {
  let serve: ServeProcess;
  let sdk: ChildProcess;
  let sdkUrl: string;

  beforeAll(async () => {
    serve = await startServe([]);
    sdk = spawn(process.execPath, [SDK_SESSION_SERVER], { stdio: ['ignore', 'ignore', 'pipe'] });
    sdkUrl = await new Promise<string>((resolve, reject) => {
      let text = '';
      sdk.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const match = /listening (\S+)/.exec(text);
        if (match) resolve(match[1]!);
      });
      sdk.once('exit', () => reject(new Error(text)));
    });
  });
  afterAll(async () => {
    sdk.kill();
    await serve.stop();
  });

  it('is read once from a 2026-07-28 server, and later lists ask again', async () => {
    const connection = await connect(options(`${serve.url}/mcp`));
    try {
      expect(connection.protocolVersion).toBe('2026-07-28');
      expect(connection.prefetched?.has('tools/list')).toBe(true);
      expect((await listTools(connection, AbortSignal.timeout(5000))).map((t) => t.name)).toEqual(['greet']);
      expect(connection.prefetched?.has('tools/list')).toBe(false);
      expect((await listTools(connection, AbortSignal.timeout(5000))).map((t) => t.name)).toEqual(['greet']);
    } finally {
      await connection.close();
    }
  });

  it('opens a 2026-07-28 call without server/discover, which info and --log-level still ask for', async () => {
    const proxy = await recordingProxy(serve.url);
    try {
      const call = await runCall(['--url', `${proxy.url}/mcp`, 'greet', '--name', 'Ada']);
      expect(call).toMatchObject({ code: 0, stdout: 'Hello Hello, Ada!\n', stderr: '' });
      expect(proxy.methods).toEqual(['tools/list', 'tools/call']);

      proxy.methods.length = 0;
      const connection = await connect(options(`${proxy.url}/mcp`));
      try {
        expect(connection.protocolVersion).toBe('2026-07-28');
        expect(proxy.methods).toEqual(['tools/list']);
        const described = await connection.describe();
        expect(described.serverInfo.name).toBe('Hello Server');
        expect(described.capabilities).toHaveProperty('tools');
        // Asked once, however often it is read.
        await connection.describe();
        expect(proxy.methods).toEqual(['tools/list', 'server/discover']);
      } finally {
        await connection.close();
      }

      const info = await runCall(['--url', `${proxy.url}/mcp`, 'info', '--json']);
      expect(info.code).toBe(0);
      expect(JSON.parse(info.stdout)).toMatchObject({ name: 'Hello Server', protocolVersion: '2026-07-28' });
    } finally {
      proxy.close();
    }
  });

  it('is dropped when the server knows only sessions (SDK 1.x), which are used instead', async () => {
    const connection = await connect(options(`${sdkUrl}/mcp`));
    try {
      expect(connection.protocolVersion).toBe('2025-11-25');
      expect(connection.prefetched).toBeUndefined();
      expect((await listTools(connection, AbortSignal.timeout(5000))).map((t) => t.name)).toEqual(['greet']);
    } finally {
      await connection.close();
    }
    const viaCli = await runCall(['--url', `${sdkUrl}/mcp`, 'greet', '--name', 'Ada']);
    expect(viaCli.stderr).toBe('');
    expect(viaCli).toMatchObject({ code: 0, stdout: 'Hello, Ada!\n' });
  });
});
