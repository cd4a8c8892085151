import { describe, expect, it } from 'vitest';

import { canonicalJson } from '../src/canonical-json.ts';

/** The definition, written out: each object's keys sorted, recursively. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${reference((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/** A random JSON value, as a client might send (parsed from text, so plain data only). */
function randomJson(depth: number, next: () => number): unknown {
  const pick = next();
  if (depth <= 0 || pick < 0.35) return [null, true, 0, -1.5, 1e21, 'x', 'Grüße ✓', '"\\\n'][Math.floor(next() * 8)];
  const keys = ['b', 'a', '10', '9', 'Z', 'é', '__proto__', 'a b', ''];
  if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(depth - 1, next));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) object[keys[Math.floor(next() * keys.length)]!] = randomJson(depth - 1, next);
  return JSON.parse(JSON.stringify(object));
}

describe('canonicalJson', () => {
  it('writes every object with its keys sorted, at every depth, as the definition does', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const value = JSON.parse(JSON.stringify(randomJson(5, next) ?? null));
      expect(canonicalJson(value)).toBe(reference(value));
    }
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: { y: null, x: 'x' } })).toBe('{"a":{"x":"x","y":null},"b":[{"c":2,"d":1}]}');
    expect(canonicalJson(JSON.parse('{"__proto__":{"b":1,"a":2},"10":0,"9":0}'))).toBe('{"10":0,"9":0,"__proto__":{"a":2,"b":1}}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});
