import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { REPO_ROOT, runCall, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SDK_SERVER = `node ${REPO_ROOT}packages/call/test/fixtures/stdio/sdk-server.mjs`;
// Node 22+ keeps compiled code itself (module.enableCompileCache); the bin's own cache is Node 20's.
const OWN_CACHE = process.versions.node.startsWith('20.');

/** The one install folder under the cache's `mcp-call/code`, and its entries. */
async function entriesIn(cacheHome: string): Promise<{ folder: string; names: string[] }> {
  const code = join(cacheHome, 'mcp-call', 'code');
  const [install] = await readdir(code);
  const folder = join(code, install!);
  return { folder, names: (await readdir(folder)).sort() };
}

describe.runIf(OWN_CACHE)('compiled code kept between runs (Node 20)', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe([]);
  });
  afterAll(async () => {
    await serve.stop();
  });

  it('is written by the first call, read by the next, and import() still works in cached code', async () => {
    const cacheHome = await writeTempFiles({});
    const env = { XDG_CACHE_HOME: cacheHome };
    const first = await runCall(['--url', `${serve.url}/mcp`, 'greet', '--name', 'Ada'], { env });
    expect(first).toMatchObject({ code: 0, stdout: 'Hello Hello, Ada!\n' });
    const { folder, names } = await entriesIn(cacheHome);
    expect(names.some((name) => name.startsWith('cli.cjs-'))).toBe(true);
    expect(names.some((name) => name.startsWith('call-path-'))).toBe(true);
    for (const name of names) expect((await stat(join(folder, name))).mode & 0o777).toBe(0o600);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);

    const second = await runCall(['--url', `${serve.url}/mcp`, 'greet', '--name', 'Bo'], { env });
    expect(second).toMatchObject({ code: 0, stdout: 'Hello Hello, Bo!\n', stderr: '' });

    // The stdio transport's chunk loads cross-spawn and shell-quote with import(): from the cache too.
    for (const name of ['Cy', 'Di']) {
      const viaStdio = await runCall(['--stdio', SDK_SERVER, 'echo', '--text', name], { env });
      expect(viaStdio).toMatchObject({ code: 0, stdout: `{"text":"${name}"}\n`, stderr: '' });
    }
    expect((await entriesIn(cacheHome)).names.some((name) => name.startsWith('stdio-transport-'))).toBe(true);
  });

  it('ignores and rewrites an entry others could write or V8 rejects, and drops stale ones', async () => {
    const cacheHome = await writeTempFiles({});
    const env = { XDG_CACHE_HOME: cacheHome };
    expect((await runCall(['--url', `${serve.url}/mcp`, 'greet', '--name', 'Ada'], { env })).code).toBe(0);
    const { folder, names } = await entriesIn(cacheHome);
    const cli = join(folder, names.find((name) => name.startsWith('cli.cjs-'))!);
    const command = join(folder, names.find((name) => name.startsWith('call-path-'))!);
    await chmod(cli, 0o666);
    await writeFile(command, 'not V8 code at all', { mode: 0o600 });
    await writeFile(join(folder, 'gone-chunk.cjs-10-20'), 'old', { mode: 0o600 });

    const again = await runCall(['--url', `${serve.url}/mcp`, 'greet', '--name', 'Bo'], { env });
    expect(again).toMatchObject({ code: 0, stdout: 'Hello Hello, Bo!\n', stderr: '' });
    expect((await stat(cli)).mode & 0o777).toBe(0o600);
    expect((await stat(command)).size).toBeGreaterThan(1000);
    expect(await readdir(folder)).not.toContain('gone-chunk.cjs-10-20');
  });

  it('is not written with NODE_DISABLE_COMPILE_CACHE', async () => {
    const cacheHome = await writeTempFiles({});
    const result = await runCall(['--url', `${serve.url}/mcp`, 'greet', '--name', 'Ada'], { env: { XDG_CACHE_HOME: cacheHome, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(result).toMatchObject({ code: 0, stdout: 'Hello Hello, Ada!\n' });
    expect(await readdir(cacheHome)).toEqual([]);
  });
});
