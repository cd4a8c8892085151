import { describe, expect, it } from 'vitest';

import { pairExchanges, parseRecording, redactSecrets } from '../src/recording.ts';

describe('redactSecrets', () => {
  it('hides secret-named values, credentials in text and the known secrets, and keeps the rest', () => {
    const message = {
      params: {
        arguments: { apiKey: 'sk-1', client_secret: { nested: 'x' }, note: 'kept', count: 3 },
        _meta: { progressToken: 7 },
        text: '{"meta":{"apiKey":"sk-live-123456","note":"kept"}} see https://x.test/a?api_key=abc&page=2 with Bearer abc.def and eyJhbGciOi.eyJzdWIiOi.c2ln and my-own-secret-value',
      },
      maxTokens: 100,
    };
    expect(redactSecrets(message, ['my-own-secret-value'])).toEqual({
      params: {
        arguments: { apiKey: '[redacted]', client_secret: '[redacted]', note: 'kept', count: 3 },
        _meta: { progressToken: 7 },
        text: '{"meta":{"apiKey":"[redacted]","note":"kept"}} see https://x.test/a?api_key=[redacted]&page=2 with Bearer [redacted] and [redacted] and [redacted]',
      },
      maxTokens: 100,
    });
  });
});

describe('parseRecording and pairExchanges', () => {
  it('pairs each request with its answer within its own connection', () => {
    const text = [
      '{"mcpRecording":1,"recorded":"2026-01-01T00:00:00Z","client":"mcp-call 1","server":"http://h/mcp"}',
      '{"t":0,"from":"client","message":{"jsonrpc":"2.0","id":1,"method":"tools/list"}}',
      '{"t":1,"c":1,"from":"client","message":{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}}',
      '{"t":2,"from":"server","message":{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}}',
      '{"t":3,"c":1,"from":"server","message":{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"no"}}}',
      '{"t":4,"from":"client","message":{"jsonrpc":"2.0","method":"notifications/initialized"}}',
    ].join('\n');
    expect(pairExchanges(parseRecording(text).messages)).toEqual([
      { method: 'tools/list', params: {}, result: { tools: [] } },
      { method: 'tools/call', params: { name: 'a' }, error: { code: -32602, message: 'no' } },
    ]);
    expect(() => parseRecording('{"x":1}')).toThrow('line 1: not a recording of format 1');
    expect(() => parseRecording(`${text.split('\n')[0]}\n{"t":0}`)).toThrow('line 2: expected {"t", "from": "client" or "server", "message"}');
  });
});
