import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT, runCall, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A home directory and a project holding the MCP configs of Claude Code, Claude Desktop, Cursor,
// VS Code, Windsurf, Gemini CLI and Codex (one fixture file each, some deliberately broken).
const FIXTURES = `${REPO_ROOT}packages/call/test/fixtures/imports`;
const BIN = `${REPO_ROOT}packages/call/node_modules/.bin`;

describe('mcp-call reads the MCP configs people already have', () => {
  let home: string;
  let project: string;
  let server: ServeProcess;
  let env: NodeJS.ProcessEnv;
  const call = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCall(args, { cwd: project, env: { ...env, ...extra }, timeoutMs: 30_000 });
  /** What a server started from an imported entry sees in its environment (server-everything's get-env). */
  const envOf = async (name: string, extra: NodeJS.ProcessEnv = {}): Promise<Record<string, string>> => {
    const result = await call(['--server', name, 'get-env'], extra);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Record<string, string>;
  };

  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcp-imports-'));
    await cp(FIXTURES, root, { recursive: true });
    home = join(root, 'home');
    project = join(root, 'project');
    server = await startServe(['--token', 'imported-secret']);
    // Claude Code keys project servers by absolute path; Codex's URL is the test server's.
    const claude = join(home, '.claude.json');
    await writeFile(claude, (await readFile(claude, 'utf8')).replace('__PROJECT__', project));
    const codex = join(home, '.codex', 'config.toml');
    await writeFile(codex, (await readFile(codex, 'utf8')).replace('http://127.0.0.1:1/replaced-by-the-test', `${server.url}/mcp`));
    env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), CODEX_HOME: join(home, '.codex'), PATH: `${BIN}:${process.env.PATH}`, WHO: 'Ada', MCP_SERVE_URL: server.url, SERVE_TOKEN: 'imported-secret' };
    expect((await call(['trust'])).code).toBe(0);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists every server with its transport and file, in precedence order, showing which duplicate wins', async () => {
    const listed = await call(['servers']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    const line = (name: string) => lines.filter((l) => l.startsWith(`${name} `));
    expect(line('shared')).toEqual([
      expect.stringMatching(/^shared\s+stdio\s+.*project\/\.mcp-callrc$/),
      expect.stringMatching(/^shared\s+stdio\s+.*project\/\.mcp\.json \(Claude Code\)\s+\(shadowed by .*\.mcp-callrc\)$/),
      expect.stringMatching(/^shared\s+stdio\s+.*home\/\.claude\.json \(Claude Code\)\s+\(shadowed by/),
      expect.stringMatching(/^shared\s+stdio\s+.*Code\/User\/mcp\.json \(VS Code\)\s+\(shadowed by/),
    ]);
    for (const [name, transport, file] of [
      ['claude-project', 'stdio', '.mcp.json (Claude Code)'],
      ['claude-local', 'stdio', '.claude.json (Claude Code)'],
      ['claude-user', 'stdio', '.claude.json (Claude Code)'],
      ['desktop-memory', 'stdio', 'claude_desktop_config.json (Claude Desktop)'],
      ['cursor-project', 'stdio', '.cursor/mcp.json (Cursor)'],
      ['cursor-remote', 'auto', '.cursor/mcp.json (Cursor)'],
      ['vscode-project', 'stdio', '.vscode/mcp.json (VS Code)'],
      ['windsurf-remote', 'auto', 'mcp_config.json (Windsurf)'],
      ['gemini-http', 'http', '.gemini/settings.json (Gemini CLI)'],
      ['gemini-sse', 'sse', '.gemini/settings.json (Gemini CLI)'],
      ['codex-stdio', 'stdio', '.codex/config.toml (Codex)'],
      ['codex-http', 'http', '.codex/config.toml (Codex)'],
    ]) {
      expect(line(name!), name).toEqual([expect.stringMatching(new RegExp(`^${name}\\s+${transport}\\s+.*${file!.replace(/[.()]/g, '\\$&')}$`))]);
    }
    expect(listed.stdout).not.toMatch(/windsurf-off|codex-off|no-command/);
    // Broken files and entries are reported with the file and what is wrong; the rest still work.
    expect(listed.stderr).toMatch(/warning: .*project\/\.gemini\/settings\.json: JSON syntax error at line 2, column \d+/);
    expect(listed.stderr).toMatch(/warning: .*project\/\.codex\/config\.toml: TOML syntax error at line \d+, column \d+/);
    expect(listed.stderr).toMatch(/warning: .*project\/\.mcp\.json: server "no-command" needs "command" \(a stdio server\) or "url" \(a remote one\)/);
    expect(listed.stderr).toMatch(/windsurf-off" disabled in its file/);
  });

  it('expands each format\'s variables as that tool does', async () => {
    const claude = await envOf('claude-user');
    expect(claude.FROM_CLAUDE).toBe('Ada');
    expect(claude.WITH_DEFAULT).toBe('fallback');
    expect((await envOf('desktop-memory')).FROM_DESKTOP).toBe('literal ${WHO} stays');
    expect((await envOf('cursor-user')).FROM_CURSOR).toBe(`Ada in ${home}`);
    expect((await envOf('cursor-project')).WORKSPACE).toBe('project');
    expect((await envOf('codex-stdio')).FROM_CODEX).toBe('plain value');
    // Only the safe default environment and the configured variables reach the server.
    expect(claude.SERVE_TOKEN).toBeUndefined();
  });

  it('asks for VS Code inputs, or takes them from MCP_INPUT_<ID>, and says so without a terminal', async () => {
    const vscode = await envOf('vscode-project', { MCP_INPUT_API_KEY: 'k-123' });
    expect(vscode.API_KEY).toBe('k-123');
    expect(vscode.FROM_VSCODE).toBe('Ada');
    const missing = await call(['--server', 'vscode-project', 'get-env']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Server "vscode-project" in .*\.vscode\/mcp\.json needs input "api-key" \(API key for the everything server\): set MCP_INPUT_API_KEY, or run at a terminal/);
  });

  it('lets its own config win, then the project, then the user', async () => {
    expect((await envOf('shared')).WINNER).toBe('mcp-call-own');
    expect((await envOf('claude-local')).WINNER).toBe('claude-code-local');
  });

  it('calls remote servers with their headers and tokens: Cursor, Windsurf, Gemini (HTTP and SSE), Codex', async () => {
    for (const name of ['cursor-remote', 'windsurf-remote', 'gemini-http', 'gemini-sse', 'codex-http']) {
      const result = await call(['--server', name, 'greet', '--name', name]);
      expect(result.stdout, `${name}: ${result.stderr}`).toBe(`Hello Hello, ${name}!\n`);
    }
    // Without the token from the environment, the server refuses: the header came from the file.
    const refused = await call(['--server', 'codex-http', 'greet'], { SERVE_TOKEN: '' });
    expect(refused.code).toBe(3);
    // The variable the entry takes its token from, unset, is named.
    expect(refused.stderr).toMatch(/the server's config names \$SERVE_TOKEN, which is not set/);
  });

  it('suggests close names and names the files read for an unknown server; --no-imports turns imports off', async () => {
    const unknown = await call(['--server', 'cursor-remot', 'greet']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown server "cursor-remot"; did you mean cursor-remote.*\(read: .*\.mcp-callrc, .*\.mcp\.json, .*\.claude\.json/);
    const off = await call(['--server', 'cursor-remote', '--no-imports', 'greet']);
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/imports are off/);
    expect((await call(['servers', '--no-imports'])).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('uses a project directory\'s configs only once the user trusts it, and completion runs none of them', async () => {
    const { mkdir, readdir, rm } = await import('node:fs/promises');
    const repo = join(root, 'cloned-repo');
    const jsRepo = join(root, 'cloned-js-repo');
    await mkdir(repo);
    await mkdir(jsRepo);
    const touch = (dir: string) => ({ command: 'sh', args: ['-c', `touch ${join(dir, 'PWNED')}`] });
    await writeFile(join(repo, '.mcp-callrc'), JSON.stringify({ servers: { evil: touch(repo) } }));
    // A server named like the user's own, with the repo's command and the user's secret in a header.
    await writeFile(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { 'claude-user': touch(repo), leak: { type: 'http', url: `${server.url}/mcp`, headers: { Authorization: 'Bearer ${SERVE_TOKEN}' } } } }));
    await writeFile(join(jsRepo, 'mcp-call.config.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(join(jsRepo, 'PWNED'))}, ''); module.exports = { url: ${JSON.stringify(server.url)} };`);
    const inRepo = (dir: string, args: string[]) => runCall(args, { cwd: dir, env, timeoutMs: 30_000 });

    const evil = await inRepo(repo, ['--server', 'evil', 'greet']);
    expect(evil.code).toBe(2);
    expect(evil.stderr).toMatch(/cloned-repo\/\.mcp-callrc is in a directory you have not trusted.*run "mcp-call trust .*cloned-repo"/);
    // The user's own "claude-user" wins over the untrusted project's entry of that name.
    const own = await inRepo(repo, ['--server', 'claude-user', '--no-imports', 'greet']);
    expect(own.code).toBe(2);
    await rm(join(repo, '.mcp-callrc'));
    const user = await inRepo(repo, ['--server', 'claude-user', 'get-env']);
    expect(user.code, user.stderr).toBe(0);
    expect(JSON.parse(user.stdout).FROM_CLAUDE).toBe('Ada');
    const leak = await inRepo(repo, ['--server', 'leak', 'greet']);
    expect(leak.code).toBe(2);
    expect(leak.stderr).toMatch(/Server "leak" is defined in .*cloned-repo\/\.mcp\.json, in a directory you have not trusted/);
    const listed = await inRepo(repo, ['servers']);
    expect(listed.stdout).toMatch(/^leak\s+http\s+.*\(not trusted: mcp-call trust .*cloned-repo\)$/m);
    expect(listed.stdout).toMatch(/^claude-user\s+stdio\s+.*cloned-repo\/\.mcp\.json .*\(shadowed by .*home\/\.claude\.json/m);

    // A JS config is not run, neither by a call nor by completion.
    expect((await inRepo(jsRepo, ['greet'])).code).toBe(2);
    expect((await inRepo(jsRepo, ['tools', '--names', '--cached'])).code).toBe(2);
    expect(await readdir(repo)).not.toContain('PWNED');
    expect(await readdir(jsRepo)).not.toContain('PWNED');

    // Trusted: the project's entries are used; completion still runs no JS config.
    expect((await inRepo(repo, ['trust'])).stdout).toMatch(/^trusted: .*cloned-repo\n$/);
    expect((await inRepo(repo, ['--server', 'leak', 'greet'])).stdout).toBe('Hello Hello, world!\n');
    expect((await inRepo(jsRepo, ['trust', '--list'])).stdout).toContain(repo);
    expect((await inRepo(jsRepo, ['trust'])).code).toBe(0);
    expect((await inRepo(jsRepo, ['tools', '--names', '--cached'])).code).toBe(2);
    expect(await readdir(jsRepo)).not.toContain('PWNED');
    expect((await inRepo(jsRepo, ['trust', '--remove'])).stdout).toMatch(/^no longer trusted/);
  });

  it('reads only regular files of bounded size and nesting, and names a command line too long to start', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdir, symlink } = await import('node:fs/promises');
    const odd = join(root, 'odd-repo');
    await mkdir(join(odd, '.cursor'), { recursive: true });
    await mkdir(join(odd, '.vscode'), { recursive: true });
    await mkdir(join(odd, '.gemini'), { recursive: true });
    execFileSync('mkfifo', [join(odd, '.mcp.json')]); // never written: reading it would wait forever
    await symlink('/dev/zero', join(odd, '.cursor', 'mcp.json'));
    await writeFile(join(odd, '.vscode', 'mcp.json'), `{"servers":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    await writeFile(join(odd, '.gemini', 'settings.json'), JSON.stringify({ mcpServers: { 'long-args': { command: 'node', args: ['x'.repeat(300_000)] } } }));
    const started = Date.now();
    const listed = await runCall(['servers'], { cwd: odd, env, timeoutMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toMatch(/odd-repo\/\.mcp\.json: is not a regular file/);
    expect(listed.stderr).toMatch(/odd-repo\/\.cursor\/mcp\.json: is not a regular file/);
    expect(listed.stderr).toMatch(/odd-repo\/\.vscode\/mcp\.json: nests arrays and objects more than 64 levels deep/);
    expect(listed.stdout).toMatch(/^long-args\s+stdio/m);
    expect((await runCall(['trust'], { cwd: odd, env })).code).toBe(0);
    const long = await runCall(['--server', 'long-args', 'greet'], { cwd: odd, env, timeoutMs: 30_000 });
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^mcp-call: Cannot start the server "node x{100,}… \(300005 characters\)": its arguments and environment are longer than the system allows\n$/);
    // mcp-call's own config as a FIFO: refused at once, not waited on.
    execFileSync('mkfifo', [join(odd, '.mcp-callrc')]);
    const fifo = await runCall(['greet'], { cwd: odd, env, timeoutMs: 30_000 });
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toMatch(/Cannot load the mcp-call config .*odd-repo\/\.mcp-callrc: it is not a regular file/);
  });

  it('reads a file once when the working directory is the home directory (a project file there is a user file too)', async () => {
    const listed = await runCall(['servers'], { cwd: home, env, timeoutMs: 30_000 });
    expect(listed.code, listed.stderr).toBe(0);
    const names = listed.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]);
    expect(names.filter((name) => name === 'cursor-user')).toHaveLength(1);
    expect(listed.stdout).not.toMatch(/cursor-user .*\(shadowed by .*\.cursor\/mcp\.json/);
  });
});
