import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CALL_BIN, freePort, type OidcProvider, REPO_ROOT, runCall, runNode, startOidcProvider, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// mcp-call logging in to an mcp-serve that a real OpenID Provider (oidc-provider) protects: a
// person logs in through Debian's Chromium (headless, filling the provider's own login and
// consent pages), and CI logs in with client credentials, with no browser at all.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const LOGIN_BROWSER = `${REPO_ROOT}packages/call/test/fixtures/oauth/chromium-login.mjs`;
const DEVICE_BROWSER = `${REPO_ROOT}packages/call/test/fixtures/oauth/chromium-device-login.mjs`;
const PASTE_BROWSER = `${REPO_ROOT}packages/call/test/fixtures/oauth/chromium-paste-login.mjs`;
const TOOLS = `
export const whoami = { name: 'whoami', description: 'Who the token says the caller is', handler: (_args, ctx) => JSON.stringify({ sub: ctx.auth?.sub, client: ctx.auth?.client_id }) };
export const writeFile = { name: 'write_file', description: 'Needs files:write', scopes: ['files:write'], handler: () => 'written' };
`;

describe.skipIf(!CHROMIUM && process.env.CI === undefined)('mcp-call and OAuth 2.1, against oidc-provider and mcp-serve', () => {
  let provider: OidcProvider;
  let server: ServeProcess;
  let mcp: string;
  let home: string;
  const call = (args: string[], env: NodeJS.ProcessEnv = {}) => runCall(args, { env: { ...process.env, XDG_CONFIG_HOME: home, CHROMIUM_PATH: CHROMIUM, ...env }, timeoutMs: 60_000 });

  beforeAll(async () => {
    expect(CHROMIUM, 'chromium is not installed (apt-get install chromium)').toBeDefined();
    provider = await startOidcProvider(['tools:read', 'files:write']);
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };` });
    const port = await freePort();
    mcp = `http://127.0.0.1:${port}/mcp`;
    server = await startServe(['--port', String(port), '--auth-issuer', provider.issuer, '--auth-audience', mcp], { cwd: dir });
  });
  afterAll(async () => {
    await server?.stop();
    await provider?.stop();
  });

  it('in CI, with no terminal and no credentials, exits 3 naming the command that logs in', async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const refused = await call(['whoami', mcp]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(`mcp-call: ${mcp} needs you to log in, and mcp-call opens a browser only at a terminal: run \`mcp-call login ${mcp}\` once, or pass --login, or --client-credentials with --client-id and --client-secret (or --client-key)\n`);
  });

  it('logs in through the browser, keeps the tokens in 0600 files, calls with them, and logs out', { timeout: 120_000 }, async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const login = await call(['login', mcp], { BROWSER: LOGIN_BROWSER });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`mcp-call: ${mcp} needs you to log in; opening your browser at:\n  ${provider.issuer}/auth?`);
    expect(login.stderr).toContain(`mcp-call: logged in to ${mcp} through ${provider.issuer}`);
    // Later calls, with no terminal, use the kept token: the server sees the person who logged in.
    const who = await call(['whoami', mcp]);
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout)).toMatchObject({ sub: 'ada' });
    expect((await call(['write_file', mcp])).stdout).toBe('written\n');
    const directory = join(home, 'mcp-call', 'oauth');
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(directory)) expect((await stat(join(directory, file))).mode & 0o777).toBe(0o600);
    const status = await call(['auth', 'status']);
    expect(status.stdout.startsWith(`${mcp}  logged in, expires in `)).toBe(true);
    expect(status.stdout).toContain(`issuer ${provider.issuer}`);
    const kept = JSON.parse((await call(['auth', 'status', '--json'])).stdout) as Record<string, unknown>[];
    expect(JSON.stringify(kept)).not.toMatch(/access_token|refresh_token|eyJ/);
    // oidc-provider takes DPoP proofs, so the token is bound to mcp-call's key, and mcp-serve checked each proof.
    expect(kept[0]).toMatchObject({ tokenType: 'DPoP' });
    expect((await call(['logout', mcp])).stderr).toBe(`mcp-call: logged out of ${mcp}\n`);
    expect((await call(['auth', 'status'])).stderr).toBe('(no logins)\n');
    expect((await call(['whoami', mcp])).code).toBe(3);
  });

  it('logs in with --no-browser: the login address printed, the address the browser ended on pasted back', { timeout: 120_000 }, async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const child = spawn(process.execPath, [CALL_BIN, 'login', '--no-browser', mcp], {
      env: { ...process.env, XDG_CONFIG_HOME: home, NO_COLOR: '1', BROWSER: '/bin/false' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 200 && !/then paste here/.test(stderr); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const address = /open this address in a browser on any machine:\n {2}(\S+)\n/.exec(stderr)?.[1];
    expect(address, stderr).toMatch(new RegExp(`^${provider.issuer}/auth\\?`));
    // A line that is not the answer is refused, and another is read.
    child.stdin.write('not a url\n');
    const browser = await runNode(PASTE_BROWSER, [address!], { env: { ...process.env, CHROMIUM_PATH: CHROMIUM }, timeoutMs: 60_000 });
    expect(browser.code, browser.stderr).toBe(0);
    expect(browser.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
    // The browser could not reach the loopback address: the login still waits for the pasted one.
    expect(child.exitCode).toBe(null);
    child.stdin.end(browser.stdout);
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain('mcp-call: that is not a URL; paste the whole address from the browser\'s address bar:\n');
    expect(stderr).toContain(`mcp-call: logged in to ${mcp} through ${provider.issuer}`);
    const who = await call(['whoami', mcp]);
    expect(JSON.parse(who.stdout)).toMatchObject({ sub: 'grace' });
  });

  it('logs in with --device: a code entered on another device (RFC 8628), polled for, the token kept', { timeout: 120_000 }, async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const child = spawn(process.execPath, [CALL_BIN, 'login', '--device', mcp], { env: { ...process.env, XDG_CONFIG_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 200 && !/waiting for the login/.test(stderr); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const printed = /open (\S+) on any device and enter the code (\S+)\n {2}\(or open (\S+)\)/.exec(stderr);
    expect(printed, stderr).not.toBeNull();
    expect(printed![1]).toBe(`${provider.issuer}/device`);
    const browser = await runNode(DEVICE_BROWSER, [printed![3]!], { env: { ...process.env, CHROMIUM_PATH: CHROMIUM }, timeoutMs: 60_000 });
    expect(browser.code, browser.stderr).toBe(0);
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain(`mcp-call: logged in to ${mcp} through ${provider.issuer}`);
    const who = await call(['whoami', mcp]);
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout)).toMatchObject({ sub: 'hedy' });
  });

  it('takes client credentials from the config file too (the secret from the environment)', async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const dir = await writeTempFiles({ '.mcp-callrc': JSON.stringify({ url: mcp, oauth: { clientId: provider.client.id, clientCredentials: true, issuer: provider.issuer } }) });
    expect((await runCall(['trust', dir], { env: { XDG_CONFIG_HOME: home } })).code).toBe(0);
    const called = await runCall(['whoami'], { cwd: dir, env: { ...process.env, XDG_CONFIG_HOME: home, MCP_CLIENT_SECRET: provider.client.secret }, timeoutMs: 60_000 });
    expect(called.stderr).toBe('');
    expect(JSON.parse(called.stdout)).toMatchObject({ client: provider.client.id });
  });

  it('logs in with client credentials in CI, with no browser', async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const called = await call(['--client-credentials', '--client-id', provider.client.id, 'whoami', mcp], { MCP_CLIENT_SECRET: provider.client.secret });
    // The secret goes to the authorization server the MCP server names: said, since no --issuer pinned it.
    expect(called.stderr).toBe(`mcp-call: sending the client credentials to ${provider.issuer}, the authorization server the MCP server names (pass --issuer to allow only yours)\n`);
    expect((await call(['--client-credentials', '--client-id', provider.client.id, '--issuer', provider.issuer, 'whoami', mcp], { MCP_CLIENT_SECRET: provider.client.secret })).stderr).toBe('');
    expect(JSON.parse(called.stdout)).toEqual({ sub: provider.client.id, client: provider.client.id });
    const wrong = await call(['--client-credentials', '--client-id', provider.client.id, 'whoami', mcp], { MCP_CLIENT_SECRET: 'not-the-secret' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/\nmcp-call: Could not get an access token for .*invalid_client/);
    expect(wrong.stderr).not.toContain('not-the-secret');
  });

  it('gets a token for a warm server (--keep-alive) as for a plain call, and its daemon uses it', async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const runtime = await mkdtemp(join(tmpdir(), 'mcp-call-run-'));
    const env = { MCP_CLIENT_SECRET: provider.client.secret, XDG_RUNTIME_DIR: runtime };
    const args = ['--client-credentials', '--client-id', provider.client.id, '--issuer', provider.issuer, '--keep-alive', '60', 'whoami', mcp];
    try {
      // The daemon is refused (401) at its start: the run gets a token and starts one that holds it.
      const first = await call(args, env);
      expect(first.stderr).toBe('');
      expect(JSON.parse(first.stdout)).toMatchObject({ client: provider.client.id });
      const second = await call(args, env);
      expect(JSON.parse(second.stdout)).toMatchObject({ client: provider.client.id });
    } finally {
      await call(['stop'], { XDG_RUNTIME_DIR: runtime });
    }
  });

  it('logs in to the legacy SSE endpoint of a server whose audience is its /mcp URL', async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const sse = mcp.replace(/\/mcp$/, '/sse');
    const metadata = (await (await fetch(new URL('/.well-known/oauth-protected-resource/sse', mcp))).json()) as { resource: string };
    expect(metadata.resource).toBe(sse);
    const called = await call(['--client-credentials', '--client-id', provider.client.id, '--issuer', provider.issuer, 'whoami', sse], { MCP_CLIENT_SECRET: provider.client.secret });
    expect(called.stderr).toBe('');
    expect(JSON.parse(called.stdout)).toEqual({ sub: provider.client.id, client: provider.client.id });
    // The person's way too: a login in the browser, then calls over SSE with the kept token.
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    expect((await call(['login', sse], { BROWSER: LOGIN_BROWSER })).code).toBe(0);
    expect(JSON.parse((await call(['whoami', sse])).stdout)).toMatchObject({ sub: 'ada' });
  }, 120_000);

  it('steps up to the union of held and required scopes, with client credentials and with a login', { timeout: 120_000 }, async () => {
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };` });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const scoped = await startServe(['--port', String(port), '--auth-issuer', provider.issuer, '--auth-audience', url, '--auth-scope', 'tools:read'], { cwd: dir });
    try {
      home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
      const machine = await call(['--client-credentials', '--client-id', provider.client.id, '--issuer', provider.issuer, '--verbose', 'write_file', url], { MCP_CLIENT_SECRET: provider.client.secret });
      expect(machine.stdout, machine.stderr).toBe('written\n');
      expect(machine.code).toBe(0);
      // A person: logged in with tools:read, then a tool that needs files:write asks for both.
      home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
      expect((await call(['login', url], { BROWSER: LOGIN_BROWSER })).code).toBe(0);
      expect((await call(['whoami', url])).code).toBe(0);
      const stepped = await call(['--login', 'write_file', url], { BROWSER: LOGIN_BROWSER });
      expect(stepped.stdout, stepped.stderr).toBe('written\n');
      const kept = JSON.parse((await call(['auth', 'status', '--json'])).stdout) as { scope?: string }[];
      expect(kept[0]?.scope?.split(' ').sort()).toEqual(expect.arrayContaining(['files:write', 'tools:read']));
    } finally {
      await scoped.stop();
    }
  });

  it('makes a login store found with loose modes its user\'s alone, and refuses one of another user', async () => {
    const { chmod, chown, mkdir, writeFile } = await import('node:fs/promises');
    home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
    const directory = join(home, 'mcp-call', 'oauth');
    await mkdir(directory, { recursive: true });
    await chmod(directory, 0o777);
    await writeFile(join(directory, 'kept.json'), JSON.stringify({ server: 'http://127.0.0.1:1/mcp', clients: {} }));
    await chmod(join(directory, 'kept.json'), 0o644);
    expect((await call(['auth', 'status'])).code).toBe(0);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(join(directory, 'kept.json'))).mode & 0o777).toBe(0o600);
    if (process.getuid?.() === 0) {
      await chown(directory, 65534, 65534);
      const refused = await call(['auth', 'status']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/keeps tokens in .*oauth, which belongs to another user/);
    }
  });

  it('refreshes an expired token by itself, with no browser', { timeout: 120_000 }, async () => {
    const shortLived = await startOidcProvider(['tools:read', 'files:write'], { accessTokenTtlSeconds: 2 });
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };` });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const guarded = await startServe(['--port', String(port), '--auth-issuer', shortLived.issuer, '--auth-audience', url], { cwd: dir });
    try {
      home = await mkdtemp(join(tmpdir(), 'mcp-call-home-'));
      const login = await call(['login', url], { BROWSER: LOGIN_BROWSER });
      expect(login.code, login.stderr).toBe(0);
      const status = JSON.parse((await call(['auth', 'status', '--json'])).stdout) as { refreshable: boolean }[];
      expect(status[0]!.refreshable).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // The kept token has expired: the server refuses it, mcp-call refreshes it and calls again.
      const called = await call(['whoami', url]);
      expect(called.stderr).toBe('');
      expect(JSON.parse(called.stdout)).toMatchObject({ sub: 'ada' });
    } finally {
      await guarded.stop();
      await shortLived.stop();
    }
  });
});
