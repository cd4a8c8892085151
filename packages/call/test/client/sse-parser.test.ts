import { describe, expect, it } from 'vitest';

import { type SseEvent, SseParser } from '../../src/client/sse-parser.ts';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('SseParser', () => {
  it('parses events split across chunks, with CRLF and comments', () => {
    const events = parse(['event: endpoint\r\nda', 'ta: /messages?sessionId=1\r', '\n\r\n: keep-alive\n\n', 'id: 7\nretry: 500\ndata: {"a":1}\ndata: more\n\n']);
    expect(events).toEqual([
      { event: 'endpoint', data: '/messages?sessionId=1', id: undefined, retry: undefined },
      { event: 'message', data: '{"a":1}\nmore', id: '7', retry: 500 },
    ]);
  });

  it('reports a priming event with only an id and retry', () => {
    expect(parse(['id: p1\nretry: 100\n\n'])).toEqual([{ event: 'message', data: '', id: 'p1', retry: 100 }]);
  });
});
