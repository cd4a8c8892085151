import { describe, expect, it } from 'vitest';

import { completeToolArgs, parseToolArgs, toolFlags, type Schema } from '../../src/tool-args.ts';

const schema: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    n: { type: 'integer' },
    x: { type: ['number', 'null'] },
    on: { type: 'boolean' },
    pick: { type: 'string', oneOf: [{ const: 'a' }, { const: 'b' }] } as Schema,
    list: { type: 'array', items: { type: 'integer' } },
    obj: { $ref: '#/$defs/thing' },
    anything: {},
    camelCase: { type: 'string', default: 'd' },
  },
  $defs: { thing: { type: 'object' } },
  required: ['name'],
};
const noGlobals = (): undefined => undefined;

describe('toolFlags', () => {
  it('adds kebab-case aliases for camelCase names', () => {
    expect(toolFlags(schema).find((f) => f.property === 'camelCase')).toMatchObject({ flag: '--camelCase', alias: '--camel-case' });
    expect(toolFlags(schema).find((f) => f.property === 'obj')?.kind).toBe('object');
    expect(toolFlags(schema).find((f) => f.property === 'x')?.kind).toBe('number');
  });

  it('never takes a flag as the value of the flag before it', () => {
    expect(() => parseToolArgs('t', schema, ['--name', '--n', '3'], noGlobals)).toThrow('--name needs a value (string), but --n follows it: give the value, or write --name=--n if that is the value');
    expect(() => parseToolArgs('t', schema, ['--name', '--json'], (flag) => (flag === '--json' ? false : undefined))).toThrow(/--name needs a value .* but --json follows it/);
    expect(parseToolArgs('t', schema, ['--name=--n', '--n', '-3', '--x', '-1.5'], noGlobals).args).toEqual({ name: '--n', n: -3, x: -1.5 });
    expect(parseToolArgs('t', schema, ['--name', '--not-a-flag'], noGlobals).args).toEqual({ name: '--not-a-flag' });
  });

  it('gives a nullable union (pydantic\'s Optional[...]) the flags of its one non-null type', () => {
    const optional: Schema = {
      type: 'object',
      properties: {
        tags: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }], default: null, description: 'labels' } as Schema,
        meta: { anyOf: [{ $ref: '#/$defs/meta' }, { type: 'null' }] } as Schema,
        count: { oneOf: [{ type: 'integer' }, { type: 'null' }] } as Schema,
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] } as Schema,
      },
      $defs: { meta: { type: 'object' } },
    };
    const kinds = Object.fromEntries(toolFlags(optional).map((f) => [f.property, f.kind]));
    expect(kinds).toEqual({ tags: 'array', meta: 'object', count: 'integer', either: 'json' });
    expect(toolFlags(optional).find((f) => f.property === 'tags')?.schema).toMatchObject({ type: 'array', description: 'labels' });
    expect(parseToolArgs('t', optional, ['--tags', 'x', '--tags', 'y', '--count', '3', '--meta', '{"a":1}'], noGlobals).args).toEqual({ tags: ['x', 'y'], count: 3, meta: { a: 1 } });
  });
});

describe('parseToolArgs', () => {
  it('converts each kind', () => {
    const { args } = parseToolArgs('t', schema, ['--name', 'N', '--n', '-3', '--x=1e3', '--on', 'false', '--pick', 'b', '--list', '1', '--list', '2', '--obj', '{"a":1}', '--anything', '[1]', '--camel-case', 'c'], noGlobals);
    expect(args).toEqual({ name: 'N', n: -3, x: 1000, on: false, pick: 'b', list: [1, 2], obj: { a: 1 }, anything: [1], camelCase: 'c' });
  });

  it('takes a JSON array for an array flag and a plain string for an unparseable json flag', () => {
    expect(parseToolArgs('t', schema, ['--list', '[4,5]', '--anything', 'plain'], noGlobals).args).toEqual({ list: [4, 5], anything: 'plain' });
  });

  it('rejects a wrong item type in a repeated array flag', () => {
    expect(() => parseToolArgs('t', schema, ['--list', 'x'], noGlobals)).toThrow('--list must be an integer (got "x")');
  });

  it('hands back global flags with their values', () => {
    const result = parseToolArgs('t', schema, ['--url', 'http://x', '--name', 'a', '--json'], (flag) => ({ '--url': true, '--json': false })[flag]);
    expect(result).toEqual({ args: { name: 'a' }, unclaimed: ['--url', 'http://x', '--json'] });
  });

  it('fills defaults and enforces required arguments', () => {
    expect(completeToolArgs('t', schema, { name: 'a' })).toEqual({ name: 'a', camelCase: 'd' });
    expect(() => completeToolArgs('t', schema, {})).toThrow('Missing required argument --name <string> for tool "t"');
  });
});
