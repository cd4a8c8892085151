import { writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

import { loadModules } from '../../src/config/load-modules.ts';
import { buildRegistry } from '../../src/server/registry.ts';

const tool = (name: string) =>
  `export default { kind: 'tool', name: '${name}', description: 'd', handler: () => 'ok' };`;

describe('loadModules', () => {
  it('loads .js, .mjs, .cjs and .ts modules through a glob', async () => {
    const dir = await writeTempFiles({
      'tools/a.js': tool('a'),
      'tools/b.mjs': tool('b'),
      'tools/c.cjs': `module.exports = { kind: 'tool', name: 'c', description: 'd', handler: () => 'ok' };`,
      'tools/d.ts': `const name: string = 'd';\nexport default { kind: 'tool', name, description: 'd', handler: (): string => 'ok' };`,
      'package.json': '{"type":"module"}',
    });
    const modules = await loadModules([{ pattern: 'tools/*.{js,mjs,cjs,ts}', baseDir: dir }]);
    const names = modules.flatMap((m) => m.definitions.map((d) => (d as { name: string }).name));
    expect(names.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('collects several named exports and arrays', async () => {
    const dir = await writeTempFiles({
      'many.mjs': `export const one = { kind: 'tool', name: 'one', description: 'd', handler: () => 1 };
        export const list = [{ kind: 'prompt', name: 'p', description: 'd', get: () => 'x' }];
        export const notADefinition = 42;`,
    });
    const [loaded] = await loadModules([{ pattern: 'many.mjs', baseDir: dir }]);
    expect(loaded!.definitions.map((d) => d.kind).sort()).toEqual(['prompt', 'tool']);
  });

  it('fails with the file and reason when a module throws on import', async () => {
    const dir = await writeTempFiles({ 'bad.mjs': `throw new Error('boom at import');` });
    await expect(loadModules([{ pattern: 'bad.mjs', baseDir: dir }])).rejects.toThrow(
      `Cannot load module ${dir}/bad.mjs: boom at import`,
    );
  });

  it('fails with the file when a module has a syntax error', async () => {
    const dir = await writeTempFiles({ 'syntax.mjs': `export default {` });
    await expect(loadModules([{ pattern: 'syntax.mjs', baseDir: dir }])).rejects.toThrow(/syntax\.mjs: \S/);
  });

  it('fails when a module exports nothing valid', async () => {
    const dir = await writeTempFiles({ 'empty.mjs': `export const x = 1;` });
    await expect(loadModules([{ pattern: 'empty.mjs', baseDir: dir }])).rejects.toThrow(
      /empty\.mjs: exports no tool, resource or prompt/,
    );
  });

  it('fails when a definition is incomplete, naming the field', async () => {
    const dir = await writeTempFiles({ 'half.mjs': `export default { kind: 'tool', description: 'no name', handler() {} };` });
    await expect(loadModules([{ pattern: 'half.mjs', baseDir: dir }])).rejects.toThrow(
      /half\.mjs \(export "default"\): tool needs a non-empty string "name"/,
    );
  });

  it('takes a tool and a prompt without a description, which MCP makes optional', async () => {
    const dir = await writeTempFiles({ 'bare.mjs': `export const t = { kind: 'tool', name: 't', handler() { return 'ok'; } };\nexport const p = { kind: 'prompt', name: 'p', get: () => 'hi' };` });
    const registry = buildRegistry(await loadModules([{ pattern: 'bare.mjs', baseDir: dir }]));
    expect([...registry.tools.keys(), ...registry.prompts.keys()]).toEqual(['t', 'p']);
    const typed = await writeTempFiles({ 'typed.mjs': `export default { kind: 'tool', name: 't', description: 7, handler() {} };` });
    await expect(loadModules([{ pattern: 'typed.mjs', baseDir: typed }])).rejects.toThrow(/tool "description" must be a string/);
  });

  it('refuses at start-up an input that is properties without the object schema around them', async () => {
    expect(() => buildRegistry([{ file: 'shape.mjs', definitions: [{ kind: 'tool', name: 'echo', handler: () => '', input: { msg: { type: 'string' } } }] } as never])).toThrow(
      /"msg" is not a JSON Schema keyword\): write a zod shape \(\{ msg: z\.string\(\) \}\) or \{ type: 'object', properties: \{ msg: … \} \}/,
    );
  });

  it('fails for a missing file and for a glob that matches nothing', async () => {
    const dir = await writeTempFiles({});
    await expect(loadModules([{ pattern: 'nope.ts', baseDir: dir }])).rejects.toThrow(/Module not found: .*nope\.ts/);
    await expect(loadModules([{ pattern: 'tools/*.ts', baseDir: dir }])).rejects.toThrow(/No module matches "tools\/\*\.ts"/);
  });

  it('rejects a tool name defined twice, naming both files', async () => {
    const dir = await writeTempFiles({ 'a.mjs': tool('same'), 'b.mjs': tool('same') });
    const modules = await loadModules([{ pattern: '*.mjs', baseDir: dir }]);
    expect(() => buildRegistry(modules)).toThrow(
      `Duplicate tool name "same" in ${dir}/b.mjs (already defined in ${dir}/a.mjs): rename one of them`,
    );
  });

  it('refuses a resource template or resource of one source that names URIs of another\'s template', () => {
    const template = (uriTemplate: string) => ({ kind: 'resourceTemplate', uriTemplate, name: uriTemplate, read: () => '' });
    const source = (file: string, ...definitions: unknown[]) => ({ file, definitions }) as never;
    expect(() => buildRegistry([source('upstream server "a"', template('files://{path}')), source('upstream server "b"', template('files://{name}'))])).toThrow(
      /Overlapping resources: the resource template "files:\/\/\{path\}" in upstream server "a" names URIs of the resource template "files:\/\/\{name\}" in upstream server "b"/,
    );
    expect(() => buildRegistry([source('a.mjs', template('docs://{+path}')), source('b.mjs', { kind: 'resource', uri: 'docs://x/y', name: 'y', text: 'y' })])).toThrow(/the resource "docs:\/\/x\/y" in b\.mjs names URIs of the resource template "docs:\/\/\{\+path\}" in a\.mjs/);
    // Distinct families, and overlaps within one module, are fine.
    expect(() => buildRegistry([source('a.mjs', template('users://{id}')), source('b.mjs', template('users://{id}/posts/{post}'))])).not.toThrow();
    expect(() => buildRegistry([source('a.mjs', template('notes://{id}'), template('notes://{+path}'))])).not.toThrow();
  });
});
