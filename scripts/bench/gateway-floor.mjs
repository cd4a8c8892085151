// The floor under any Node SSE gateway, for scripts/bench/gateway-load.mjs: a bare pass-through
// from legacy SSE to one stdio server that renumbers request ids and nothing else. No checks, no
// limits, no errors handled: a measuring stick, never a server to run.
//
//   node scripts/bench/gateway-floor.mjs PORT COMMAND [ARGS…]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const [port, command, ...args] = process.argv.slice(2);
const upstream = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const streams = new Map();
const pending = new Map();
let nextId = 0;
let nextSession = 0;
let buffer = '';

upstream.stdout.setEncoding('utf8').on('data', (chunk) => {
  buffer += chunk;
  for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const caller = pending.get(message.id);
    if (!caller) continue;
    pending.delete(message.id);
    message.id = caller.id;
    caller.stream.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }
});

createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  if (req.method === 'GET') {
    const session = String(++nextSession);
    streams.set(session, res);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: endpoint\ndata: /message?sessionId=${session}\n\n`);
    req.on('close', () => streams.delete(session));
    return;
  }
  const stream = streams.get(new URL(req.url, 'http://x').searchParams.get('sessionId'));
  let body = '';
  req.setEncoding('utf8').on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const message = JSON.parse(body);
    if (message.id !== undefined) {
      pending.set(++nextId, { id: message.id, stream });
      message.id = nextId;
    }
    upstream.stdin.write(`${JSON.stringify(message)}\n`);
    res.writeHead(202).end();
  });
}).listen(Number(port), '127.0.0.1');
