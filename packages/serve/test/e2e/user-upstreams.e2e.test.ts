import { pathToFileURL } from 'node:url';

import { freePort, type OidcProvider, rawRequest, REPO_ROOT, runCall, SERVE_BIN, startOidcProvider, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The gateway for many users: a stdio upstream with scope "user" behind OAuth, with tokens of
// two (then three) users from the real oidc-provider. Each user gets a process of its own,
// started with its own ${user.sub}, seeing only its own roots; idle ones stop; past the cap a
// user is told so while the others keep working.
// Each process's own board: its subscribers hear of a touch of it, and no one else.
const BOARD = `
const watching = new Set();
export const board = { kind: 'resource', uri: 'test://board', name: 'board', read: () => 'board of ' + process.env.USER_SUB, subscribe: (notify) => { watching.add(notify); return () => watching.delete(notify); } };
export const touch = { kind: 'tool', name: 'touch', description: 'changes the board', handler: () => { for (const notify of watching) notify(); return 'touched ' + process.env.USER_SUB; } };
`;
const UPSTREAM_TOOLS = `
export const whoami = { kind: 'tool', name: 'whoami', description: 'who runs here', handler: () => JSON.stringify({ pid: process.pid, user: process.env.USER_SUB, email: process.env.USER_EMAIL }) };
export const roots = { kind: 'tool', name: 'roots', description: 'the roots the caller declared', handler: async (_args, ctx) => JSON.stringify((await ctx.roots()).map((root) => root.uri)) };
export const greeting = { kind: 'prompt', name: 'greeting', description: 'greets', arguments: [{ name: 'who' }], get: ({ who }) => 'hello ' + who, complete: { who: () => [String(process.env.USER_SUB), String(process.pid)] } };
export const hold = { kind: 'tool', name: 'hold', description: 'waits', input: { type: 'object', properties: { ms: { type: 'number' } } }, handler: ({ ms }) => new Promise((resolve) => setTimeout(resolve, ms, 'held ' + process.env.USER_SUB)) };
`;

describe('scope: "user" upstreams', () => {
  let oidc: OidcProvider;
  let gateway: ServeProcess;
  let dir: string;
  let audience: string;
  const tokens: Record<string, string> = {};
  const call = (user: string, args: string[]) => runCall(['--url', `${gateway.url}/mcp`, '--token', tokens[user]!, ...args]);
  const whoami = async (user: string) => JSON.parse((await call(user, ['mine_whoami'])).stdout) as { pid: number; user: string };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const health = async () => JSON.parse((await rawRequest(`${gateway.url}/health`)).text) as { upstreams: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    oidc = await startOidcProvider(['mcp:tools'], { users: ['ada', 'grace', 'linus'] });
    const port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    dir = await writeTempFiles({
      'roots/ada/notes.txt': 'ada',
      'roots/grace/notes.txt': 'grace',
      'upstream/mcp-serve.config.mjs': `export default { name: 'mine', tools: ['./tools.mjs', './board.mjs'], prompts: './tools.mjs' };`,
      'upstream/board.mjs': BOARD,
      'upstream/mail.config.mjs': `export default { name: 'mail', tools: './tools.mjs', prompts: './tools.mjs' };`,
      'upstream/tools.mjs': UPSTREAM_TOOLS,
      'mcp-serve.config.mjs': `export default { servers: { mine: {
        command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SERVE_BIN)}, '--stdio', '--config', './upstream/mcp-serve.config.mjs'],
        env: { USER_SUB: '\${user.sub}' }, scope: 'user', idleTimeout: 3, maxUpstreams: 2,
      }, mail: {
        command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SERVE_BIN)}, '--stdio', '--config', './upstream/mail.config.mjs'],
        env: { USER_EMAIL: '\${user.claims.email}' }, scope: 'user',
      } } };`,
    });
    gateway = await startServe(['--port', String(port), '--auth-issuer', oidc.issuer, '--auth-audience', audience], { cwd: dir });
    for (const user of ['ada', 'grace', 'linus']) tokens[user] = await oidc.token(audience, 'mcp:tools', user);
  });
  afterAll(async () => {
    await gateway?.stop();
    await oidc?.stop();
  });

  it('says in the banner how each server is shared', () => {
    expect(gateway.stderr()).toMatch(/upstreams +mine \(per user, at most 2\), mail \(per user, at most 100\)/);
  });

  it('lists the tools with no user upstream running, and starts none until a call', async () => {
    const listed = await call('ada', ['tools']);
    expect(listed.stdout).toContain('mine_whoami');
    expect((await health()).upstreams.mine).toMatchObject({ state: 'lazy', scope: 'user', upstreams: { running: 0, idle: 0, starting: 0 } });
  });

  it("completes a prompt's arguments from the caller's own upstream", async () => {
    const ada = await whoami('ada');
    const completed = await call('ada', ['complete', 'prompt', 'mine_greeting', 'who', '']);
    expect(completed.stdout.trim().split('\n')).toEqual(['ada', String(ada.pid)]);
    const grace = (await call('grace', ['complete', 'prompt', 'mine_greeting', 'who', ''])).stdout.trim().split('\n');
    expect(grace[0]).toBe('grace');
    expect(grace[1]).not.toBe(String(ada.pid));
  });

  it('gives each user a process of its own, shared by that user\'s sessions', async () => {
    const ada = await whoami('ada');
    const grace = await whoami('grace');
    expect(ada.user).toBe('ada');
    expect(grace.user).toBe('grace');
    expect(ada.pid).not.toBe(grace.pid);
    // A new session (each mcp-call is one) of the same user reaches the same process.
    expect((await whoami('ada')).pid).toBe(ada.pid);
    // Alone on its route, the server is still each user's own: the same process, under its own names.
    const alone = async (user: string) => JSON.parse((await runCall(['--url', `${gateway.url}/mcp/mine`, '--token', tokens[user]!, 'whoami'])).stdout) as { pid: number };
    expect((await alone('ada')).pid).toBe(ada.pid);
    expect((await alone('grace')).pid).toBe(grace.pid);
    // It takes the endpoint's tokens, and says so where RFC 9728 has a client look for its route.
    const metadata = await rawRequest(`${gateway.url}/.well-known/oauth-protected-resource/mcp/mine`);
    expect(JSON.parse(metadata.text)).toMatchObject({ resource: audience, authorization_servers: [oidc.issuer] });
    const state = await health();
    expect(state.upstreams.mine).toMatchObject({ upstreams: { idle: 2 } });
    // Counts, never who: no user name in /health.
    expect(JSON.stringify(state)).not.toMatch(/ada|grace/);
  });

  it('asks each user\'s own client for its roots', async () => {
    const ada = await call('ada', ['--root', `${dir}/roots/ada`, 'mine_roots']);
    const grace = await call('grace', ['--root', `${dir}/roots/grace`, 'mine_roots']);
    expect(JSON.parse(ada.stdout)).toEqual([pathToFileURL(`${dir}/roots/ada`).href]);
    expect(JSON.parse(grace.stdout)).toEqual([pathToFileURL(`${dir}/roots/grace`).href]);
  });

  it("tells each user of changes to a resource on that user's own upstream alone", async () => {
    const connect = async (user: string) => {
      const client = new Client({ name: 'e2e', version: '1' });
      const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${tokens[user]!}` } } });
      await client.connect(transport);
      const heard: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void heard.push(notification.params.uri));
      await client.subscribeResource({ uri: 'test://board' });
      // Ending the session ends its subscription: the upstream may then be stopped as idle.
      const end = async () => {
        await transport.terminateSession();
        await client.close();
      };
      return { client, heard, end };
    };
    const ada = await connect('ada');
    const grace = await connect('grace');
    const waitFor = async (heard: string[], count: number) => {
      const deadline = Date.now() + 10_000;
      while (heard.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toHaveLength(count);
    };
    expect((await ada.client.callTool({ name: 'mine_touch', arguments: {} })).content).toEqual([{ type: 'text', text: 'touched ada' }]);
    await waitFor(ada.heard, 1);
    await grace.client.callTool({ name: 'mine_touch', arguments: {} });
    await waitFor(grace.heard, 1);
    // Each heard only its own upstream's change: one each, read back as its own.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ada.heard).toEqual(['test://board']);
    expect(grace.heard).toEqual(['test://board']);
    expect((await grace.client.readResource({ uri: 'test://board' })).contents).toEqual([expect.objectContaining({ text: 'board of grace' })]);
    await ada.end();
    await grace.end();
  });

  it('tells a user past the cap, while the others keep working', async () => {
    // Both slots busy: ada's and grace's upstreams each hold a call.
    const holding = [call('ada', ['mine_hold', '--ms', '4000']), call('grace', ['mine_hold', '--ms', '4000'])];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refused = await call('linus', ['mine_whoami']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Server "mine" has no room for another user: it is at its limit of 2 (maxUpstreams)');
    const [ada, grace] = (await Promise.all(holding)) as [Awaited<(typeof holding)[0]>, Awaited<(typeof holding)[1]>];
    expect(ada.stdout).toBe('held ada\n');
    expect(grace.stdout).toBe('held grace\n');
    // Once a slot is idle, the least recently used upstream makes room for the third user.
    const linus = await whoami('linus');
    expect(linus.user).toBe('linus');
  });

  it('fills a claim of the caller\'s token in, and names a claim the token lacks', async () => {
    // A token of the provider's own key that carries an email claim, as an identity provider's would.
    const withEmail = await new SignJWT({ scope: 'mcp:tools', email: 'hopper@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: oidc.kid, typ: 'at+jwt' })
      .setIssuer(oidc.issuer)
      .setAudience(audience)
      .setSubject('hopper')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(oidc.signingKey);
    const hopper = await runCall(['--url', `${gateway.url}/mcp`, '--token', withEmail, 'mail_whoami']);
    expect(JSON.parse(hopper.stdout)).toEqual({ pid: expect.any(Number), email: 'hopper@example.com' });
    const ada = await call('ada', ['mail_whoami']);
    expect(ada.code).not.toBe(0);
    expect(ada.stderr).toContain('Server "mail" needs the caller\'s "email" claim');
  });

  it('stops an upstream after idleTimeout with no call', async () => {
    const { pid } = await whoami('grace');
    expect(alive(pid)).toBe(true);
    await expect.poll(() => alive(pid), { timeout: 15_000, interval: 250 }).toBe(false);
    await expect.poll(async () => (await health()).upstreams.mine!.upstreams, { timeout: 5_000 }).toEqual({ running: 0, idle: 0, starting: 0 });
    // And the next call starts it again.
    expect((await whoami('grace')).user).toBe('grace');
  });
});

describe('scope: "user" with server-memory and server-everything', () => {
  let gateway: ServeProcess;
  let dir: string;
  // Static tokens: each is a user of its own.
  const call = (token: string, args: string[]) => runCall(['--url', `${gateway.url}/mcp`, '--token', token, ...args]);

  beforeAll(async () => {
    dir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { servers: {
        memory: { command: 'mcp-server-memory', env: { MEMORY_FILE_PATH: '${'${'}user.id}.jsonl' }, cwd: '.', scope: 'user' },
        everything: { command: 'mcp-server-everything', args: ['stdio'], scope: 'user', allow: ['echo'] },
      } };`,
    });
    gateway = await startServe(['--token', 'team-token-ada-0123456789', '--token', 'team-token-grace-0123456789'], { cwd: dir, env: { PATH: `${REPO_ROOT}packages/call/node_modules/.bin:${process.env.PATH}` } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('keeps each user\'s memory graph its own', async () => {
    const created = await call('team-token-ada-0123456789', ['memory_create_entities', '--entities', '[{"name":"Ada-only","entityType":"person","observations":["private to ada"]}]']);
    expect(created.code, created.stderr).toBe(0);
    const adaGraph = await call('team-token-ada-0123456789', ['memory_read_graph']);
    const graceGraph = await call('team-token-grace-0123456789', ['memory_read_graph']);
    expect(adaGraph.stdout).toContain('private to ada');
    expect(graceGraph.code, graceGraph.stderr).toBe(0);
    expect(graceGraph.stdout).not.toContain('Ada-only');
    // And server-everything answers each user from a process of that user's.
    expect((await call('team-token-grace-0123456789', ['everything_echo', '--message', 'from grace'])).stdout).toContain('from grace');
    expect(await health(gateway)).toMatchObject({ memory: { upstreams: { idle: 2 } }, everything: { upstreams: { idle: 1 } } });
    // Its resource template's variable completes, asked of the caller's own process.
    const completed = await call('team-token-ada-0123456789', ['complete', 'resource', 'demo://resource/dynamic/text/{resourceId}', 'resourceId', '42']);
    expect(completed.code, completed.stderr).toBe(0);
    expect(completed.stdout.trim()).toBe('42');
    expect(await health(gateway)).toMatchObject({ everything: { upstreams: { idle: 2 } } });
  });
});

async function health(server: ServeProcess): Promise<Record<string, unknown>> {
  return (JSON.parse((await rawRequest(`${server.url}/health`)).text) as { upstreams: Record<string, unknown> }).upstreams;
}
