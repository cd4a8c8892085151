import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { CALL_BIN, pidFile, REPO_ROOT, runCall } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

const BIN = `${REPO_ROOT}packages/call/node_modules/.bin`;
const SDK_SERVER = `node ${REPO_ROOT}packages/call/test/fixtures/stdio/sdk-server.mjs`;
// Its own config home: the project directories below are trusted there, not in the user's.
const env = { PATH: `${BIN}:${process.env.PATH}`, XDG_CONFIG_HOME: await mkdtemp(join(tmpdir(), 'mcp-call-config-')) };
const call = (args: string[], input?: string) => runCall(args, { env, input, timeoutMs: 30_000 });

/** Processes whose working directory is `dir`. */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    if ((await readlink(`/proc/${pid}/cwd`).catch(() => '')) === dir) found.push(pid);
  }
  return found;
}

describe('mcp-call --stdio against servers from the npm registry', () => {
  it('reads, writes and lists files with server-filesystem, unicode included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-fs-'));
    const server = `mcp-server-filesystem ${dir}`;
    const write = await call(['--stdio', server, 'write_file', '--path', `${dir}/grüße.txt`, '--content', 'héllo wörld ✓']);
    expect(write.code, write.stderr).toBe(0);
    expect((await call(['--stdio', server, 'read_text_file', '--path', `${dir}/grüße.txt`])).stdout).toBe('héllo wörld ✓\n');
    const edits = await call(['--stdio', server, 'edit_file', '--args', JSON.stringify({ path: `${dir}/grüße.txt`, edits: [{ oldText: 'wörld', newText: 'welt' }] })]);
    expect(edits.code, edits.stderr).toBe(0);
    expect(await readFile(`${dir}/grüße.txt`, 'utf8')).toBe('héllo welt ✓');
    expect((await call(['--stdio', server, 'list_directory', '--path', dir])).stdout).toContain('[FILE] grüße.txt');
    const outside = await call(['--stdio', server, 'read_text_file', '--path', '/etc/hostname']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^mcp-call: tool "read_text_file" returned an error: .*(denied|outside)/i);
  });

  it('creates and reads a knowledge graph with server-memory: arrays of objects by flags and by --args', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-memory-'));
    await writeFile(join(dir, '.mcp-callrc'), JSON.stringify({ servers: { memory: { command: 'mcp-server-memory', env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') } } } }));
    const inDir = (args: string[]) => runCall(args, { env, cwd: dir, timeoutMs: 30_000 });
    expect((await inDir(['trust'])).code).toBe(0);
    const created = await inDir(['--server', 'memory', 'create_entities', '--entities', JSON.stringify([{ name: 'Ada', entityType: 'person', observations: ['wrote the first program', 'Zürich ☕'] }])]);
    expect(created.code, created.stderr).toBe(0);
    const related = await inDir(['--server', 'memory', 'create_relations', '--args', JSON.stringify({ relations: [{ from: 'Ada', to: 'Ada', relationType: 'admires' }] })]);
    expect(related.code, related.stderr).toBe(0);
    const graph = JSON.parse((await inDir(['--server', 'memory', 'read_graph', '--json'])).stdout) as { structuredContent?: { entities: { observations: string[] }[] }; content: { text: string }[] };
    expect(JSON.stringify(graph)).toContain('Zürich ☕');
    expect(JSON.stringify(graph)).toContain('admires');
  });

  it('runs server-everything in stdio mode: tools, progress, meta commands and batch', async () => {
    const server = 'mcp-server-everything stdio';
    expect((await call(['--stdio', server, 'echo', '--message', 'hi ✓'])).stdout).toBe('Echo: hi ✓\n');
    expect((await call(['--stdio', server, 'get-sum', '--a', '2', '--b', '3'])).stdout).toMatch(/5/);
    expect((await call(['--stdio', server, 'tools', '--names'])).stdout).toContain('echo\n');
    expect((await call(['--stdio', server, 'info'])).stdout).toMatch(/transport: {4}stdio mcp-server-everything stdio/);
    const batch = await call(['--stdio', server, 'batch'], '{"tool":"echo","args":{"message":"one"}}\n{"tool":"echo","args":{"message":"two"}}\n');
    expect(batch.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ok: boolean }).ok)).toEqual([true, true]);
  });
});

