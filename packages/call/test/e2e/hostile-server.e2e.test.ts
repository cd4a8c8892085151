import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';

import { runCall } from '@mcp-cli/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

import { answer, behavesExcept, startHostileServer } from '../fixtures/hostile-server/hostile-server.ts';

const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 70, 130];
const TOOLS_200K = Array.from({ length: 200_000 }, (_, i) => ({ name: `t${i}`, inputSchema: { type: 'object' } }));
const HTML_404 = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /mcp</pre>\n</body>\n</html>\n';

const server = await startHostileServer({
  // Legacy SSE that opens the stream and never names its endpoint.
  'sse-silent': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': hello\n\n');
  },
  // A well-behaved server with no tools.
  plain: behavesExcept(() => false),
  // Accepts the request and never sends a header.
  'no-headers': () => undefined,
  // An endless line with no newline, as fast as the client takes it.
  'sse-endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = `data: ${'x'.repeat(64 * 1024)}`;
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  },
  'sse-foreign': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: endpoint\ndata: http://evil.example.com/messages?sessionId=1\n\n');
  },
  // The endpoint, then a second one that tries to redirect the POSTs (with the token) elsewhere.
  'sse-redirect': (req, res, body) => {
    if (req.method === 'POST') {
      res.writeHead(202).end();
      const message = JSON.parse(body) as { id?: number; method?: string };
      if (message.method === 'initialize') streams.send({ jsonrpc: '2.0', id: message.id, result: INIT });
      else if (message.id !== undefined && message.method) streams.send({ jsonrpc: '2.0', id: message.id, result: message.method === 'tools/list' ? { tools: [] } : { content: [{ type: 'text', text: 'ok' }] } });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streams.open(res);
    res.write('event: endpoint\ndata: /sse-redirect/messages?sessionId=1\n\n');
    res.write('event: endpoint\ndata: /evil/messages?sessionId=1\n\n');
  },
  'accepted-202': behavesExcept((method, _req, res) => (method === 'initialize' ? (res.writeHead(202).end(), true) : false)),
  'empty-200': behavesExcept((method, _req, res) => (method === 'tools/list' ? (res.writeHead(200, { 'content-type': 'application/json' }).end(), true) : false)),
  'other-id': behavesExcept((method, _req, res) => (method === 'tools/list' ? (res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 999, result: { tools: [] } })), true) : false)),
  'huge': behavesExcept((method, _req, res) => {
    if (method !== 'tools/list') return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (!res.destroyed && sent++ < 2048 && res.write(chunk));
      if (!res.destroyed && sent < 2048) res.once('drain', pump);
      else res.end();
    };
    pump();
    return true;
  }),
  'html': (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(HTML_404);
  },
  'many-everything': behavesExcept((method, _req, res, body) => {
    const lists: Record<string, unknown> = {
      initialize: { protocolVersion: '2025-06-18', capabilities: { tools: {}, resources: {}, prompts: {} }, serverInfo: { name: 'many', version: '1' } },
      'tools/list': { tools: TOOLS_200K },
      'resources/list': { resources: Array.from({ length: 200_000 }, (_, i) => ({ uri: `test://r/${i}`, name: `r${i}` })) },
      'resources/templates/list': { resourceTemplates: [] },
      'prompts/list': { prompts: Array.from({ length: 200_000 }, (_, i) => ({ name: `p${i}` })) },
    };
    return method in lists ? (answer(res, body, lists[method]), true) : false;
  }),
  'many-tools': behavesExcept((method, _req, res, body) => (method === 'tools/list' ? (answer(res, body, { tools: TOOLS_200K }), true) : false)),
  'endless-list': behavesExcept((method, _req, res, body) => (method === 'tools/list' ? (answer(res, body, { tools: [{ name: 'a', inputSchema: { type: 'object' } }], nextCursor: 'same' }), true) : false)),
  'escapes': behavesExcept((method, _req, res, body) => {
    if (method === 'tools/list') return (answer(res, body, { tools: [{ name: 'evil', description: 'desc\u001b]0;pwned\u0007', inputSchema: { type: 'object' } }] }), true);
    if (method === 'tools/call') return (answer(res, body, { content: [{ type: 'text', text: 'out\u001b]52;c;ZXZpbA==\u0007\r\u001b[2Jend' }], isError: true }), true);
    return false;
  }),
  // Tool and property names that a shell would run if it expanded them.
  'shell-names': behavesExcept((method, _req, res, body) => {
    if (method !== 'tools/list') return false;
    const evil = '$(touch${IFS}PWNED)';
    const schema = { type: 'object', properties: { [evil]: { type: 'string' }, '`touch${IFS}PWNED2`': { type: 'string' }, safe: { type: 'string' } } };
    return (answer(res, body, { tools: [{ name: evil, inputSchema: schema }, { name: 'x;touch PWNED3', inputSchema: schema }, { name: 'safe-tool', inputSchema: schema }] }), true);
  }),
  // A protected resource whose authorization server names a file: URL as its authorization endpoint.
  'oauth-file': (req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.url === '/oauth-file/prm') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: `${base}/oauth-file/mcp`, authorization_servers: [`${base}/oauth-file`] }));
    res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${base}/oauth-file/prm"` }).end();
  },
  // OAuth metadata that never comes, or comes without end.
  'oauth-silent': (req, res) => {
    if (req.url === '/oauth-silent/prm') return; // never answered
    res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="http://${req.headers.host}/oauth-silent/prm"` }).end();
  },
  'oauth-endless': (req, res) => {
    if (req.url !== '/oauth-endless/prm') return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="http://${req.headers.host}/oauth-endless/prm"` }).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"resource":"');
    const chunk = 'x'.repeat(64 * 1024);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  },
  '.well-known': (req, res) => {
    const base = `http://${req.headers.host}`;
    if (!req.url?.endsWith('/oauth-file')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ issuer: `${base}/oauth-file`, authorization_endpoint: 'file:///etc/passwd', token_endpoint: `${base}/oauth-file/token`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] }),
    );
  },
  'error-multiline': behavesExcept((method, _req, res, body) => {
    if (method !== 'tools/call') return false;
    const { id } = JSON.parse(body) as { id: number };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: 'first line\nsecond line\u001b[31m red' } }));
    return true;
  }),
});
const INIT = { protocolVersion: '2024-11-05', capabilities: { tools: {} }, serverInfo: { name: 'redirect', version: '1' } };

