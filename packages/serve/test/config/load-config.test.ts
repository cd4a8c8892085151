import { writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config/load-config.ts';

describe('loadConfig discovery', () => {
  it.each([
    ['mcp-serve.config.mjs', 'export default { name: "from-mjs", port: 9001 };'],
    ['mcp-serve.config.js', 'export default { name: "from-js", port: 9001 };'],
    ['mcp-serve.config.cjs', 'module.exports = { name: "from-cjs", port: 9001 };'],
    ['mcp-serve.config.ts', 'const port: number = 9001;\nexport default { name: "from-ts", port };'],
    ['.mcp-serverc', '{ "name": "from-rc", "port": 9001 }'],
    ['.mcp-serverc.yaml', 'name: from-yaml\nport: 9001\n'],
    ['mcp-serve.config.json', '{ "name": "from-json", "port": 9001 }'],
    ['mcp-serve.config.yaml', 'name: from-yaml\nport: 9001\n'],
    ['mcp-serve.config.yml', 'name: from-yml\nport: 9001\n'],
  ])('finds %s in the working directory', async (file, content) => {
    const dir = await writeTempFiles({ [file]: content, 'package.json': '{}' });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded?.filepath).toBe(`${dir}/${file}`);
    expect(loaded?.config.port).toBe(9001);
    expect(loaded?.baseDir).toBe(dir);
  });

  it('reads the "mcp-serve" key of package.json', async () => {
    const dir = await writeTempFiles({ 'package.json': JSON.stringify({ 'mcp-serve': { name: 'pkg', port: 7 } }) });
    expect((await loadConfig({ cwd: dir }))?.config).toEqual({ name: 'pkg', port: 7 });
  });

  it('returns undefined when there is no config at all', async () => {
    const dir = await writeTempFiles({ 'package.json': '{"name":"x"}' });
    expect(await loadConfig({ cwd: dir })).toBeUndefined();
  });

  it('loads an explicit path and names a missing one', async () => {
    const dir = await writeTempFiles({ 'conf/my.json': '{"port": 1234}' });
    expect((await loadConfig({ cwd: dir, explicitPath: `${dir}/conf/my.json` }))?.baseDir).toBe(`${dir}/conf`);
    await expect(loadConfig({ cwd: dir, explicitPath: `${dir}/nope.json` })).rejects.toThrow(
      /^Config file not found: .*nope\.json \(check the --config path\)$/,
    );
  });
});

describe('loadConfig validation', () => {
  it('names the file, the key, what was found and what is expected', async () => {
    const dir = await writeTempFiles({ '.mcp-serverc': '{ "port": "eighty" }' });
    const error = await loadConfig({ cwd: dir }).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'E_CONFIG_INVALID', exitCode: 2 });
    expect((error as Error).message).toBe(
      `Invalid config ${dir}/.mcp-serverc: key "port": expected number, received string (found "eighty")`,
    );
  });

  it('rejects unknown keys and lists the known ones', async () => {
    const dir = await writeTempFiles({ '.mcp-serverc': '{ "prot": 80 }' });
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/unknown key "prot"; did you mean "port"\? \(known keys: name, version/);
  });

  it('checks nested keys and ranges', async () => {
    const dir = await writeTempFiles({ '.mcp-serverc': '{ "port": 70000, "paths": { "sse": "nope" } }' });
    const message = (await loadConfig({ cwd: dir }).catch((e: Error) => e)) as Error;
    expect(message.message).toContain('key "port": Too big');
    expect(message.message).toContain('key "paths.sse"');
    expect(message.message).not.toContain('\n');
  });

  it('reports a syntax error in a config module on one line', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': 'export default {' });
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/^Cannot load config .*mcp-serve\.config\.mjs: [^\n]+$/);
  });
});

describe('loadConfig errors say where and why', () => {
  it.each([
    ['.mcp-serverc.yaml', 'name: x\n  port: [1\n', /YAML syntax error at line 2, column 7: bad indentation of a mapping entry$/],
    ['.mcp-serverc.json', '{\n "name": "x",\n "port": 1,,\n}\n', /JSON syntax error at line 3, column 12: Expected double-quoted property name$/],
    ['mcp-serve.config.ts', 'const port: number = ;\nexport default { port };\n', /syntax error at line 1, column \d+: Unexpected token/],
  ])('%s: the parser message with line and column, on one line', async (file, content, expected) => {
    const dir = await writeTempFiles({ [file]: content, 'package.json': '{"type":"module"}' });
    const error = await loadConfig({ cwd: dir }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(expected);
    expect((error as Error).message).not.toContain('\n');
  });

  it('suggests the closest known key, at the root and inside limits', async () => {
    const dir = await writeTempFiles({ '.mcp-serverc.json': '{"prot": 1, "limits": {"maxBodyByte": 3}}', 'package.json': '{}' });
    const error = (await loadConfig({ cwd: dir }).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/unknown key "maxBodyByte" in "limits"; did you mean "maxBodyBytes"\?/);
    expect(error.message).toMatch(/unknown key "prot"; did you mean "port"\?/);
  });
});
