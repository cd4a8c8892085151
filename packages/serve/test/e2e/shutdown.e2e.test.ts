import { spawn } from 'node:child_process';

import { cpuMsOf, MCP_POST_HEADERS, rawRequest, REPO_ROOT, SERVE_BIN, startServe } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

const HOSTILE = `${REPO_ROOT}packages/serve/test/fixtures/hostile/mcp-serve.config.mjs`;

describe('mcp-serve shutdown', () => {
  it('exits within 5 s on SIGTERM after its stderr reader went away, without spinning on EPIPE', async () => {
    // `mcp-serve 2>&1 | head -2`: the reader of stderr closes after two lines.
    const child = spawn(process.execPath, [SERVE_BIN, '--port', '0', '--log-level', 'debug'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        seen += chunk;
        if (seen.split('\n').length > 2) {
          child.stderr.destroy();
          resolve();
        }
      });
    });
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(seen)![0];
    // Keep logging into the closed pipe: requests and sessions log at debug level.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (let i = 0; i < 5; i++) await rawRequest(`${url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) }).catch(() => undefined);
    const cpuBefore = cpuMsOf(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // An idle server on a broken pipe uses next to no CPU (it spun at 100% before).
    expect(cpuMsOf(child.pid!) - cpuBefore).toBeLessThan(300);
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5500);
  });

  it('exits within the grace period on SIGTERM even when a module left a timer running', async () => {
    const server = await startServe(['--config', HOSTILE]);
    const init = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
    const session = String(init.headers['mcp-session-id']);
    const left = await rawRequest(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'leak', arguments: {} } }) });
    expect(left.text).toContain('left a timer');
    const started = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
