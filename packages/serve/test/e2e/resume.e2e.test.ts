import { request } from 'node:http';

import { INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A client whose call stream drops resumes it with GET + Last-Event-ID: the events after the
// last one it saw are replayed, then the rest of the call arrives on the new stream.
const FIXTURE = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

interface Event {
  id: string;
  message: { id?: number; method?: string; params?: { progress?: number }; result?: { content: { text: string }[] } };
}

/** Opens a request whose body is an event stream; calls `onEvent` until it returns true. */
function readEvents(url: string, options: { method: string; headers: Record<string, string>; body?: string }, onEvent: (e: Event) => boolean): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    const events: Event[] = [];
    let done = false;
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        if (done) return;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!id || !data) continue;
          const event = { id, message: JSON.parse(data) as Event['message'] };
          events.push(event);
          if (onEvent(event)) {
            done = true;
            res.destroy();
            resolve(events);
            return;
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let server: ServeProcess;
beforeAll(async () => {
  server = await startServe(['--config', FIXTURE]);
});
afterAll(async () => {
  await server.stop();
});

it('replays what a dropped call stream missed and finishes the call on the resumed stream', async () => {
  const url = `${server.url}/mcp`;
  const init = await rawRequest(url, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
  const session = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
  await rawRequest(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...session }, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });

  const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: {}, _meta: { progressToken: 'p' } } });
  // Drop the call's stream right after its first event.
  const before = await readEvents(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...session }, body: call }, () => true);
  expect(before.map((e) => e.message.method)).toEqual(['notifications/progress']);
  expect(before[0]!.message.params?.progress).toBe(1);
  expect(before[0]!.message.method).toBe('notifications/progress');

  const after = await readEvents(
    url,
    { method: 'GET', headers: { accept: 'text/event-stream', ...session, 'last-event-id': before[0]!.id } },
    (event) => event.message.id === 2,
  );
  const result = after.at(-1)!.message;
  expect(result).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'finished' }] } });
  const progress = [...before, ...after].filter((e) => e.message.method === 'notifications/progress').map((e) => e.message.params?.progress);
  expect(progress).toEqual([1, 2, 3]); // each exactly once, in order
  expect(new Set([...before, ...after].map((e) => e.id)).size).toBe(before.length + after.length);
});
