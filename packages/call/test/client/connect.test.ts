import { describe, expect, it } from 'vitest';

import { candidatesFor } from '../../src/client/connect.ts';

const simple = (url: string, choice: 'auto' | 'http' | 'sse') => candidatesFor(url, choice).map((c) => `${c.kind} ${c.url.href}`);

describe('candidatesFor', () => {
  it('goes straight to SSE for a URL ending in /sse', () => {
    expect(simple('http://h:1/sse', 'auto')).toEqual(['sse http://h:1/sse']);
  });
  it('tries /mcp, then the root, then /sse for a base URL', () => {
    expect(simple('http://h:1', 'auto')).toEqual(['http http://h:1/mcp', 'http http://h:1/', 'sse http://h:1/sse']);
  });
  it('tries Streamable HTTP then SSE at any other path', () => {
    expect(simple('http://h:1/x/mcp?k=v', 'auto')).toEqual(['http http://h:1/x/mcp?k=v', 'sse http://h:1/x/mcp?k=v']);
  });
  it('honours a forced transport', () => {
    expect(simple('http://h:1', 'sse')).toEqual(['sse http://h:1/sse']);
    expect(simple('http://h:1/custom', 'http')).toEqual(['http http://h:1/custom']);
  });
});
