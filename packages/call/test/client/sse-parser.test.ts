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

describe('SseParser limits', () => {
  it('parses every split of a stream the same way', () => {
    const text = 'event: a\r\ndata: 1\r\rdata: 2\n\nid: x\r\ndata: 3\r\n\r\n';
    const whole = parse([text]);
    expect(whole.map((e) => e.data)).toEqual(['1', '2', '3']);
    for (let i = 1; i < text.length; i++) expect(parse([text.slice(0, i), text.slice(i)])).toEqual(whole);
    expect(parse([...text])).toEqual(whole);
  });

  it('throws on a line or an event over the limit, and scans an endless line in linear time', () => {
    const parser = new SseParser(() => undefined, 1000);
    expect(() => parser.push(`data: ${'x'.repeat(2000)}`)).toThrow(/larger than 1000 bytes.*--max-message-bytes/);
    const events = new SseParser(() => undefined, 1000);
    expect(() => {
      for (let i = 0; i < 30; i++) events.push(`data: ${'y'.repeat(50)}\n`);
    }).toThrow(/larger than 1000 bytes/);
    // 64 MB in 64 KB chunks with no newline: a parser that rescanned its buffer would not finish.
    const endless = new SseParser(() => undefined, 64 * 1024 * 1024);
    const chunk = 'z'.repeat(64 * 1024);
    expect(() => {
      for (let i = 0; i < 1025; i++) endless.push(chunk);
    }).toThrow(/larger than 67108864 bytes/);
  });
});
