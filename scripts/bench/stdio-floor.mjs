// The floor under any Node stdio client: spawn the server, exchange one message, exit.
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, [new URL('./stdio-server.mjs', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'ignore'] });
child.stdout.setEncoding('utf8').once('data', () => {
  child.stdin.end();
  process.exit(0);
});
child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'floor', version: '1' } } })}\n`);
