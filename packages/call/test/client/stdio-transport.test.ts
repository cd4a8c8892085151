import { DEFAULT_INHERITED_ENV_VARS, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';

import { childEnvironment, INHERITED_ENV_VARS } from '../../src/client/stdio-transport.ts';

describe('the stdio child environment', () => {
  it('inherits exactly what the official SDK inherits, plus the configured variables', () => {
    expect(INHERITED_ENV_VARS).toEqual(DEFAULT_INHERITED_ENV_VARS);
    expect(childEnvironment()).toEqual(getDefaultEnvironment());
    expect(childEnvironment({ API_KEY: 'x', PATH: '/only' })).toEqual({ ...getDefaultEnvironment(), API_KEY: 'x', PATH: '/only' });
  });
});
