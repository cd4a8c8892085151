import { canonicalJson } from '@mcp-cli/core';
import { describe, expect, it } from 'vitest';

import { argumentsJson } from '../../src/audit/audit-log.ts';

describe('argumentsJson', () => {
  it('is the canonical JSON of any arguments, the quick way or not', () => {
    const cases = ['{"a":1,"b":"x"}', '{"b":1,"a":2}', '{"9":1,"10":2}', '{"a":{"d":1,"c":2}}', '{"a":[3,{"z":1,"y":2}]}', '{}', '{"é":null,"e":true}', '"users://42"', '[2,1]'];
    for (const text of cases) {
      const args = JSON.parse(text) as unknown;
      expect(argumentsJson(args), text).toBe(canonicalJson(args));
    }
    expect(argumentsJson(undefined)).toBe('{}');
  });
});
