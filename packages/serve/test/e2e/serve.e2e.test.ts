import { connect } from 'node:net';
import { rename, writeFile } from 'node:fs/promises';

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT, runCall, runServe, startServe, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectSdkClient, TRANSPORTS } from './sdk-client.ts';

const HELLO_CONFIG = `${REPO_ROOT}examples/hello/mcp-serve.config.ts`;

const FIXTURE_TOOLS = `
export const fails = { kind: 'tool', name: 'fails', description: 'throws', handler: () => { throw new Error('it broke'); } };
export const rejects = { kind: 'tool', name: 'rejects', description: 'rejects', handler: async () => { throw new Error('async broke'); } };
export const strayRejection = { kind: 'tool', name: 'stray', description: 'leaves an unhandled rejection', handler: () => { Promise.reject(new Error('stray')); return 'ok'; } };
export const add = { kind: 'tool', name: 'add', description: 'adds', input: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] }, handler: ({ a, b }) => String(a + b) };
`;

describe('every example through the SDK client', () => {
  for (const example of ['hello', 'conformance']) {
    it(`lists the tools, resources and prompts of examples/${example} without a schema error`, async () => {
      const server = await startServe(['--config', `${REPO_ROOT}examples/${example}/mcp-serve.config.ts`]);
      const client = await connectSdkClient(server.url, 'http');
      // The SDK validates each listing against the protocol's schemas (an inputSchema must be an object).
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) expect(tool.inputSchema.type, tool.name).toBe('object');
      await client.listResources();
      await client.listPrompts();
      await client.close();
      expect(await server.stop()).toBe(0);
    });
  }

  it('serves examples/hello as the built-in default: the same tools, resources, templates and prompts', async () => {
    const listAll = async (args: string[], cwd?: string) => {
      const server = await startServe(args, { cwd });
      const client = await connectSdkClient(server.url, 'http');
      const listing = {
        info: client.getServerVersion(),
        tools: (await client.listTools()).tools,
        resources: (await client.listResources()).resources,
        templates: (await client.listResourceTemplates()).resourceTemplates,
        prompts: (await client.listPrompts()).prompts,
        greeting: (await client.readResource({ uri: 'hello://greeting' })).contents,
      };
      await client.close();
      await server.stop();
      return listing;
    };
    const empty = await writeTempFiles({ 'package.json': '{}' });
    const builtin = await listAll([], empty);
    expect(builtin).toEqual(await listAll(['--config', HELLO_CONFIG]));
    expect(builtin.templates.map((t) => t.uriTemplate)).toEqual(['hello://greeting/{name}']);
    expect(builtin.prompts.map((p) => p.name)).toEqual(['greeting']);
  });

  it('lists a tool declared with input: {} as an object schema', async () => {
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };`,
      'tools.mjs': `export const bare = { kind: 'tool', name: 'bare', description: 'no arguments', input: {}, handler: () => 'ok' };`,
    });
    const server = await startServe([], { cwd: dir });
    const client = await connectSdkClient(server.url, 'http');
    const { tools } = await client.listTools();
    expect(tools).toEqual([expect.objectContaining({ name: 'bare', inputSchema: { type: 'object', properties: {} } })]);
    await client.close();
    await server.stop();
  });
});

describe('mcp-serve e2e: the hello example', () => {
  let server: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    server = await startServe(['--config', HELLO_CONFIG]);
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('prints a banner with each transport URL and what it loaded', () => {
    const text = server.stderr();
    expect(text).toContain(`Streamable HTTP  ${server.url}/mcp`);
    expect(text).toContain(`SSE (legacy)     ${server.url}/sse`);
    expect(text).toMatch(/tools\s+greet/);
    expect(text).toMatch(/prompts\s+greeting/);
    expect(text).toContain(`status page      ${server.url}/ (in a browser)`);
  });

  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      it('greets Azure OpenAI as the walkthrough shows', async () => {
        const client = await connectSdkClient(server.url, transport);
        expect(client.getServerVersion()).toMatchObject({ name: 'Hello Server', version: '1.0.0' });
        const result = await client.callTool({ name: 'greet', arguments: { name: 'Azure OpenAI' } });
        expect(result).toEqual({ content: [{ type: 'text', text: 'Hello Hello, Azure OpenAI!' }] });
        expect(await client.callTool({ name: 'greet', arguments: {} })).toMatchObject({
          content: [{ text: 'Hello Hello, world!' }],
        });
        await client.close();
      });

      it('lists and reads resources, templates and prompts', async () => {
        const client = await connectSdkClient(server.url, transport);
        expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(['hello://greeting']);
        expect((await client.listResourceTemplates()).resourceTemplates[0]?.uriTemplate).toBe('hello://greeting/{name}');
        expect((await client.readResource({ uri: 'hello://greeting' })).contents[0]).toMatchObject({
          mimeType: 'text/plain',
          text: 'Hello Hello, {name}!\n',
        });
        expect((await client.readResource({ uri: 'hello://greeting/Ada' })).contents[0]).toMatchObject({
          text: 'Hello Hello, Ada!',
        });
        const prompt = await client.getPrompt({ name: 'greeting', arguments: { name: 'Ada', tone: 'formal' } });
        expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Write a short, formal greeting for Ada.' });
        const completion = await client.complete({
          ref: { type: 'ref/prompt', name: 'greeting' },
          argument: { name: 'tone', value: 'fo' },
        });
        expect(completion.completion.values).toEqual(['formal']);
        await client.close();
      });

      it('names the bad argument when the input schema fails', async () => {
        const client = await connectSdkClient(server.url, transport);
        const result = await client.callTool({ name: 'greet', arguments: { name: 42 } });
        expect(result).toMatchObject({ isError: true });
        expect((result.content as { text: string }[])[0]?.text).toBe(
          'Invalid arguments for tool "greet": argument "name": expected string, received number',
        );
        await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(/Unknown tool "nope"/);
        await client.close();
      });

      it('answers ten clients at once, each with its own answer', async () => {
        const clients = await Promise.all(
          Array.from({ length: 10 }, () => connectSdkClient(server.url, transport)),
        );
        const results = await Promise.all(
          clients.map((c, i) => c.callTool({ name: 'greet', arguments: { name: `client ${i}` } })),
        );
        results.forEach((r, i) => expect(r.content).toEqual([{ type: 'text', text: `Hello Hello, client ${i}!` }]));
        await Promise.all(clients.map((c) => c.close()));
      });
    });
  }

  it('serves /health without auth', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('opens an SSE stream whose first event names the messages endpoint', async () => {
    const { port } = new URL(server.url);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /sse HTTP/1.1\r\nHost: localhost:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      });
      let data = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        data += chunk;
        if (data.includes('\n\n', data.indexOf('event: endpoint'))) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).toMatch(/content-type: text\/event-stream/i);
    expect(text).toMatch(/cache-control: no-cache, no-transform/i);
    expect(text).toMatch(/x-accel-buffering: no/i);
    expect(text).toMatch(/event: endpoint\r?\ndata: \/messages\?sessionId=[0-9a-f-]{36}\r?\n\r?\n/);
  });
});

describe('mcp-serve e2e: failures and lifecycle', () => {
  it('turns throwing and rejecting handlers into isError results and keeps serving', async () => {
    const dir = await writeTempFiles({ 'tools.mjs': FIXTURE_TOOLS, '.mcp-serverc': '{"tools": "tools.mjs"}' });
    const server = await startServe([], { cwd: dir });
    for (const transport of TRANSPORTS) {
      const client = await connectSdkClient(server.url, transport);
      expect(await client.callTool({ name: 'fails', arguments: {} })).toEqual({
        content: [{ type: 'text', text: 'it broke' }],
        isError: true,
      });
      expect(await client.callTool({ name: 'rejects', arguments: {} })).toMatchObject({
        isError: true,
        content: [{ text: 'async broke' }],
      });
      expect(await client.callTool({ name: 'stray', arguments: {} })).toMatchObject({ content: [{ text: 'ok' }] });
      expect((await client.callTool({ name: 'add', arguments: { a: 1 } })).content).toEqual([
        { type: 'text', text: 'Invalid arguments for tool "add": missing required argument "b"' },
      ]);
      expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).content).toEqual([
        { type: 'text', text: '3' },
      ]);
      await client.close();
    }
    await server.waitForStderr('unhandled rejection in a module (server keeps running)');
    expect(await server.stop()).toBe(0);
  });

  it('serves the built-in hello example when there is no config, and says so', async () => {
    const dir = await writeTempFiles({ 'package.json': '{}' });
    const server = await startServe([], { cwd: dir });
    expect(server.stderr()).toContain('Hello Server 1.0.0 (built-in hello example: no config file found)');
    const client = await connectSdkClient(server.url, 'sse');
    expect((await client.callTool({ name: 'greet', arguments: { name: 'x' } })).content).toEqual([
      { type: 'text', text: 'Hello Hello, x!' },
    ]);
    await client.close();
    await server.stop();
  });

  it('exits 0 on SIGTERM with sessions open', async () => {
    const server = await startServe(['--config', HELLO_CONFIG]);
    const sse = await connectSdkClient(server.url, 'sse');
    const http = await connectSdkClient(server.url, 'http');
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toContain('SIGTERM: shutting down');
    await Promise.allSettled([sse.close(), http.close()]);
  });

  it('fails with one line and exit 2 when the port is in use', async () => {
    const server = await startServe(['--config', HELLO_CONFIG]);
    const { port } = new URL(server.url);
    const result = await runServe(['--config', HELLO_CONFIG, '--port', port]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `mcp-serve: Port ${port} on 127.0.0.1 is already in use: stop the other server or pick another with --port (0 takes a free one)\n`,
    );
    await server.stop();
  });

  it('serves an ES module in a .js file of a package that names no "type", with one warning line', async () => {
    const dir = await writeTempFiles({
      'package.json': '{"name":"x","version":"1.0.0"}',
      'mcp-serve.config.mjs': `export default { tools: './t.js' };`,
      't.js': `export const t = { name: 't', description: 'd', handler: () => 'from t.js' };`,
    });
    const server = await startServe([], { cwd: dir });
    expect((await runCall(['--url', server.url, 't'])).stdout).toBe('from t.js\n');
    expect(server.stderr()).toMatch(/^warn Warning: Module type of .*t\.js is not specified .* add "type": "module" to .*package\.json\.$/m);
    expect(server.stderr()).not.toMatch(/\\u000a/);
    await server.stop();
  });

  it('fails with one line and exit 2 for a bad config, a bad module, a syntax error, an ES module in a CommonJS package, a missing package, a bad flag and a bad host', async () => {
    const dir = await writeTempFiles({
      '.mcp-serverc': '{"port": "x"}',
      'bad/.mcp-serverc': '{"tools": "t.mjs"}',
      'bad/t.mjs': 'export const nothing = 1;',
      'syntax/mcp-serve.config.mjs': 'export default {\n  name: "x"\n  port: 1\n};\n',
      'module-syntax/mcp-serve.config.mjs': `export default { tools: './t.mjs' };`,
      'module-syntax/t.mjs': `export const a = {\n  name: 'a'\n  description: 'd' };\n`,
      'cjs/package.json': '{"name":"x","type":"commonjs"}',
      'cjs/mcp-serve.config.mjs': `export default { tools: './t.js' };`,
      'cjs/t.js': `export const t = { name: 't', description: 'd', handler: () => 1 };`,
      'missing/mcp-serve.config.mjs': `export default { tools: './t.mjs' };`,
      'missing/t.mjs': `import { pad } from 'no-such-package/sub';\nexport const t = { name: 't', description: 'd', handler: () => pad };`,
    });
    const cases = [
      { cwd: dir, args: [], expected: /^mcp-serve: Invalid config .*\.mcp-serverc: key "port": expected number, received string \(found "x"\)\n$/ },
      { cwd: `${dir}/bad`, args: [], expected: /^mcp-serve: Cannot load module .*t\.mjs: exports no tool, resource or prompt/ },
      { cwd: `${dir}/syntax`, args: [], expected: /^mcp-serve: Cannot load config .*mcp-serve\.config\.mjs: syntax error at line 3, column 3: Unexpected identifier 'port'\n$/ },
      { cwd: `${dir}/module-syntax`, args: [], expected: /^mcp-serve: Cannot load module .*t\.mjs: syntax error at line 3, column 3: Unexpected identifier 'description'\n$/ },
      { cwd: `${dir}/cjs`, args: [], expected: /^mcp-serve: Cannot load module .*t\.js: Unexpected token 'export': this file is an ES module \(import\/export\) in a CommonJS package; rename it to \.mjs, or set "type": "module" in .*package\.json\n$/ },
      { cwd: `${dir}/missing`, args: [], expected: /^mcp-serve: Cannot load module .*t\.mjs: Cannot find package 'no-such-package' imported from .*t\.mjs: install it where the module is \(npm install no-such-package in .*missing or a folder above it\)\n$/ },
      { cwd: dir, args: ['--port', 'abc'], expected: /^mcp-serve: --port must be an integer from 0 to 65535 \(got "abc"\)/ },
      { cwd: dir, args: ['--bogus'], expected: /^mcp-serve: unknown option '--bogus' \(see mcp-serve --help\)\n$/ },
      { cwd: dir, args: ['--config', HELLO_CONFIG, '--host', '203.0.113.7', '--port', '0'], expected: /^mcp-serve: Cannot bind host "203\.0\.113\.7"/ },
    ];
    for (const { cwd, args, expected } of cases) {
      const result = await runServe(args, { cwd });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('names the source files in a --debug stack trace', async () => {
    const result = await runServe(['--debug', '--config', '/nonexistent/mcp-serve.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mcp-serve: Config file not found: .*\nConfigError: Config file not found/);
    expect(result.stderr).toMatch(/\n {4}at (async )?loadConfig \(.*src\/config\/load-config\.ts:\d+:\d+\)/);
    expect(result.stderr).not.toMatch(/dist\/[\w-]+\.js/);
  });

  it('serves TypeScript modules that import mcp-serve from a folder where it is not installed (npx)', async () => {
    // The temporary folder is outside the repository: no node_modules above it holds mcp-serve.
    const dir = await writeTempFiles({
      'mcp-serve.config.ts': `export default { tools: './tools/*.ts' };`,
      'tools/hi.ts': `import { defineTool } from 'mcp-serve';\nexport default defineTool({ name: 'hi', description: 'd', input: { type: 'object', properties: { who: { type: 'string' } } }, handler: ({ who }) => \`hi \${who}\` });\n`,
    });
    const server = await startServe([], { cwd: dir });
    const result = await runCall(['--url', `${server.url}/mcp`, 'hi', '--who', 'npx']);
    expect(result.stdout, result.stderr).toBe('hi npx\n');
    await server.stop();
  });

  it('prints help that fits an 80-column terminal, with its exit codes', async () => {
    const help = await runServe(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 stopped cleanly');
    expect(help.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    // Every option that takes a value says what it is when not given.
    const options = help.stdout.slice(help.stdout.indexOf('Options:'), help.stdout.indexOf('Exit codes:')).split(/\n(?=  -)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
    const withValue = options.filter((entry) => /^-[\w-]+(, --[\w-]+)? <[^>]+>/.test(entry));
    expect(withValue.length).toBeGreaterThan(20);
    expect(withValue.filter((entry) => !/default/.test(entry))).toEqual([]);
  });

  it('takes the port from MCP_SERVE_PORT unless --port is given', async () => {
    const fromEnv = await runServe(['--config', HELLO_CONFIG], { env: { MCP_SERVE_PORT: 'nope' } });
    expect(fromEnv.stderr).toMatch(/MCP_SERVE_PORT must be an integer/);
    const server = await startServe(['--config', HELLO_CONFIG], { env: { MCP_SERVE_PORT: '1' } });
    expect(server.url).not.toMatch(/:1$/); // --port 0 from startServe wins over the env
    await server.stop();
  });

  it('reloads an edited module with --watch and tells clients the list changed', async () => {
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { tools: './tools/*.mjs' };`,
      'tools/echo.mjs': `export default { kind: 'tool', name: 'echo', description: 'v1', handler: () => 'one' };`,
    });
    const server = await startServe(['--watch'], { cwd: dir });
    const client = await connectSdkClient(server.url, 'http');
    const changed = new Promise<void>((resolve) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    expect((await client.callTool({ name: 'echo', arguments: {} })).content).toEqual([{ type: 'text', text: 'one' }]);
    await writeFile(
      `${dir}/tools/echo.mjs`,
      `export default { kind: 'tool', name: 'echo', description: 'v2', handler: () => 'two' };`,
    );
    await changed;
    expect((await client.callTool({ name: 'echo', arguments: {} })).content).toEqual([{ type: 'text', text: 'two' }]);
    expect((await client.listTools()).tools[0]?.description).toBe('v2');
    await server.waitForStderr(/modules reloaded \(echo\.mjs changed\)/);
    await client.close();
    await server.stop();
  });

  it('keeps watching a module replaced by rename (an atomic save), and re-reads an edited config', async () => {
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { tools: './tools/*.mjs' };`,
      'tools/echo.mjs': `export default { kind: 'tool', name: 'echo', description: 'v1', handler: () => 'one' };`,
      'more/extra.mjs': `export default { kind: 'tool', name: 'extra', description: 'extra', handler: () => 'extra' };`,
    });
    const server = await startServe(['--watch'], { cwd: dir });
    const client = await connectSdkClient(server.url, 'http');
    const says = async (): Promise<unknown> => (await client.callTool({ name: 'echo', arguments: {} })).content;
    // Two atomic saves in a row, as editors and sed -i do: write a temporary file, rename it over.
    for (const word of ['two', 'three']) {
      await writeFile(`${dir}/tools/.echo.tmp`, `export default { kind: 'tool', name: 'echo', description: '${word}', handler: () => '${word}' };`);
      await rename(`${dir}/tools/.echo.tmp`, `${dir}/tools/echo.mjs`);
      await waitUntil(async () => JSON.stringify(await says()).includes(word), `echo to say ${word}`);
    }
    // The config gains a module pattern (applied now) and a new name (needs a restart).
    await writeFile(`${dir}/mcp-serve.config.mjs`, `export default { tools: ['./tools/*.mjs', './more/*.mjs'], name: 'Renamed' };`);
    await server.waitForStderr(/mcp-serve\.config\.mjs changed name: restart mcp-serve to apply it/);
    await server.waitForStderr(/modules reloaded \(mcp-serve\.config\.mjs changed\)/);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['echo', 'extra']);
    await client.close();
    await server.stop();
  });
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mcp-serve paginates its lists', () => {
  it('hands out pages of --page-size with opaque cursors, and refuses a cursor it did not give', async () => {
    const server = await startServe(['--config', `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`, '--page-size', '2']);
    try {
      const client = await connectSdkClient(server.url, 'http');
      const names: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listTools(cursor ? { cursor } : {});
        expect(page.tools.length).toBeLessThanOrEqual(2);
        names.push(...page.tools.map((t) => t.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(names.length / 2));
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain('types');
      // mcp-call follows the cursors: every tool is listed.
      const listed = await runCall(['--url', server.url, 'tools', '--names']);
      expect(listed.stdout.trim().split('\n').sort()).toEqual([...names].sort());
      for (const bad of ['nope', 'bzk5OTk5OTk5OQ', 42]) {
        await expect(client.listTools({ cursor: bad as string })).rejects.toThrow(/-32602.*Invalid cursor/);
        await expect(client.listPrompts({ cursor: bad as string })).rejects.toThrow(/-32602.*Invalid cursor/);
      }
      await client.close();
    } finally {
      await server.stop();
    }
  });
});