describe('mcp-call --stdio against a server written with the SDK', () => {
  it('generates flags from the schema, shows tool help, and passes nested arrays and unicode', async () => {
    const result = await call(['--stdio', SDK_SERVER, 'echo', '--text', 'naïve ✓', '--items', '[{"id":1,"tags":["a","b"]}]']);
    expect(result.stdout).toBe('{"text":"naïve ✓","items":[{"id":1,"tags":["a","b"]}]}\n');
    expect((await call(['--stdio', SDK_SERVER, 'echo', '--help'])).stdout).toMatch(/--text <string>\s+required/);
  });

  it('answers elicitation and sampling, and shows logs and progress', async () => {
    expect((await call(['--stdio', SDK_SERVER, 'ask', '--elicit', 'defaults'])).stdout).toBe('accept {"name":"Ada"}\n');
    const sampled = await call(['--stdio', SDK_SERVER, 'think', '--sampling-command', 'echo 4']);
    expect(sampled.stdout).toBe('LLM said: 4\n');
    const progress = await call(['--stdio', SDK_SERVER, 'progress']);
    expect(progress.stdout).toBe('finished\n');
    expect(progress.stderr).toContain('[server info] step 3');
  });

  it('offers --root directories as the client\'s roots, and refuses one that is not a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'root-ü-'));
    const listed = await call(['--stdio', SDK_SERVER, '--root', dir, '--root', REPO_ROOT, 'roots']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { uri: pathToFileURL(dir).href, name: basename(dir) },
      { uri: pathToFileURL(REPO_ROOT).href.replace(/\/$/, ''), name: basename(REPO_ROOT) },
    ]);
    // Without --root the client declares no roots, and the server's request is answered with none.
    expect((await call(['--stdio', SDK_SERVER, 'roots'])).stdout).toBe('[]\n');
    const missing = await call(['--stdio', SDK_SERVER, '--root', join(dir, 'nope'), 'roots']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`mcp-call: --root ${join(dir, 'nope')}: no such directory`);
  });

  it('asks the server for fewer log messages with --log-level, and refuses a level MCP does not name', async () => {
    const quiet = await call(['--stdio', SDK_SERVER, '--log-level', 'error', 'progress']);
    expect(quiet.stdout).toBe('finished\n');
    expect(quiet.stderr).not.toContain('[server info]');
    const loud = await call(['--stdio', SDK_SERVER, '--log-level', 'loud', 'progress']);
    expect(loud.code).toBe(2);
    expect(loud.stderr.trim()).toBe('mcp-call: Invalid --log-level "loud": use one of debug, info, notice, warning, error, critical, alert, emergency');
  });

  it('offers to open a URL-mode elicitation in the browser, opens it only with consent, and declines without a terminal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'browser-'));
    const opened = join(dir, 'opened');
    const browser = join(dir, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\necho "$1" > ${opened}\n`);
    await chmod(browser, 0o755);
    const url = 'https://example.com/authorize?state=abc';
    const yes = await runCall(['--stdio', SDK_SERVER, '--elicit', 'prompt', 'visit'], { env: { ...env, BROWSER: browser }, input: 'y\n', timeoutMs: 30_000 });
    expect(yes.stdout, yes.stderr).toBe('accept\n');
    expect(yes.stderr).toContain(`The server asks you to open a page: Sign in to the example\n  ${url}\nOpen it in your browser? [Y/n]`);
    expect(yes.stderr).toContain('the server says the step in the browser is done');
    for (let i = 0; i < 50 && !(await readFile(opened, 'utf8').catch(() => '')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await readFile(opened, 'utf8')).trim()).toBe(url);
    await rm(opened);
    const no = await runCall(['--stdio', SDK_SERVER, '--elicit', 'prompt', 'visit'], { env: { ...env, BROWSER: browser }, input: 'n\n', timeoutMs: 30_000 });
    expect(no.stdout).toBe('decline\n');
    const unattended = await call(['--stdio', SDK_SERVER, 'visit']);
    expect(unattended.stdout).toBe('decline\n');
    expect(unattended.stderr).toContain(`it asks you to open ${url}, and there is no terminal to ask on`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readFile(opened, 'utf8').catch(() => 'not opened')).toBe('not opened');
  });

  it('ends the sampling command when the server cancels its request', async () => {
    const started = await pidFile();
    const pending = call(['--stdio', SDK_SERVER, 'think-briefly', '--sampling-command', `echo $$ >> ${started.path}; exec sleep 30`]);
    // The server gives up after 300 ms and answers 1.5 s later: in between, the command is gone.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await started.pids()).toHaveLength(1);
    expect(await started.alive()).toEqual([]);
    const result = await pending;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('gave up\n');
  });

  it('gives a stdio server the variables of --env, and no others of this shell', async () => {
    const server = 'mcp-server-everything stdio';
    const seen = await runCall(['--stdio', server, '--env', 'GREETING=hi there', '-e', 'HTTPS_PROXY=http://proxy.example:3128', 'get-env'], { env: { ...env, SECRET_OF_THE_SHELL: 'not for servers' }, timeoutMs: 30_000 });
    expect(seen.code, seen.stderr).toBe(0);
    const vars = JSON.parse(seen.stdout) as Record<string, string>;
    expect(vars).toMatchObject({ GREETING: 'hi there', HTTPS_PROXY: 'http://proxy.example:3128' });
    expect(vars.SECRET_OF_THE_SHELL).toBeUndefined();
    const bad = await runCall(['--stdio', server, '--env', 'NOEQUALS', 'get-env'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('mcp-call: Invalid --env "NOEQUALS": write it as KEY=VALUE\n');
    expect((await runCall(['--url', 'http://127.0.0.1:1', '--env', 'A=1', 'x'], { env })).stderr).toMatch(/--env gives variables to a stdio server/);
  });

  it('exits 1 for isError, 2 for a usage error, 4 on timeout', async () => {
    expect((await call(['--stdio', SDK_SERVER, 'fail'])).code).toBe(1);
    // Arguments the server finds invalid (minLength, which mcp-call does not check) are exit 2 too.
    const short = await call(['--stdio', SDK_SERVER, 'shout', '--word', 'ab']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^mcp-call: tool "shout" rejected its arguments: .*-32602.*\(see mcp-call shout --help\)\n$/);
    expect((await call(['--stdio', SDK_SERVER, 'shout', '--word', 'abc'])).stdout).toBe('ABC\n');
    const unknown = await call(['--stdio', SDK_SERVER, 'nope', '--x', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown tool "nope"/);
    const slow = await call(['--stdio', SDK_SERVER, 'slow', '--timeout', '1']);
    expect(slow.code).toBe(4);
  });

  it('shows the server stderr with --verbose only', async () => {
    expect((await call(['--stdio', SDK_SERVER, 'fail'])).stderr).not.toContain('sdk-stdio ready');
    expect((await call(['--stdio', SDK_SERVER, '--verbose', 'fail'])).stderr).toContain('server stderr: sdk-stdio ready');
  });
});

describe('mcp-call watch over stdio', () => {
  it('prints each update, and ends quietly when its reader goes away (| head), leaving no server behind', async () => {
    const started = await pidFile();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      // bash runs the pipeline: head exits after three lines, closing mcp-call's stdout.
      const child = spawn('bash', ['-c', `set -o pipefail; node ${CALL_BIN} --stdio "${SDK_SERVER} --pid-file ${started.path}" watch test://counter | head -3`], { env: { ...process.env, ...env } });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(stdout).toBe('count 0\ncount 1\ncount 2\n');
    expect(stderr).not.toMatch(/EPIPE|at /);
    expect(code).toBe(0);
    expect(await started.pids()).toHaveLength(1);
    expect(await started.alive()).toEqual([]);
  });
});

