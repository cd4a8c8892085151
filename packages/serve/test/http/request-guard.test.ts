import { describe, expect, it } from 'vitest';

import { isLoopbackHost } from '@mcp-cli/core';

import { parseHostHeader } from '../../src/http/request-guard.ts';

describe('isLoopbackHost', () => {
  it('knows loopback in every spelling', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:7f00:1]', 'localhost.']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });
  it('knows what is not loopback', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'example.com', 'localhost.evil.com', '127.0.0.1.evil.com']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('parseHostHeader', () => {
  it('takes a name or an address with an optional port', () => {
    expect(parseHostHeader('localhost:8000')).toBe('localhost');
    expect(parseHostHeader('Example.COM')).toBe('example.com');
    expect(parseHostHeader('[::1]:8000')).toBe('::1');
    expect(parseHostHeader('10.0.0.1')).toBe('10.0.0.1');
    expect(parseHostHeader('my_service:80')).toBe('my_service');
  });
  it('refuses anything else', () => {
    for (const value of ['', '127.0.0.1:80@evil.com', 'localhost:evil.com', 'a:1:2', 'host:65536', '[nope]', '[::1', 'a/b', 'a b', 'user@host', '-bad.com']) {
      expect(parseHostHeader(value), value).toBeUndefined();
    }
  });
});