/** The one open SSE stream of the redirect behaviour. */
const streams = (() => {
  let stream: ServerResponse | undefined;
  return {
    open: (res: ServerResponse) => (stream = res),
    send: (message: unknown) => stream?.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`),
  };
})();

describe('mcp-call against hostile and broken servers', () => {
  afterAll(async () => {
    await server.close();
  });

  const call = (args: string[], env: NodeJS.ProcessEnv = {}) => runCall(args, { env, timeoutMs: 30_000 });
  const expectOneLine = (stderr: string): void => {
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  };

  it('bounds the SSE connect by --timeout when the endpoint never comes (exit 4)', async () => {
    const result = await call(['--url', `${server.url}/sse-silent/sse`, '--timeout', '1', 'greet']);
    expect(result.code).toBe(4);
    expectOneLine(result.stderr);
  });

  it('ends at --timeout while a server never sends response headers, on every path (exit 4)', async () => {
    for (const path of ['no-headers/sse', 'no-headers/mcp', 'no-headers/']) {
      const started = Date.now();
      const result = await call(['--url', `${server.url}/${path}`, '--timeout', '2', 'greet']);
      expect(result.code, path).toBe(4);
      expect(Date.now() - started, path).toBeLessThan(6000);
      expect(result.stderr).toBe('mcp-call: Timed out after 2 s (raise it with --timeout SECONDS)\n');
    }
  });

  it('refuses an endless SSE line at the message limit, in bounded memory (exit 3)', async () => {
    const result = await call(['--url', `${server.url}/sse-endless/sse`, '--max-message-bytes', '5000000', 'greet']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/larger than 5000000 bytes.*--max-message-bytes/);
    expectOneLine(result.stderr);
  });

  it('ends with exit 130 on one SIGTERM while an SSE stream never names its endpoint', async () => {
    const { spawn } = await import('node:child_process');
    const { CALL_BIN } = await import('@mcp-cli/test-utils');
    const child = spawn(process.execPath, [CALL_BIN, '--url', `${server.url}/sse-silent/sse`, 'greet'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
  });

  it('refuses an SSE endpoint on another origin, so the token goes nowhere else (exit 3)', async () => {
    const result = await call(['--url', `${server.url}/sse-foreign/sse`, '--token', 'secret', 'greet']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/endpoint on another origin \(http:\/\/evil\.example\.com\)/);
    expect(result.stderr).not.toContain('secret');
  });

  it('keeps the first SSE endpoint: a later one cannot redirect the POSTs', async () => {
    const before = server.hits.length;
    const result = await call(['--url', `${server.url}/sse-redirect/sse`, 'anything']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.hits.slice(before).filter((h) => h.includes('/evil'))).toEqual([]);
  });

  it('names what the server did wrong when a request gets 202, an empty 200 or another id (exit 3)', async () => {
    for (const [path, what] of [['accepted-202', /"initialize" request with HTTP 202 and no response/], ['empty-200', /"tools\/list" request with an empty body/], ['other-id', /"tools\/list" request with a body that answers another request/]] as const) {
      const result = await call(['--url', `${server.url}/${path}/mcp`, 'greet']);
      expect(result.code, path).toBe(3);
      expect(result.stderr, result.stderr).toMatch(what);
      expectOneLine(result.stderr);
    }
  });

  it('refuses a response over the message limit (exit 3)', async () => {
    const result = await call(['--url', `${server.url}/huge/mcp`, '--max-message-bytes', '1000000', 'greet']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/larger than 1000000 bytes/);
  });

  it('reduces an HTML error page to one line and lists every URL it tried', async () => {
    const result = await call(['--url', `${server.url}/html/`, 'greet']);
    expect(result.code).toBe(3);
    expectOneLine(result.stderr);
    expect(result.stderr).toMatch(/HTTP 404 Not Found: Error/);
    expect(result.stderr).toContain(`tried Streamable HTTP: ${server.url}/html/ does not accept Streamable HTTP (HTTP 404 Not Found: Error); SSE: ${server.url}/html/ is not an MCP SSE endpoint`);
    expect(result.stderr).not.toContain('<');
  });

  it('lists 200,000 tools, and stops on a list that never ends', async () => {
    const many = await call(['tools', '--names', '--url', `${server.url}/many-tools/mcp`]);
    expect(many.code).toBe(0);
    expect(many.stdout.split('\n').filter(Boolean)).toHaveLength(200_000);
    for (const command of ['tools', 'resources', 'prompts']) {
      const listed = await call([command, '--url', `${server.url}/many-everything/mcp`]);
      expect(listed.stderr, command).toBe('');
      expect(listed.code, command).toBe(0);
      expect(listed.stdout.split('\n').filter(Boolean), command).toHaveLength(200_000);
    }
    const endless = await call(['tools', '--url', `${server.url}/endless-list/mcp`]);
    expect(endless.code).toBe(3);
    expect(endless.stderr).toMatch(/repeated the cursor of tools\/list/);
  });

  it('escapes control characters on stderr, keeps piped stdout byte-exact, and makes errors one line', async () => {
    const result = await call(['--url', `${server.url}/escapes/mcp`, 'evil']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('out\\u001b]52;c;ZXZpbA==\\u0007 \\u001b[2Jend');
    expectOneLine(result.stderr);
    const listed = await call(['tools', '--url', `${server.url}/escapes/mcp`]);
    expect(listed.stdout).toContain('desc\u001b]0;pwned\u0007'); // piped: exactly what the server sent
    const rpc = await call(['--url', `${server.url}/error-multiline/mcp`, 'x']);
    expect(rpc.code).toBe(3);
    expect(rpc.stderr).toMatch(/first line second line\\u001b\[31m red/);
    expectOneLine(rpc.stderr);
  });

  it('retries with --wait without piling up listeners, and does not suggest --wait when it was given', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const result = await call(['--url', `http://127.0.0.1:${port}/mcp`, '--wait', '2', 'greet']);
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(/MaxListenersExceeded|Warning/);
    expect(result.stderr).toMatch(/still unreachable after --wait 2 s/);
    expect(result.stderr).not.toMatch(/--wait SECONDS/);
    expectOneLine(result.stderr);
  });

  it('shell completion never runs server text: tool and property names are matched, not expanded', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { mkdtemp, writeFile, chmod, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { CALL_BIN } = await import('@mcp-cli/test-utils');
    const bin = await mkdtemp(join(tmpdir(), 'completion-bin-'));
    const cwd = await mkdtemp(join(tmpdir(), 'completion-cwd-'));
    await writeFile(join(bin, 'mcp-call'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CALL_BIN)} "$@"\n`);
    await chmod(join(bin, 'mcp-call'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, MCP_URL: `${server.url}/shell-names/mcp`, XDG_CACHE_HOME: await mkdtemp(join(tmpdir(), 'completion-cache-')) };
    // Asynchronously: the hostile server answers from this process.
    const complete = async (words: string[]) =>
      (await promisify(execFile)('bash', ['-c', `eval "$(mcp-call completion bash)"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mcp_call; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words], { cwd, env, encoding: 'utf8' })).stdout;
    // Every tool name, every tool's flags: the hostile words are neither run nor offered.
    expect(await complete(['mcp-call', ''])).toContain('safe-tool\n');
    expect(await complete(['mcp-call', 'saf'])).toBe('safe-tool\n');
    expect(await complete(['mcp-call', '$('])).toBe('\n');
    expect(await complete(['mcp-call', 'safe-tool', '--'])).toContain('--safe\n');
    expect(await complete(['mcp-call', '$(touch${IFS}PWNED)', '--'])).not.toContain('PWNED');
    expect(await readdir(cwd)).toEqual([]);
    const names = await call(['tools', '--names', '--url', `${server.url}/shell-names/mcp`]);
    expect(names.stdout).toBe('safe-tool\n');
  });

  it('bounds the OAuth phase by --timeout and its answers by --max-message-bytes', async () => {
    const credentials = ['--client-credentials', '--client-id', 'cli', '--client-secret', 'secret'];
    const started = Date.now();
    const silent = await call(['--url', `${server.url}/oauth-silent/mcp`, ...credentials, '--timeout', '2', 'greet']);
    expect(silent.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(8000);
    expectOneLine(silent.stderr);
    const endless = await call(['--url', `${server.url}/oauth-endless/mcp`, ...credentials, '--max-message-bytes', '1000000', 'greet']);
    expect(endless.code).toBe(3);
    expect(endless.stderr).toMatch(/larger than 1000000 bytes/);
    expectOneLine(endless.stderr);
  });

  it('never hands a non-web authorization endpoint to the browser', async () => {
    const { mkdtemp, writeFile, chmod, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'browser-'));
    const browser = join(dir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\necho "$1" > ${join(dir, 'opened')}\n`);
    await chmod(browser, 0o755);
    const result = await call(['--url', `${server.url}/oauth-file/mcp`, '--login', '--client-id', 'cli', '--timeout', '10', 'greet'], { BROWSER: browser, XDG_CONFIG_HOME: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/authorization endpoint that is not an http or https URL \(file:\)/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readdir(dir)).not.toContain('opened');
  });

  it('says an empty list on stderr, never takes a flag as the value before it, and checks --elicit', async () => {
    const url = `${server.url}/plain/mcp`;
    const empty = await call(['tools', '--url', url]);
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: '(no tools)\n' });
    const swallowed = await call(['--url', url, '--token', '--json', 'greet']);
    expect(swallowed.code).toBe(2);
    expect(swallowed.stderr).toBe('mcp-call: --token needs a value, but --json follows it: give the value, or write --token=--json if that is the value\n');
    const elicit = await call(['--url', url, '--elicit', 'maybe', 'greet']);
    expect(elicit.code).toBe(2);
    expect(elicit.stderr).toBe('mcp-call: Invalid --elicit "maybe": use decline, defaults or prompt\n');
  });

  it('always exits with a documented code, whatever the server does', async () => {
    const paths = ['sse-silent/sse', 'sse-foreign/sse', 'accepted-202/mcp', 'empty-200/mcp', 'other-id/mcp', 'html/', 'escapes/mcp', 'error-multiline/mcp', 'endless-list/mcp', 'nothing-here/mcp'];
    for (const path of paths) {
      for (const command of [['greet'], ['tools'], ['info'], ['ping']]) {
        const result = await call([...command, '--url', `${server.url}/${path}`, '--timeout', '1']);
        expect(DOCUMENTED_EXIT_CODES, `${path} ${command[0]}: ${result.stderr}`).toContain(result.code);
        expect(result.stderr).not.toMatch(/unexpected error|    at /);
      }
    }
  });
});
