import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { compileSchema } from '../../src/server/compile-schema.ts';

describe('compileSchema lists object schemas only', () => {
  it('turns no input, {} and a schema with only properties into object schemas', () => {
    expect(compileSchema(undefined).jsonSchema).toMatchObject({ type: 'object' });
    expect(compileSchema({}).jsonSchema).toMatchObject({ type: 'object' });
    expect(compileSchema({}).parse({})).toEqual({ ok: true, value: {} });
    expect(compileSchema({ properties: { a: { type: 'string' } } }).jsonSchema).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
    expect(compileSchema({ name: z.string() }).jsonSchema).toMatchObject({ type: 'object', required: ['name'] });
  });

  it('refuses a schema that is not an object, saying what to write instead', () => {
    for (const bad of [{ type: 'string' }, { anyOf: [{ type: 'object' }] }, z.string(), { type: 'array', items: {} }]) {
      expect(() => compileSchema(bad)).toThrow(/must describe an object .* use a zod shape/);
    }
  });
});
