import { describe, expect, it } from 'vitest';

import { ConfigError, ConnectionError, defineTool, ExitCode, isContentPart, TimeoutError, ToolError, UsageError } from '../src/index.ts';

describe('errors and exit codes', () => {
  it('maps each error class to its documented exit code', () => {
    expect(new ToolError('x').exitCode).toBe(1);
    expect(new UsageError('x').exitCode).toBe(2);
    expect(new ConfigError('x').exitCode).toBe(2);
    expect(new ConnectionError('x').exitCode).toBe(3);
    expect(new TimeoutError('x').exitCode).toBe(4);
    expect(ExitCode).toMatchObject({ ok: 0, internal: 70, interrupted: 130 });
    expect(new ConfigError('bad', 'E_X')).toMatchObject({ name: 'ConfigError', code: 'E_X', message: 'bad' });
  });
});

describe('defineTool', () => {
  it('tags the definition and keeps the handler', () => {
    const tool = defineTool({ name: 't', description: 'd', handler: () => 'ok' });
    expect(tool.kind).toBe('tool');
    expect(tool.handler({}, {} as never)).toBe('ok');
  });

  it('recognises content parts by type', () => {
    expect(isContentPart({ type: 'text', text: 'x' })).toBe(true);
    expect(isContentPart({ type: 'video' })).toBe(false);
    expect(isContentPart('text')).toBe(false);
  });
});
