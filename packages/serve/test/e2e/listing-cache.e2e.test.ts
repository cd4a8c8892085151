import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { rawRequest, REDIS_BIN, runCall, SERVE_BIN, startRedis, startServe, writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

// A lazy per-user server is listed once, and its listing kept in the store: a process that
// starts later, with the same store and config, lists it from there and starts no process.
const TOKEN = 'listing-cache-token-0123456789';

describe.skipIf(!REDIS_BIN && process.env.CI === undefined)('the listing cache of per-user servers', () => {
  it('lists a per-user server from the store, starting it only for a user', async () => {
    expect(REDIS_BIN, 'redis-server is not installed (apt-get install redis-server)').toBeDefined();
    const redis = await startRedis();
    const dir = await writeTempFiles({
      'upstream/mcp-serve.config.mjs': `export default { name: 'mine', tools: './tools.mjs' };`,
      'upstream/tools.mjs': `export const whoami = { kind: 'tool', name: 'whoami', description: 'its pid', handler: () => String(process.pid) };`,
      // Each start of the upstream leaves a line: the test counts them.
      'upstream/start.mjs': `import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.STARTS, 'start\\n');\nawait import(${JSON.stringify(pathToFileURL(SERVE_BIN).href)});`,
    });
    const starts = join(dir, 'starts.log');
    await writeFile(starts, '');
    const config = (env: Record<string, string>) =>
      `export default { servers: { mine: { command: ${JSON.stringify(process.execPath)}, args: ['./upstream/start.mjs', '--stdio', '--config', './upstream/mcp-serve.config.mjs'], cwd: ${JSON.stringify(dir)}, env: ${JSON.stringify({ STARTS: starts, ...env })}, scope: 'user' } } };`;
    await writeFile(join(dir, 'mcp-serve.config.mjs'), config({}));
    const count = async () => (await readFile(starts, 'utf8')).split('\n').filter(Boolean).length;
    const serve = () => startServe(['--store', redis.url, '--token', TOKEN], { cwd: dir });
    try {
      const first = await serve();
      expect(await count()).toBe(1); // its listing run
      await first.stop();

      const second = await serve();
      try {
        expect(await count()).toBe(1);
        expect(second.stderr()).toContain("upstream mine listed from the store's cache");
        const tools = await runCall(['--url', `${second.url}/mcp`, '--token', TOKEN, 'tools', '--names']);
        expect(tools.stdout.split('\n')).toContain('mine_whoami');
        expect(JSON.parse((await rawRequest(`${second.url}/health`)).text).upstreams.mine).toMatchObject({ state: 'lazy' });
        const called = await runCall(['--url', `${second.url}/mcp`, '--token', TOKEN, 'mine_whoami']);
        expect(called.code, called.stderr).toBe(0);
        expect(await count()).toBe(2); // the user's own
      } finally {
        await second.stop();
      }

      // A changed config is listed again.
      await writeFile(join(dir, 'mcp-serve.config.mjs'), config({ CHANGED: '1' }));
      const third = await serve();
      expect(await count()).toBe(3);
      await third.stop();
    } finally {
      await redis.stop();
    }
  });
});
