import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { REPO_ROOT, runCall, SERVE_BIN, startServe } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// mcp-serve speaks 2026-07-28 alike over stdio and HTTP: the SDK 2.x client, with negotiation
// 'auto' or pinned, runs the same checks over both, and mcp-call shows the same server.
const HELLO = `${REPO_ROOT}examples/hello/mcp-serve.config.ts`;
const MODES = ['auto', { pin: '2026-07-28' }] as const;

describe('protocol 2026-07-28 over stdio and HTTP alike (SDK 2.x client)', () => {
  let http: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    http = await startServe(['--config', HELLO]);
  });
  afterAll(async () => {
    await http.stop();
  });

  const transports = {
    stdio: () => new StdioClientTransport({ command: process.execPath, args: [SERVE_BIN, '--stdio', '--config', HELLO] }),
    http: () => new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)),
  };

  for (const [name, transport] of Object.entries(transports)) {
    for (const mode of MODES) {
      it(`lists, calls, reads and gets over ${name} with negotiation ${JSON.stringify(mode)}`, async () => {
        const client = new Client({ name: 'sdk2', version: '1.0.0' }, { versionNegotiation: { mode } });
        await client.connect(transport());
        try {
          expect(client.getServerVersion()).toMatchObject({ name: 'Hello Server', version: '1.0.0' });
          expect((await client.listTools()).tools.map((t) => t.name)).toContain('greet');
          expect(await client.callTool({ name: 'greet', arguments: { name: name } })).toMatchObject({ content: [{ type: 'text', text: `Hello Hello, ${name}!` }] });
          expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('greeting');
          expect((await client.listResources()).resources.length).toBeGreaterThan(0);
        } finally {
          await client.close();
        }
      }, 30_000);
    }
  }

  it('is named by mcp-call over stdio at 2026-07-28, as over HTTP', async () => {
    const server = `${process.execPath} ${SERVE_BIN} --stdio --config ${HELLO}`;
    for (const target of [['--stdio', server], ['--url', http.url]]) {
      const info = await runCall([...target, '--protocol-version', '2026-07-28', 'info']);
      expect(info.code, info.stderr).toBe(0);
      expect(info.stdout).toMatch(/^name: +Hello Server\nversion: +1\.0\.0\nprotocol: +2026-07-28\n/);
    }
  });
});
