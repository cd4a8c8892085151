import { McpCliError } from '@mcp-cli/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { completeToolArgs, parseToolArgs, type Schema } from '../../src/tool-args.ts';

// Generated schemas and values: flags rendered from values parse back to the same values, and
// arbitrary tokens fail only with a UsageError, never a crash.
const propertyName = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,12}$/);

const typedProperty = fc.oneof(
  fc.constant({ schema: { type: 'string' } as Schema, value: fc.string({ minLength: 0, maxLength: 20 }) }),
  fc.constant({ schema: { type: 'integer' } as Schema, value: fc.integer() }),
  fc.constant({ schema: { type: 'number' } as Schema, value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)) }),
  fc.constant({ schema: { type: 'boolean' } as Schema, value: fc.boolean() }),
  fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }).map((choices) => ({
    schema: { type: 'string', enum: [...new Set(choices)] } as Schema,
    value: fc.constantFrom(...new Set(choices)),
  })),
  fc.constant({
    schema: { type: 'array', items: { type: 'string' } } as Schema,
    value: fc.array(fc.string({ maxLength: 10 }).filter((s) => !s.trimStart().startsWith('[')), { minLength: 1, maxLength: 4 }),
  }),
  fc.constant({ schema: { type: 'object' } as Schema, value: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })) }),
);

const schemaAndArgs = fc
  .uniqueArray(fc.tuple(propertyName, typedProperty), { minLength: 1, maxLength: 8, selector: ([name]) => name.toLowerCase().replace(/_/g, '') })
  .chain((props) =>
    fc.tuple(...props.map(([name, prop]) => prop.value.map((value: unknown) => [name, value] as const))).map((entries) => ({
      schema: { type: 'object', properties: Object.fromEntries(props.map(([name, prop]) => [name, prop.schema])) } as Schema,
      args: Object.fromEntries(entries) as Record<string, unknown>,
    })),
  );

function toFlags(schema: Schema, args: Record<string, unknown>): string[] {
  const tokens: string[] = [];
  // A value that starts with "-" is written --name=value, as mcp-call asks: after a space it could be a flag.
  const flag = (name: string, text: string): string[] => (text.startsWith('-') ? [`--${name}=${text}`] : [`--${name}`, text]);
  for (const [name, value] of Object.entries(args)) {
    const type = schema.properties?.[name]?.type;
    if (type === 'boolean') tokens.push(value ? `--${name}` : `--no-${name}`);
    else if (type === 'array') for (const item of value as string[]) tokens.push(...flag(name, item));
    else if (type === 'object') tokens.push(`--${name}`, JSON.stringify(value));
    else tokens.push(...flag(name, String(value)));
  }
  return tokens;
}

describe('mcp-call argument parsing fuzz', () => {
  it('parses flags rendered from generated values back to the same values', () => {
    fc.assert(
      fc.property(schemaAndArgs, ({ schema, args }) => {
        const { args: parsed, unclaimed } = parseToolArgs('t', schema, toFlags(schema, args), () => undefined);
        expect(unclaimed).toEqual([]);
        expect(completeToolArgs('t', schema, parsed)).toEqual(JSON.parse(JSON.stringify(args)));
      }),
      // The value mcp-call refuses after a space ("-h"), and asks to be written --name=-h, once on purpose.
      { numRuns: 2000, examples: [[{ schema: { type: 'object', properties: { name: { type: 'string' }, list: { type: 'array', items: { type: 'string' } } } }, args: { name: '-h', list: ['-x', 'y'] } }]] },
    );
  });

  it('fails on arbitrary tokens only with a one-line usage error', () => {
    fc.assert(
      fc.property(schemaAndArgs, fc.array(fc.oneof(fc.string(), fc.constantFrom('--', '--no-x', '--x=', '-')), { maxLength: 8 }), ({ schema }, tokens) => {
        try {
          parseToolArgs('t', schema, tokens, () => undefined);
        } catch (error) {
          expect(error).toBeInstanceOf(McpCliError);
          expect((error as McpCliError).exitCode).toBe(2);
          expect((error as Error).message).not.toContain('\n');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
