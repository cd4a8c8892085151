import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CALL_BIN, REPO_ROOT, runCall, runServe, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

describe.each(['http', 'sse'] as const)('mcp-call e2e against mcp-serve over %s', (transport) => {
  let server: ServeProcess;
  let url: string;
  const call = (args: string[], options: Parameters<typeof runCall>[1] = {}) =>
    runCall(['--url', url, ...args], options);

  beforeAll(async () => {
    server = await startServe(['--config', FIXTURE]);
    url = `${server.url}/${transport === 'http' ? 'mcp' : 'sse'}`;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('converts every argument type from flags', async () => {
    const result = await call([
      'types', '--text', 'hi there', '--count', '3', '--ratio', '0.5', '--loud', '--color', 'green',
      '--tags', 'a', '--tags', 'b', '--scores', '[1,2.5]', '--meta', '{"k":[1]}', '--max-items', '7', '--snake-case', 's',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      text: 'hi there', count: 3, ratio: 0.5, loud: true, color: 'green', tags: ['a', 'b'], scores: [1, 2.5],
      meta: { k: [1] }, maxItems: 7, snake_case: 's',
    });
  });

  it('applies schema defaults, --no-flag, --flag=value and --args (flags win)', async () => {
    const result = await call(['types', '--args', '{"text":"from json","count":1}', '--count=2', '--no-loud']);
    expect(JSON.parse(result.stdout)).toEqual({ text: 'from json', count: 2, loud: false, maxItems: 10 });
  });

  it('reads --args from a file and from stdin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'args-'));
    const file = join(dir, 'args.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"text":"file"}'));
    expect(JSON.parse((await call(['types', '--args', `@${file}`])).stdout)).toMatchObject({ text: 'file' });
    expect(JSON.parse((await call(['types', '--args', '-'], { input: '{"text":"stdin"}' })).stdout)).toMatchObject({ text: 'stdin' });
  });

  it.each([
    [['types', '--text', 'x', '--count', '1.5'], /^mcp-call: --count must be an integer \(got "1\.5"\)$/],
    [['types', '--text', 'x', '--ratio', 'abc'], /^mcp-call: --ratio must be a number \(got "abc"\)$/],
    [['types', '--text', 'x', '--color', 'pink'], /^mcp-call: --color must be one of "red", "green", "blue" \(got "pink"\)$/],
    [['types', '--text', 'x', '--meta', '[1]'], /^mcp-call: --meta must be a JSON object/],
    [['types'], /^mcp-call: Missing required argument --text <string> for tool "types"$/],
    [['types', '--text'], /^mcp-call: --text needs a value \(string\)$/],
    [['types', '--txet', 'x'], /^mcp-call: Unknown argument --txet for tool "types" \(did you mean --text\?\)/],
    [['typse'], /^mcp-call: Unknown tool "typse"; did you mean types\?/],
    [['xyzzy', '--a', '1'], /^mcp-call: Unknown tool "xyzzy" \(mcp-call tools lists all \d+\)$/],
    [['sampleLLM'], /^mcp-call: Unknown tool "sampleLLM" \(mcp-call tools lists all \d+\); a server may list some tools only to clients that can sample: try --sampling-command CMD$/],
    [['tols'], /^mcp-call: Unknown tool "tols"; did you mean the command tools\? /],
    [['--jsn', 'types'], /^mcp-call: unknown option '--jsn'; did you mean --json\? \(see mcp-call --help\)$/],
    [['tools', '--nmes'], /^mcp-call: unknown option '--nmes'/],
    [['types', '--args', '{bad'], /^mcp-call: Invalid JSON in --args: /],
    [['types', '--args', '@/nonexistent.json'], /^mcp-call: Cannot read --args file \/nonexistent\.json: ENOENT$/],
    [['types', 'stray'], /^mcp-call: Unexpected argument "stray" for tool "types"/],
    [['--bogus'], /^mcp-call: unknown option '--bogus'/],
  ])('exits 2 with one line for %j', async (args, expected) => {
    const result = await call(args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim()).toMatch(expected);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('exits 1 with the tool message when the tool reports isError; --json prints it whole', async () => {
    const result = await call(['fail']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('mcp-call: tool "fail" returned an error: the disk is full\n');
    const json = await call(['fail', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ content: [{ type: 'text', text: 'the disk is full' }], isError: true });
  });

  it('prints structured content with --json for jq', async () => {
    const result = await call(['structured', '--a', '2', '--b', '3', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({ content: [{ type: 'text', text: '{"sum":5}' }], structuredContent: { sum: 5 } });
  });

  it('summarises images, or writes them with --out-dir, and prints resource links', async () => {
    const summary = await call(['image']);
    expect(summary.stdout).toBe('a red pixel\n[image, image/png, 70 bytes] (save it with --out-dir DIR)\n[resource link] pixel <test://pixel>\n');
    const dir = await mkdtemp(join(tmpdir(), 'out-'));
    const saved = await call(['image', '--out-dir', dir]);
    expect(saved.stdout).toContain(`saved to ${dir}/image-2.png`);
    expect((await readFile(`${dir}/image-2.png`)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('exits 4 when the call runs past --timeout', async () => {
    const result = await call(['slow', '--ms', '5000', '--timeout', '0.5']);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe('[server info] slow started\nmcp-call: Timed out after 0.5 s (raise it with --timeout SECONDS)\n');
  });

  it('shows server logs on stderr and keeps stdout for the result', async () => {
    const result = await call(['progress']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('finished\n');
    expect(result.stderr).toContain('[server info] step 3 done');
    expect((await call(['progress', '--quiet'])).stderr).toBe('');
  });

  it('declines elicitation without a TTY, and accepts defaults with --elicit defaults', async () => {
    const declined = await call(['ask']);
    expect(declined.stdout).toBe('decline {}\n');
    // A decline is never silent: it says what was declined and which flag would answer it.
    expect(declined.stderr).toMatch(/declined the server's question "Who are you\?": no terminal to ask on \(--elicit defaults accepts its defaults/);
    expect((await call(['ask', '--elicit', 'defaults'])).stdout).toBe('accept {"name":"Ada","age":36}\n');
    expect((await call(['ask', '--elicit', 'decline'])).stderr).toContain('declined the server\'s question "Who are you?": as --elicit decline asks');
    const required = await call(['ask-required', '--elicit', 'defaults']);
    expect(required.stdout).toBe('decline\n');
    expect(required.stderr).toMatch(/declined the server's question "Your email\?": required "email" has no default \(--elicit prompt asks at a terminal\)/);
  });

  it('keeps piped stdout byte-exact, control characters included', async () => {
    expect((await call(['escapes'])).stdout).toBe('title \u001b]0;pwned\u0007 clip \u001b]52;c;ZXZpbA==\u0007 \u009b2J done\n');
  });

  it('survives a --sampling-command that exits without reading its input, however large', async () => {
    for (let i = 0; i < 10; i++) {
      const result = await call(['think-big', '--sampling-command', 'echo 4']);
      expect(result.stderr).not.toMatch(/EPIPE|unexpected error/);
      expect(result.stdout).toBe('LLM said: 4\n');
    }
  });

  it('refuses sampling without --sampling-command and uses the command when given', async () => {
    // 2026-07-28 (the default against mcp-serve's /mcp): the server refuses with -32021, a usage
    // error naming the flag. Legacy SSE is a 2024-11-05 session.
    if (transport === 'http') {
      const refused = await call(['think']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe('mcp-call: Tool "think" needs the client to support sampling (-32021: The client did not declare the sampling capability (required for sampling/createMessage)): pass --sampling-command CMD\n');
    }
    // A session: the tool's own error, with the same hint.
    const session = await call(['--protocol-version', transport === 'http' ? '2025-11-25' : '2024-11-05', 'think']);
    expect(session.code).toBe(1);
    expect(session.stderr).toMatch(/Client does not support sampling.*\(pass --sampling-command CMD to answer sampling requests\)/);
    const command = `node -e "process.stdin.resume();process.stdin.on('end',()=>console.log(JSON.stringify({role:'assistant',model:'fake',content:{type:'text',text:'4'}})))"`;
    const answered = await call(['think', '--sampling-command', command]);
    expect(answered.stdout).toBe('LLM said: 4\n');
  });

  it('calls a tool named like a meta command with "call", and a clashing flag after --', async () => {
    expect((await call(['ping'])).stdout).toMatch(/^pong \d/);
    expect((await call(['call', 'ping'])).stdout).toBe('tool pong\n');
    expect((await call(['clash', '--', '--timeout', 'soon'])).stdout).toBe('timeout=soon\n');
  });

  it('lists tools, resources and prompts, reads resources, and prints server info', async () => {
    const tools = await call(['tools']);
    expect(tools.stdout).toMatch(/^types\s+Echoes its arguments as JSON$/m);
    const json = JSON.parse((await call(['tools', '--json'])).stdout) as { name: string; inputSchema: object }[];
    expect(json.find((t) => t.name === 'types')?.inputSchema).toMatchObject({ required: ['text'] });
    expect((await call(['resources'])).stdout).toMatch(/^test:\/\/counter\s+counter \(text\/plain\)$/m);
    expect((await call(['read', 'test://blob'])).stdout).toBe('[resource test://blob, image/png, 4 bytes] (save it with --out-dir DIR)\n');
    const info = await call(['info', '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ name: 'Kitchen Sink', version: '2.0.0', transport });
  });

  it('shows tool help with types and defaults', async () => {
    const help = await call(['types', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mcp-call types [flags]');
    expect(help.stdout).toMatch(/--maxItems, --max-items <integer>\s+default 10/);
    expect(help.stdout).toMatch(/--color <one of "red", "green", "blue">/);
    expect(help.stdout).toMatch(/--text <string>\s+any text; required/);
    expect(help.stdout).toMatch(/--loud \(--no-loud for false\)/);
    // A signature too long for its column puts its notes on the next line.
    const long = await call(['long-flags', '--help']);
    expect(long.stdout).toMatch(/--a-very-long-argument-name-indeed <JSON value>\n {20,}what it is; required/);
  });

  it('runs a batch over one connection, in order, one JSON line per call', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ tool: 'types', args: { text: `n${i}` } }));
    const result = await call(['batch'], { input: `${lines.join('\n')}\n{"tool":"fail"}\nnot json\n` });
    const out = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; ok: boolean; result?: { content: { text: string }[] } });
    expect(out).toHaveLength(52);
    out.slice(0, 50).forEach((r, i) => expect(JSON.parse(r.result!.content[0]!.text)).toMatchObject({ text: `n${i}` }));
    expect(out[50]).toMatchObject({ line: 51, ok: false });
    expect(out[51]).toMatchObject({ line: 52, ok: false, error: expect.stringMatching(/^invalid JSON/) });
    expect(result.code).toBe(1);
  });

  const protocols = [{ protocol: 'a session', flags: [] as string[] }, ...(transport === 'http' ? [{ protocol: '2026-07-28', flags: ['--protocol-version', '2026-07-28'] }] : [])];
  it.each(protocols)('watches a resource and prints each update, over $protocol', async ({ flags: version }) => {
    const { spawn } = await import('node:child_process');
    const { CALL_BIN } = await import('@mcp-cli/test-utils');
    const child = spawn(process.execPath, [CALL_BIN, '--url', url, ...version, 'watch', 'test://counter'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.split('\n').filter(Boolean).length >= 3) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(out.split('\n').filter(Boolean).slice(0, 3).every((l) => /^count \d+$/.test(l))).toBe(true);
  });
});

describe('mcp-call connection handling', () => {
  it('exits 3 with one line when nothing listens', async () => {
    const result = await runCall(['--url', 'http://127.0.0.1:9/mcp', 'greet']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('mcp-call: Cannot reach http://127.0.0.1:9: connection refused: is the server running? (--wait SECONDS retries while it starts)\n');
  });

  it('names the source files, functions and error class in a --verbose stack trace', async () => {
    const result = await runCall(['--url', 'http://127.0.0.1:9/mcp', 'greet', '--verbose']);
    expect(result.code).toBe(3);
    const stack = result.stderr.slice(result.stderr.indexOf('ConnectionError: Cannot reach'));
    expect(stack).toMatch(/^ConnectionError: Cannot reach/);
    expect(stack).toMatch(/\n {4}at (async )?withWaitHint \(.*src\/cli\/session-runner\.ts:\d+:\d+\)/);
    expect(stack).not.toMatch(/dist\/[\w-]+\.cjs/);
  });

  it('names an untrusted certificate and how to trust it, and calls once its CA is trusted', async () => {
    const { createServer } = await import('node:https');
    const { request } = await import('node:http');
    const tls = `${REPO_ROOT}packages/call/test/fixtures/tls`;
    const server = await startServe([]);
    // A TLS front with a self-signed certificate for localhost, passing each request to mcp-serve.
    const front = createServer({ key: await readFile(`${tls}/localhost-key.pem`), cert: await readFile(`${tls}/localhost-cert.pem`) }, (req, res) => {
      const upstream = request(`${server.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    const port = await new Promise<number>((resolve) => front.listen(0, '127.0.0.1', () => resolve((front.address() as { port: number }).port)));
    try {
      const untrusted = await runCall(['--url', `https://localhost:${port}/mcp`, 'greet']);
      expect(untrusted.code).toBe(3);
      expect(untrusted.stderr).toBe(`mcp-call: Cannot reach https://localhost:${port}: its certificate is not trusted (self-signed certificate): to trust its authority, set NODE_EXTRA_CA_CERTS to its CA certificate (PEM)\n`);
      const trusted = await runCall(['--url', `https://localhost:${port}/mcp`, 'greet'], { env: { NODE_EXTRA_CA_CERTS: `${tls}/localhost-cert.pem` } });
      expect(trusted.stdout, trusted.stderr).toBe('Hello Hello, world!\n');
    } finally {
      front.close();
      await server.stop();
    }
  });

  it('waits for a server that starts later with --wait', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    const pending = runCall(['--url', `http://127.0.0.1:${port}`, '--wait', '15', 'greet', '--name', 'late']);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the server must start after mcp-call
    const server = await startServe(['--port', String(port)]);
    const result = await pending;
    expect(result.stdout).toBe('Hello Hello, late!\n');
    expect(result.code).toBe(0);
    await server.stop();
  });

  it('completes a prompt argument with the server\'s suggestions, and says what is wrong with a bad target', async () => {
    const server = await startServe([]);
    try {
      const tone = await runCall(['--url', server.url, 'complete', 'prompt', 'greeting', 'tone', 'f']);
      expect(tone.code, tone.stderr).toBe(0);
      expect(tone.stdout).toBe('formal\n');
      expect(JSON.parse((await runCall(['--url', server.url, 'complete', 'prompt', 'greeting', 'tone', '--json'])).stdout)).toMatchObject({ values: expect.arrayContaining(['formal']) });
      const unknown = await runCall(['--url', server.url, 'complete', 'prompt', 'nope', 'tone']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^mcp-call: The server cannot complete prompt "nope" argument "tone": .*\n$/);
      const wrongKind = await runCall(['--url', server.url, 'complete', 'tool', 'greet', 'name']);
      expect(wrongKind.code).toBe(2);
      expect(wrongKind.stderr).toBe('mcp-call: Unknown completion target "tool": use "prompt NAME" or "resource URI_TEMPLATE"\n');
    } finally {
      await server.stop();
    }
  });

  it('starts a new session and sends the call again once, when the server has forgotten the session (404)', async () => {
    const server = await startServe([]);
    // In front of mcp-serve, a proxy that answers the first call in a session with 404, as a
    // server that restarted since the session began would.
    const { createServer, request } = await import('node:http');
    let refused = 0;
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (refused === 0 && req.headers['mcp-session-id'] && body.includes('"tools/call"')) {
          refused++;
          res.writeHead(404).end('session not found');
          return;
        }
        const forward = request(`${server.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as { port: number };
      // Sessions are 2025 (2026-07-28 has none, so nothing to forget).
      const result = await runCall(['--url', `http://127.0.0.1:${port}/mcp`, '--protocol-version', '2025-11-25', 'greet', '--name', 'again']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('Hello Hello, again!\n');
      expect(result.stderr).toContain('the server ended the session (HTTP 404): starting a new one and trying again');
      expect(refused).toBe(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await server.stop();
    }
  });

  it('finds /mcp or /sse from a base URL, and falls back to SSE on a legacy-only server', async () => {
    const server = await startServe([]);
    const base = await runCall(['--url', server.url, 'info', '--json']);
    expect(JSON.parse(base.stdout)).toMatchObject({ transport: 'http', url: `${server.url}/mcp` });
    const sse = await runCall(['--url', `${server.url}/sse`, 'info', '--json']);
    expect(JSON.parse(sse.stdout)).toMatchObject({ transport: 'sse', protocolVersion: '2025-11-25' });
    await server.stop();
    const legacy = await startServe(['--mcp-path', '/elsewhere']);
    const fallback = await runCall(['--url', legacy.url, 'info', '--json', '--verbose']);
    expect(JSON.parse(fallback.stdout)).toMatchObject({ transport: 'sse' });
    expect(fallback.stderr).toContain('does not accept Streamable HTTP');
    await legacy.stop();
  });

  it('sends headers and a bearer token, and exits 3 on a refused token', async () => {
    const server = await startServe(['--token', 'sesame']);
    const ok = await runCall(['--url', server.url, '--token', 'sesame', 'greet']);
    expect(ok.stdout).toBe('Hello Hello, world!\n');
    const viaEnv = await runCall(['--url', server.url, 'greet'], { env: { MCP_TOKEN: 'sesame' } });
    expect(viaEnv.code).toBe(0);
    const viaHeader = await runCall(['--url', server.url, '-H', 'Authorization: Bearer sesame', 'greet']);
    expect(viaHeader.code).toBe(0);
    const refused = await runCall(['--url', `${server.url}/mcp`, '--token', 'wrong', 'greet']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^mcp-call: .*HTTP 401.*--token or MCP_TOKEN/);
    // No token at all: the server has no OAuth metadata, so it asks for a token, not for a login.
    const missing = await runCall(['--url', `${server.url}/mcp`, 'greet']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^mcp-call: .*refused the request \(HTTP 401.*--token or MCP_TOKEN/);
    expect(missing.stderr).not.toContain('log in');
    await server.stop();
  });

  it('shows a prompt\'s own help, points prompt errors to it, and takes a URL in first position', async () => {
    const server = await startServe(['--config', `${REPO_ROOT}examples/hello/mcp-serve.config.ts`]);
    const help = await runCall(['--url', server.url, 'prompt', 'greeting', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mcp-call prompt greeting \[flags\]\n\nAsk the model to write a warm greeting\n\nFlags:\n {2}--name <string>\s+Who to greet; required\n {2}--tone <string>\s+formal or casual\n$/);
    const unknown = await runCall(['--url', server.url, 'prompt', 'greeting', '--nmae', 'Ada']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument --nmae for prompt "greeting" \(did you mean --name\?\).*\(see mcp-call prompt greeting --help\)/);
    const first = await runCall([server.url, 'greet', '--name', 'Ada']);
    expect(first.stdout).toBe('Hello Hello, Ada!\n');
    expect((await runCall([`${server.url}/sse`, 'tools', '--names'])).stdout).toBe('greet\n');
    await server.stop();
  });

  it('agrees with mcp-serve on -V for the version, and lists its commands once', async () => {
    const call = await runCall(['-V']);
    const serve = await runServe(['-V']);
    expect(call.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(serve.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = (await runCall(['--help'])).stdout;
    expect(help.match(/^ {2}tools\b/gm)).toHaveLength(1);
    expect(help).toContain('70 internal error');
  });

  it('warns before a credential travels over plain http to a host that is not loopback', async () => {
    // 0.0.0.0 reaches this machine on Linux, but as an address it is not loopback.
    const server = await startServe(['--token', 'sesame', '--allowed-host', '0.0.0.0']);
    const remote = server.url.replace('127.0.0.1', '0.0.0.0');
    const warned = await runCall(['--url', remote, '--token', 'sesame', 'greet']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^mcp-call: warning: sending the credential over plain http to 0\.0\.0\.0:\d+; anyone on the network path can read it \(use https\)\n$/);
    expect(warned.stderr).not.toContain('sesame');
    expect((await runCall(['--url', server.url, '--token', 'sesame', 'greet'])).stderr).toBe('');
    expect((await runCall(['--url', remote, '--quiet', 'greet'], { env: { MCP_TOKEN: 'sesame' } })).stderr).toMatch(/warning: sending the credential/);
    await server.stop();
  });

  it('takes the URL from MCP_URL and from a config file with named servers', async () => {
    const server = await startServe([]);
    expect((await runCall(['greet'], { env: { MCP_URL: server.url } })).code).toBe(0);
    const { writeTempFiles } = await import('@mcp-cli/test-utils');
    const dir = await writeTempFiles({
      '.mcp-callrc': JSON.stringify({ servers: { local: { url: `${server.url}/sse` }, other: { url: 'http://127.0.0.1:9' } }, defaultServer: 'local' }),
    });
    const env = { XDG_CONFIG_HOME: await (await import('@mcp-cli/test-utils')).writeTempFiles({}) };
    expect((await runCall(['trust', dir], { env })).code).toBe(0);
    const named = await runCall(['--server', 'local', 'info', '--json'], { cwd: dir, env });
    expect(JSON.parse(named.stdout)).toMatchObject({ transport: 'sse' });
    expect((await runCall(['greet'], { cwd: dir, env })).code).toBe(0);
    const unknown = await runCall(['--server', 'locl', 'greet'], { cwd: dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown server "locl".*did you mean local\?/);
    await server.stop();
  });

  it('accepts the server URL as the last argument, as the conformance runner passes it', async () => {
    const server = await startServe([]);
    const result = await runCall(['--tool', 'greet', '--args', '{"name":"positional"}', `${server.url}/mcp`]);
    expect(result.stdout).toBe('Hello Hello, positional!\n');
    await server.stop();
  });

  it('completes tool names and each tool\'s flags in bash, from a tools list cached per server', async () => {
    const server = await startServe([]);
    const { spawnSync } = await import('node:child_process');
    const env = await completionEnv(server.url);
    const complete = (words: string[]) =>
      spawnSync('bash', ['-c', `eval "$(mcp-call completion bash)"; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _mcp_call; echo "\${COMPREPLY[*]}"`], { env, encoding: 'utf8' }).stdout.trim();
    expect(complete(['mcp-call', 'gr'])).toBe('greet');
    expect(complete(['mcp-call', 'greet', '--na'])).toBe('--name');
    expect(complete(['mcp-call', 'comp']).split(' ')).toEqual(['complete', 'completion']);
    await server.stop();
    // The list is cached for a few minutes: completion still answers with the server gone.
    expect(complete(['mcp-call', 'greet', '--na'])).toBe('--name');
  });

  it('completes the values of a flag with fixed ones (an enum, a boolean) in bash, zsh and fish', async () => {
    const server = await startServe(['--config', FIXTURE]);
    const { spawnSync } = await import('node:child_process');
    const env = await completionEnv(server.url);
    const shell = (name: string, script: string): string[] => spawnSync(name, ['-c', script], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
    const bash = (words: string[]) => shell('bash', `eval "$(mcp-call completion bash)"; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _mcp_call; printf '%s\\n' "\${COMPREPLY[@]}"`);
    // zsh completes inside a widget only: compadd and compdef are stood in for, to read what the function offers.
    const zsh = (words: string[], prefix: string) =>
      shell('zsh', `compdef() { :; }; compadd() { print -l -- \${(P)2}; }; eval "$(mcp-call completion zsh)"; words=(${words.join(' ')}); CURRENT=${words.length}; PREFIX=${prefix}; _mcp_call`);
    const fish = (line: string) => shell('fish', `mcp-call completion fish | source; complete --do-complete '${line}'`);
    expect(bash(['mcp-call', 'types', '--color', ''])).toEqual(['blue', 'green', 'red']);
    expect(bash(['mcp-call', 'types', '--color', 'g'])).toEqual(['green']);
    expect(bash(['mcp-call', 'types', '--loud', ''])).toEqual(['false', 'true']);
    expect(zsh(['mcp-call', 'types', '--color', "''"], "''")).toEqual(['blue', 'green', 'red']);
    expect(fish('mcp-call types --color ').map((line) => line.split('\t')[0])).toEqual(['blue', 'green', 'red']);
    // Flags are still completed after a flag's value.
    expect(bash(['mcp-call', 'types', '--color', 'red', '--lo'])).toEqual(['--log-level', '--login', '--loud']);
    expect(fish('mcp-call types --color red --lo').map((line) => line.split('\t')[0])).toContain('--loud');
    await server.stop();
  });

  it('takes help, version and call --help as a person means them', async () => {
    const help = await runCall(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect((await runCall(['help', 'tools'])).stdout).toMatch(/^Usage: mcp-call tools /);
    expect((await runCall(['version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    // A subcommand's help shows its own options first and stays short; the global ones are named once.
    const toolsHelp = (await runCall(['tools', '--help'])).stdout;
    expect(toolsHelp).toMatch(/^Options:\n {2}--names /m);
    expect(toolsHelp).not.toContain('--client-assertion');
    expect(toolsHelp).toContain('see mcp-call --help');
    expect(toolsHelp.split('\n').length).toBeLessThan(25);
    const callHelp = await runCall(['call', '--help']);
    expect(callHelp.code).toBe(0);
    expect(callHelp.stdout).toMatch(/^Usage: mcp-call call /);
  });

  it('prints help with exit codes and a completion script', async () => {
    const help = await runCall(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('4  timeout');
    // It fits an 80-column terminal: one long command usage no longer widens the term column.
    for (const text of [help.stdout, (await runCall(['complete', '--help'])).stdout]) {
      expect(text.split('\n').filter((line) => line.length > 80)).toEqual([]);
    }
    expect(help.stdout).toMatch(/\n {2}complete <kind> <name> <argument> \[value\]\n {32}the server's suggestions/);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = await runCall(['completion', shell]);
      expect(script.code).toBe(0);
      expect(script.stdout).toContain('mcp-call tools --names');
    }
    expect((await runCall(['completion', 'tcsh'])).code).toBe(2);
  });
});

/** An environment where `mcp-call` on PATH is the built bin, with a cache of its own, for completion scripts. */
async function completionEnv(serverUrl: string): Promise<NodeJS.ProcessEnv> {
  const { chmod, writeFile } = await import('node:fs/promises');
  const bin = await mkdtemp(join(tmpdir(), 'completion-bin-'));
  await writeFile(join(bin, 'mcp-call'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CALL_BIN)} "$@"\n`);
  await chmod(join(bin, 'mcp-call'), 0o755);
  return { ...process.env, PATH: `${bin}:${process.env.PATH}`, MCP_URL: serverUrl, XDG_CACHE_HOME: await mkdtemp(join(tmpdir(), 'completion-cache-')) };
}
