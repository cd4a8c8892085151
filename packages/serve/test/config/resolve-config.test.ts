import { writeTempFiles } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

import { DEFAULT_LIMITS, resolveConfig } from '../../src/config/resolve-config.ts';

describe('resolveConfig', () => {
  it('applies defaults: 127.0.0.1:8000, /sse, /messages, /mcp, /health', async () => {
    const config = await resolveConfig([]);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      paths: { sse: '/sse', messages: '/messages', mcp: '/mcp', health: '/health' },
      stateless: false,
      limits: DEFAULT_LIMITS,
    });
  });

  it('lets later layers win: flags > env > config > defaults', async () => {
    const config = await resolveConfig([
      { config: { host: '0.0.0.0', port: 1, name: 'cfg', paths: { sse: '/cfg-sse' } }, baseDir: '/c' },
      { config: { port: 2 }, baseDir: '/env' },
      { config: { port: 3, host: undefined, paths: { mcp: '/flag-mcp' } }, baseDir: '/flags' },
    ]);
    expect(config.port).toBe(3);
    expect(config.host).toBe('0.0.0.0');
    expect(config.name).toBe('cfg');
    expect(config.paths).toMatchObject({ sse: '/cfg-sse', mcp: '/flag-mcp', messages: '/messages' });
  });

  it('keeps module patterns with the directory of the layer that named them', async () => {
    const config = await resolveConfig([
      { config: { tools: './tools/*.ts', prompts: ['p.ts'] }, baseDir: '/project' },
    ]);
    expect(config.modules).toEqual([
      { pattern: './tools/*.ts', baseDir: '/project' },
      { pattern: 'p.ts', baseDir: '/project' },
    ]);
  });

  it('reads token files and merges them with tokens', async () => {
    const dir = await writeTempFiles({ 'secret.txt': 's3cret\n', 'empty.txt': '  ' });
    const config = await resolveConfig([{ config: { tokens: ['a'], tokenFiles: ['secret.txt'] }, baseDir: dir }]);
    expect(config.tokens.sort()).toEqual(['a', 's3cret']);
    await expect(resolveConfig([{ config: { tokenFiles: ['empty.txt'] }, baseDir: dir }])).rejects.toThrow(
      /Token file .*empty\.txt is empty/,
    );
  });
});
