import { freePort, type OidcProvider, rawRequest, REDIS_BIN, runCall, SERVE_BIN, startOidcProvider, startRedis, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Per-user secrets: each user sets their own with `mcp-call secrets set`, sent to the gateway
// over their authenticated connection; their own upstream gets it as ${user.secrets.NAME},
// nobody else's does, and it never shows in /health, the server's output or an error.
const UPSTREAM_TOOLS = `
export const key = { kind: 'tool', name: 'key', description: 'the key this upstream was started with', handler: () => JSON.stringify({ pid: process.pid, user: process.env.USER_SUB, key: process.env.API_KEY }) };
const watching = new Set();
export const board = { kind: 'resource', uri: 'test://board', name: 'board', read: () => 'board', subscribe: (notify) => { watching.add(notify); return () => watching.delete(notify); } };
export const touch = { kind: 'tool', name: 'touch', description: 'changes the board', handler: () => { for (const notify of watching) notify(); return 'touched ' + process.pid; } };
`;
const CONFIG = (dir: string) => `export default { servers: { vault: {
  command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(SERVE_BIN)}, '--stdio', '--config', ${JSON.stringify(`${dir}/upstream/mcp-serve.config.mjs`)}],
  env: { USER_SUB: '\${user.sub}', API_KEY: '\${user.secrets.API_KEY}' }, scope: 'user',
} } };`;
const ADA_KEY = 'ada-key-0123456789';
const GRACE_KEY = 'grace-key-9876543210';

describe('per-user secrets', () => {
  let oidc: OidcProvider;
  let gateway: ServeProcess;
  const tokens: Record<string, string> = {};
  const call = (user: string, args: string[], input?: string) => runCall(['--url', `${gateway.url}/mcp`, '--token', tokens[user]!, ...args], input === undefined ? {} : { input });
  const key = async (user: string) => JSON.parse((await call(user, ['vault_key'])).stdout) as { pid: number; user: string; key: string };

  beforeAll(async () => {
    oidc = await startOidcProvider(['mcp:tools'], { users: ['ada', 'grace', 'linus'] });
    const port = await freePort();
    const audience = `http://127.0.0.1:${port}/mcp`;
    const dir = await writeTempFiles({ 'upstream/mcp-serve.config.mjs': `export default { name: 'vault', tools: './tools.mjs' };`, 'upstream/tools.mjs': UPSTREAM_TOOLS });
    const config = await writeTempFiles({ 'mcp-serve.config.mjs': CONFIG(dir) });
    gateway = await startServe(['--port', String(port), '--auth-issuer', oidc.issuer, '--auth-audience', audience], { cwd: config });
    for (const user of ['ada', 'grace', 'linus']) tokens[user] = await oidc.token(audience, 'mcp:tools', user);
  });
  afterAll(async () => {
    await gateway?.stop();
    await oidc?.stop();
  });

  it('tells a user with no secret how to set it, naming the secret and not starting the upstream', async () => {
    const missing = await call('linus', ['vault_key']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Server "vault" needs your secret API_KEY: set it with mcp-call secrets set vault API_KEY');
    expect(JSON.parse((await rawRequest(`${gateway.url}/health`)).text).upstreams.vault.upstreams).toMatchObject({ running: 0, idle: 0, starting: 0 });
  });

  it("gives each user's upstream that user's own secret", async () => {
    expect((await call('ada', ['secrets', 'set', 'vault', 'API_KEY'], `${ADA_KEY}\n`)).code).toBe(0);
    expect((await call('grace', ['secrets', 'set', 'vault', 'API_KEY'], GRACE_KEY)).code).toBe(0);
    expect(await key('ada')).toMatchObject({ user: 'ada', key: ADA_KEY });
    expect(await key('grace')).toMatchObject({ user: 'grace', key: GRACE_KEY });
    // Names only, and each user's own.
    expect((await call('ada', ['secrets', 'list'])).stdout).toBe('vault: API_KEY (set)\n');
    expect((await call('linus', ['secrets', 'list'])).stdout).toBe('vault: API_KEY (not set)\n');
  });

  it('starts the upstream again with a changed secret, and refuses it once deleted', async () => {
    const before = await key('ada');
    expect((await call('ada', ['secrets', 'set', 'vault', 'API_KEY'], 'ada-new-key-5555')).code).toBe(0);
    const after = await key('ada');
    expect(after.key).toBe('ada-new-key-5555');
    expect(after.pid).not.toBe(before.pid);
    expect((await key('grace')).key).toBe(GRACE_KEY);
    expect((await call('ada', ['secrets', 'delete', 'vault', 'API_KEY'])).code).toBe(0);
    expect((await call('ada', ['vault_key'])).stderr).toContain('needs your secret API_KEY');
  });

  it('keeps values out of /health and the server output, and takes them only from stdin', async () => {
    const health = (await rawRequest(`${gateway.url}/health`)).text;
    for (const value of [ADA_KEY, GRACE_KEY, 'ada-new-key-5555']) {
      expect(health).not.toContain(value);
      expect(gateway.stderr()).not.toContain(value);
    }
    const empty = await call('ada', ['secrets', 'set', 'vault', 'API_KEY'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No value for API_KEY for vault');
    const unknown = await call('ada', ['secrets', 'set', 'nowhere', 'API_KEY'], 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Server "nowhere" takes no secrets here; these do: vault');
  });

  it("keeps a user's resource subscriptions through a change of their secret", async () => {
    expect((await call('grace', ['secrets', 'set', 'vault', 'API_KEY'], GRACE_KEY)).code).toBe(0);
    const client = new Client({ name: 'e2e', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${tokens.grace!}` } } });
    await client.connect(transport);
    const heard: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void heard.push(notification.params.uri));
    const keyNow = async () => JSON.parse(((await client.callTool({ name: 'vault_key', arguments: {} })).content as { text: string }[])[0]!.text) as { pid: number; key: string };
    const touched = async (count: number) => {
      await client.callTool({ name: 'vault_touch', arguments: {} });
      await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(count);
    };
    try {
      await client.subscribeResource({ uri: 'test://board' });
      const before = await keyNow();
      await touched(1);
      // The new secret needs a new process: it takes the subscription over from the old one.
      expect((await call('grace', ['secrets', 'set', 'vault', 'API_KEY'], 'grace-rotated-key-4242')).code).toBe(0);
      const after = await keyNow();
      expect(after).toMatchObject({ key: 'grace-rotated-key-4242' });
      expect(after.pid).not.toBe(before.pid);
      await touched(2);
      expect(heard).toEqual(['test://board', 'test://board']);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });
});

describe.skipIf(!REDIS_BIN && process.env.CI === undefined)('per-user secrets in a Redis store', () => {
  it('are sealed at rest, open in another process with the same key, and need a key', async () => {
    expect(REDIS_BIN, 'redis-server is not installed (apt-get install redis-server)').toBeDefined();
    const redis = await startRedis();
    const dir = await writeTempFiles({ 'upstream/mcp-serve.config.mjs': `export default { name: 'vault', tools: './tools.mjs' };`, 'upstream/tools.mjs': UPSTREAM_TOOLS });
    const config = await writeTempFiles({ 'mcp-serve.config.mjs': CONFIG(dir) });
    const env = { MCP_SERVE_SECRETS_KEY: 'a-test-key-of-32-characters-or-more-0123' };
    const tokenArgs = ['--token', 'team-token-ada-0123456789'];
    const first = await startServe(['--store', redis.url, ...tokenArgs], { cwd: config, env });
    const second = await startServe(['--store', redis.url, ...tokenArgs], { cwd: config, env });
    const keyless = await startServe(['--store', redis.url, ...tokenArgs], { cwd: config });
    try {
      const via = (server: ServeProcess, args: string[], input?: string) => runCall(['--url', `${server.url}/mcp`, '--token', 'team-token-ada-0123456789', ...args], input === undefined ? {} : { input });
      expect((await via(first, ['secrets', 'set', 'vault', 'API_KEY'], ADA_KEY)).code).toBe(0);
      expect(JSON.parse((await via(second, ['vault_key'])).stdout).key).toBe(ADA_KEY);
      // Changed through the first process, the secret reaches the upstream the second one runs:
      // the store tells every process, and the second starts the user's upstream again.
      expect((await via(first, ['secrets', 'set', 'vault', 'API_KEY'], 'ada-rotated-key-777')).code).toBe(0);
      const deadline = Date.now() + 5_000;
      let seen = '';
      while (seen !== 'ada-rotated-key-777' && Date.now() < deadline) seen = (JSON.parse((await via(second, ['vault_key'])).stdout) as { key: string }).key;
      expect(seen).toBe('ada-rotated-key-777');
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys('mcp-serve:fields:secrets:vault:*');
        expect(keys).toHaveLength(1);
        const stored = await client.hgetall(keys[0]!);
        expect(Object.keys(stored)).toEqual(['API_KEY']);
        expect(stored.API_KEY!.split('.')).toHaveLength(5); // a compact JWE
        expect(JSON.stringify(stored)).not.toContain(ADA_KEY);
        expect(keys[0]).not.toContain('team-token');
      } finally {
        client.disconnect();
      }
      const refused = await via(keyless, ['secrets', 'set', 'vault', 'API_KEY'], ADA_KEY);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('set MCP_SERVE_SECRETS_KEY');
    } finally {
      await Promise.all([first.stop(), second.stop(), keyless.stop()]);
      await redis.stop();
    }
  });
});
