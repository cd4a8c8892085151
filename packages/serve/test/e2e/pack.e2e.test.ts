import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '@mcp-cli/test-utils';
import { expect, it } from 'vitest';

const exec = promisify(execFile);

// The published packages, packed and installed with npm into an empty directory, must run alone.
it('packs mcp-serve and mcp-call into tarballs that run after a plain npm install', { timeout: 240_000 }, async () => {
  const packDir = await mkdtemp(join(tmpdir(), 'mcp-pack-'));
  for (const pkg of ['serve', 'call']) {
    // A real pack builds first (prepack); here the test run has built already, and a rebuild
    // would empty dist/ under the tests running beside this one.
    const manifest = JSON.parse(await readFile(`${REPO_ROOT}packages/${pkg}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.prepack).toBe(manifest.scripts.build);
    await exec('npx', ['-y', 'pnpm@10', 'pack', '--config.ignore-scripts=true', '--pack-destination', packDir], { cwd: `${REPO_ROOT}packages/${pkg}` });
  }
  const tarballs = (await readdir(packDir)).filter((f) => f.endsWith('.tgz')).map((f) => join(packDir, f));
  expect(tarballs).toHaveLength(2);
  for (const [name, bin] of [['mcp-serve', 'mcp-serve.js'], ['mcp-call', 'mcp-call.cjs']] as const) {
    const { stdout: listing } = await exec('tar', ['-tzf', tarballs.find((t) => t.includes(name))!]);
    for (const file of [`package/bin/${bin}`, 'package/README.md', 'package/LICENSE']) expect(listing, name).toContain(file);
    expect(listing).not.toContain('package/src/');
  }
  const { stdout: serveListing } = await exec('tar', ['-tzf', tarballs.find((t) => t.includes('mcp-serve'))!]);
  expect(serveListing).toContain('package/dist/hello/resources/greeting.txt');

  const app = await mkdtemp(join(tmpdir(), 'mcp-app-'));
  await exec('npm', ['install', '--no-audit', '--no-fund', ...tarballs], { cwd: app });

  const server = spawn('npx', ['mcp-serve', '--host', '0.0.0.0', '--port', '0'], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true, // its own process group, so npx and mcp-serve stop together
  });
  try {
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const match = /ready http:\/\/0\.0\.0\.0:(\d+)/.exec(stderr);
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      server.once('exit', () => reject(new Error(stderr)));
    });
    expect(stderr).toContain('without a token');
    const { stdout } = await exec('npx', ['mcp-call', 'greet', '--name', 'Azure OpenAI'], { cwd: app, env: { ...process.env, MCP_URL: url } });
    expect(stdout).toBe('Hello Hello, Azure OpenAI!\n');
  } finally {
    process.kill(-server.pid!, 'SIGTERM');
  }
});
