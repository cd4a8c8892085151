import { type ChildProcess, spawn } from 'node:child_process';

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

// A tool call asks for tools/list beside server/discover: used once when the server speaks
// 2026-07-28, and asked for again, in a session, when it does not.
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