describe('mcp-call output to a reader that has gone', () => {
  it('ends quietly when stdout or stderr is closed before it writes (mcp-call --help | head)', async () => {
    for (const [args, closed] of [[['--help'], 'stdout'], [['completion', 'bash'], 'stdout'], [['--stdio', SDK_SERVER, 'nope', '--x', '1'], 'stderr']] as const) {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [CALL_BIN, ...args], { env: { ...process.env, ...env } });
        // The read end of the pipe goes first, so every write mcp-call makes to it fails (EPIPE).
        child[closed].destroy();
        let text = '';
        const other = closed === 'stdout' ? child.stderr : child.stdout;
        other.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        child.on('close', (c) => resolve({ code: c, output: text }));
      });
      expect(output, args.join(' ')).not.toMatch(/EPIPE|Error|\bat /);
      expect(code, args.join(' ')).toBe(args[0] === '--stdio' ? 2 : 0);
    }
  });
});

describe('mcp-call --stdio failures', () => {
  it('exits 3 naming the command, its exit code and its last stderr lines when the server dies mid-call', async () => {
    const result = await call(['--stdio', SDK_SERVER, 'die']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^mcp-call: The server "node .*sdk-server\.mjs" exited with code 7; its last stderr lines: sdk-stdio ready \| fatal: the database went away\n$/);
  });

  it('exits 3 for a command that cannot start, and for a server that prints non-JSON', async () => {
    const missing = await call(['--stdio', 'no-such-command-here --flag', 'tools']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('mcp-call: Cannot start the server "no-such-command-here --flag": command not found\n');
    const chatty = await call(['--stdio', `node -e "console.log('Server starting...'); setInterval(() => {}, 1000)"`, 'tools']);
    expect(chatty.code).toBe(3);
    expect(chatty.stderr).toMatch(/printed something that is not JSON-RPC on stdout: "Server starting\.\.\." \(servers must log to stderr\)/);
  });

  it('splits the command like a shell but runs none', async () => {
    const piped = await call(['--stdio', 'mcp-server-memory | tee x', 'tools']);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/without a shell, so "\|" is not supported/);
    const quoted = await call(['--stdio', `node -e "process.stdout.write('')" 'two words'`, 'tools', '--timeout', '2']);
    expect(quoted.code).not.toBe(2);
  });
});

