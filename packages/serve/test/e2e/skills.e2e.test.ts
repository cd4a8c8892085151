import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { REPO_ROOT, runServe, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const SKILL_DIR = `${REPO_ROOT}examples/conformance/skills/release-notes`;

// Skills (the skills extension, SEP-2640) from a folder named in the config, through the built
// mcp-serve: listed with digests and sizes that match the files, read, and browsed by directory.
describe('skills served from a folder', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  const post = async (method: string, params: Record<string, unknown> = {}) => {
    const name: Record<string, string> = typeof params.uri === 'string' ? { 'mcp-name': params.uri } : {};
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...name },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: META } }),
    });
    return (await response.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
  };

  it('declares the extension and lists each skill with the digest and size of every file', async () => {
    const discover = await post('server/discover');
    expect((discover.result!.capabilities as { extensions: Record<string, unknown> }).extensions['io.modelcontextprotocol/skills']).toEqual({ directoryRead: true });
    const { skills } = (await post('skills/list')).result as { skills: { uri: string; frontmatter: Record<string, unknown>; resources: { uri: string; digest: string; size: number }[] }[] };
    expect(skills.map((s) => s.uri)).toEqual(['skill://release-notes/SKILL.md']);
    expect(skills[0]!.frontmatter).toMatchObject({ name: 'release-notes', license: 'MIT', metadata: { version: '1.0' } });
    const byUri = new Map(skills[0]!.resources.map((r) => [r.uri, r]));
    expect([...byUri.keys()].sort()).toEqual(['skill://release-notes/SKILL.md', 'skill://release-notes/references/style.md', 'skill://release-notes/scripts/changes.sh']);
    for (const [uri, path] of [['skill://release-notes/SKILL.md', 'SKILL.md'], ['skill://release-notes/scripts/changes.sh', 'scripts/changes.sh']] as const) {
      const bytes = readFileSync(`${SKILL_DIR}/${path}`);
      expect(byUri.get(uri)).toEqual({ uri, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length });
    }
  });

  it('gets one skill, reads its files and browses its folders; an unknown URI is -32602', async () => {
    expect((await post('skills/get', { uri: 'skill://release-notes/SKILL.md' })).result!.skill).toMatchObject({ uri: 'skill://release-notes/SKILL.md' });
    expect((await post('skills/get', { uri: 'skill://nope/SKILL.md' })).error!.code).toBe(-32602);
    const read = await post('resources/read', { uri: 'skill://release-notes/references/style.md' });
    expect((read.result!.contents as { text: string; mimeType: string }[])[0]).toMatchObject({ mimeType: 'text/markdown', text: readFileSync(`${SKILL_DIR}/references/style.md`, 'utf8') });
    const root = await post('resources/directory/read', { uri: 'skill://release-notes' });
    expect(root.result!.resources).toEqual([
      { uri: 'skill://release-notes/SKILL.md', name: 'SKILL.md', mimeType: 'text/markdown' },
      { uri: 'skill://release-notes/references', name: 'references', mimeType: 'inode/directory' },
      { uri: 'skill://release-notes/scripts', name: 'scripts', mimeType: 'inode/directory' },
    ]);
    expect((await post('resources/directory/read', { uri: 'skill://release-notes/SKILL.md' })).error!.code).toBe(-32602);
    const listed = (await post('resources/list')).result!.resources as { uri: string; name: string; description?: string }[];
    expect(listed.find((r) => r.uri === 'skill://release-notes/SKILL.md')).toMatchObject({ name: 'release-notes', description: expect.stringContaining('release notes') });
  });

  it('refuses at start a skill whose frontmatter does not name its folder, in one line', async () => {
    const dir = await writeTempFiles({
      '.mcp-serverc.json': JSON.stringify({ skills: './skills' }),
      'skills/notes/SKILL.md': '---\nname: other-name\ndescription: Mismatched\n---\n# Notes\n',
    });
    const result = await runServe(['--port', '0'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('the frontmatter name "other-name" must equal the folder name "notes"');
  });
});
