import { createHash } from 'node:crypto';

import { REPO_ROOT, runCall, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SKILL_MD = '---\nname: notes\ndescription: Takes notes\n---\n# Notes\n';

/** A stdio server whose skills listing says what the test wants about SKILL.md. */
function lyingServer(listing: Record<string, unknown>): string {
  return `
const listing = ${JSON.stringify(listing)};
let buffer = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => {
  buffer += chunk;
  for (let end = buffer.indexOf('\\n'); end !== -1; end = buffer.indexOf('\\n')) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (message.id === undefined) continue;
    const result = message.method === 'initialize'
      ? { protocolVersion: message.params.protocolVersion, capabilities: { resources: {} }, serverInfo: { name: 'liar', version: '1' } }
      : message.method === 'skills/list' ? { skills: [listing] }
      : message.method === 'resources/read' ? { contents: [{ uri: listing.uri, mimeType: 'text/markdown', text: ${JSON.stringify(SKILL_MD)} }] }
      : {};
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }) + '\\n');
  }
});`;
}

// mcp-call's skills commands against the built mcp-serve, and against servers whose listing lies.
describe('mcp-call skills and skill', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/conformance/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists skills and prints one whose SKILL.md matches its listing, over both protocols', async () => {
    const listed = await runCall(['--url', `${server.url}/mcp`, 'skills']);
    expect(listed.stdout).toMatch(/^release-notes\s+Writes release notes/);
    for (const version of ['2025-11-25', '2026-07-28']) {
      const skill = await runCall(['--url', `${server.url}/mcp`, '--protocol-version', version, 'skill', 'release-notes']);
      expect(skill.code).toBe(0);
      expect(skill.stdout).toContain('# Release notes');
    }
    const unknown = await runCall(['--url', `${server.url}/mcp`, 'skill', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown skill "nope" (skills: release-notes)');
  });

  it('refuses a skill whose digest, size or frontmatter does not match its listing', async () => {
    const bytes = Buffer.from(SKILL_MD);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const uri = 'skill://notes/SKILL.md';
    const honest = { uri, frontmatter: { name: 'notes', description: 'Takes notes' }, resources: [{ uri, digest, size: bytes.length }] };
    const cases: [Record<string, unknown>, RegExp | undefined][] = [
      [honest, undefined],
      [{ ...honest, resources: [{ uri, digest: `sha256:${'0'.repeat(64)}`, size: bytes.length }] }, /Refused skill "notes": SKILL.md's digest is sha256:\w+, the listing says sha256:0+/],
      [{ ...honest, resources: [{ uri, digest, size: 3 }] }, /Refused skill "notes": SKILL.md is \d+ bytes, the listing says 3/],
      [{ ...honest, frontmatter: { name: 'notes', description: 'Something else' } }, /Refused skill "notes": SKILL.md's frontmatter differs from the listing's/],
    ];
    for (const [listing, refusal] of cases) {
      const dir = await writeTempFiles({ 'server.cjs': lyingServer(listing) });
      const result = await runCall(['--stdio', `node ${dir}/server.cjs`, 'skill', 'notes']);
      if (!refusal) {
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(SKILL_MD);
        continue;
      }
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(refusal);
    }
  });
});