describe('mcp-call --stdio cleanup', () => {
  it('ends a grandchild that left the process group with setsid, too', async () => {
    const started = await pidFile();
    const result = await call(['--stdio', `${SDK_SERVER} --pid-file ${started.path}`, 'spawn-escapee']);
    expect(result.stdout).toBe('started\n');
    expect(await started.pids()).toHaveLength(2);
    expect(await started.alive()).toEqual([]);
  });

  it('ends the whole process tree, grandchildren included, when it finishes', async () => {
    const started = await pidFile();
    const result = await call(['--stdio', `${SDK_SERVER} --pid-file ${started.path}`, 'spawn-child', '--marker', 'child']);
    expect(result.stdout).toBe('started\n');
    // The server and the child it started: both recorded, neither left.
    expect(await started.pids()).toHaveLength(2);
    expect(await started.alive()).toEqual([]);
  });

  it('leaves nothing behind for an npx command, on success and on Ctrl-C', async () => {
    // npx resolves the server from the package's node_modules: the chain is npx, sh, node.
    const dir = await mkdtemp(join(`${REPO_ROOT}packages/call/test/`, '.npx-'));
    await writeFile(join(dir, '.mcp-callrc'), JSON.stringify({ servers: { memory: { command: 'npx', args: ['--no-install', 'mcp-server-memory'], cwd: dir, env: { MEMORY_FILE_PATH: join(dir, 'm.jsonl') } } } }));
    expect((await runCall(['trust', dir], { env })).code).toBe(0);
    const ok = await runCall(['--server', 'memory', 'read_graph'], { env, cwd: dir, timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await processesIn(dir)).toEqual([]);
    const child = spawn(process.execPath, [CALL_BIN, '--server', 'memory', 'tools'], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(130);
    for (let i = 0; i < 20 && (await processesIn(dir)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await processesIn(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });
});