describe('mcp-serve shows what clients display', () => {
  it('serves titles, icons, _meta, resource annotations and size, and the server\'s title, website and icons', async () => {
    const icon = { src: 'data:image/svg+xml;base64,PHN2Zy8+', mimeType: 'image/svg+xml', sizes: ['any'] };
    const dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { tools: './defs.mjs', title: 'Shown Server', websiteUrl: 'https://example.com/docs', icons: [${JSON.stringify(icon)}] };`,
      'defs.mjs': `
        const icons = [${JSON.stringify(icon)}];
        export const t = { kind: 'tool', name: 't', title: 'The Tool', description: 'd', icons, _meta: { team: 'x' }, handler: () => 'ok' };
        export const r = { kind: 'resource', uri: 'test://r', name: 'r', title: 'The Resource', text: 'hi', size: 2, annotations: { audience: ['user'], priority: 0.5 }, icons };
        export const rt = { kind: 'resourceTemplate', uriTemplate: 'test://r/{id}', name: 'rt', annotations: { priority: 1 }, icons, read: () => 'x' };
        export const p = { kind: 'prompt', name: 'p', title: 'The Prompt', description: 'd', icons, _meta: { k: 1 }, get: () => 'hi' };
      `,
    });
    const server = await startServe(['--config', `${dir}/mcp-serve.config.mjs`]);
    try {
      const client = await connectSdkClient(server.url, 'http');
      expect(client.getServerVersion()).toMatchObject({ title: 'Shown Server', websiteUrl: 'https://example.com/docs', icons: [icon] });
      expect((await client.listTools()).tools[0]).toMatchObject({ name: 't', title: 'The Tool', icons: [icon], _meta: { team: 'x' } });
      expect((await client.listResources()).resources[0]).toMatchObject({ uri: 'test://r', title: 'The Resource', size: 2, annotations: { audience: ['user'], priority: 0.5 }, icons: [icon] });
      expect((await client.listResourceTemplates()).resourceTemplates[0]).toMatchObject({ uriTemplate: 'test://r/{id}', annotations: { priority: 1 }, icons: [icon] });
      expect((await client.listPrompts()).prompts[0]).toMatchObject({ name: 'p', title: 'The Prompt', icons: [icon], _meta: { k: 1 } });
      await client.close();
      // Through the gateway they come out as the upstream gave them.
      const gateway = await startServe(['--', process.execPath, `${REPO_ROOT}packages/serve/bin/mcp-serve.js`, '--stdio', '--config', `${dir}/mcp-serve.config.mjs`]);
      try {
        const viaGateway = await connectSdkClient(gateway.url, 'sse');
        expect((await viaGateway.listTools()).tools[0]).toMatchObject({ name: 't', title: 'The Tool', icons: [icon], _meta: { team: 'x' } });
        expect((await viaGateway.listResources()).resources[0]).toMatchObject({ title: 'The Resource', size: 2, annotations: { priority: 0.5 }, icons: [icon] });
        expect((await viaGateway.listPrompts()).prompts[0]).toMatchObject({ title: 'The Prompt', icons: [icon] });
        await viaGateway.close();
      } finally {
        await gateway.stop();
      }
    } finally {
      await server.stop();
    }
  });
});
