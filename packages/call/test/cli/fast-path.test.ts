import { describe, expect, it } from 'vitest';

import { parseFastPath } from '../../src/cli/global-options.ts';

const META = new Set(['tools', 'ping', 'call']);

describe('parseFastPath', () => {
  it('parses global options anywhere, the tool, and its flags', () => {
    expect(parseFastPath(['--url', 'http://h', 'greet', '--name', 'Ada', '--json', '-H', 'A: b', '--timeout=5'], META)).toEqual({
      tool: 'greet',
      tokens: ['--name', 'Ada'],
      opts: { transport: 'auto', header: ['A: b'], root: [], env: [], expect: [], timeout: '5', url: 'http://h', json: true },
    });
  });

  it('hands every token after -- to the tool', () => {
    expect(parseFastPath(['clash', '--', '--timeout', 'soon'], META)?.tokens).toEqual(['--timeout', 'soon']);
  });

  it('leaves help, version, meta commands and unknown leading options to commander', () => {
    for (const args of [['--help'], ['greet', '-h'], ['-V'], ['tools'], ['call', 'ping'], ['--bogus', 'greet'], [], ['--url']]) {
      expect(parseFastPath(args, META), args.join(' ')).toBeUndefined();
    }
  });

  it('takes the tool from --tool', () => {
    expect(parseFastPath(['--tool', 'add', '--args', '{}', 'http://h/mcp'], META)).toMatchObject({ tool: 'http://h/mcp', tokens: [], opts: { tool: 'add', args: '{}' } });
  });
});
