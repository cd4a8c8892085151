import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

import { MCP_POST_HEADERS, rawRequest, type RawResponse } from './http-request.ts';

/** A Streamable HTTP session driven with raw requests. */
export interface RawSession {
  sessionId: string;
  /** POSTs a body (object or raw text) with the session's headers. */
  post(body: unknown, headers?: Record<string, string>, maxMs?: number): Promise<RawResponse>;
}

/** Initializes a Streamable HTTP session at `mcpUrl` with raw requests, and sends `initialized`. */
export async function initializeRaw(
  mcpUrl: string,
  options: { version?: string; headers?: Record<string, string>; capabilities?: Record<string, unknown> } = {},
): Promise<RawSession> {
  const version = options.version ?? '2025-06-18';
  const init = await rawRequest(mcpUrl, {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, ...options.headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: options.capabilities ?? {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  const sessionId = init.headers['mcp-session-id'];
  if (typeof sessionId !== 'string') throw new Error(`no session id: HTTP ${init.status} ${init.text}`);
  const post = (body: unknown, headers: Record<string, string> = {}, maxMs?: number): Promise<RawResponse> =>
    rawRequest(mcpUrl, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': version, ...options.headers, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      maxMs,
    });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { sessionId, post };
}

/** A raw connection that sent one request and then stopped reading after the response headers. */
export interface UnreadResponse {
  socket: Socket;
  /** The status line and headers. */
  head: string;
  /** Data that arrived with the headers (an SSE stream's first events). */
  early: string;
}

/**
 * Sends a raw HTTP/1.1 request and stops reading once the response headers arrive: the peer of a
 * client that never reads its stream. Destroy the socket when done.
 */
export function sendAndStopReading(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; readUntil?: RegExp } = {},
): Promise<UnreadResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), localAddress: options.localAddress });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () => {
      const body = options.body ?? '';
      const headers = { Host: target.host, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...options.headers };
      const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
      socket.write(`${options.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
    });
    const onData = (chunk: string): void => {
      received += chunk;
      const end = received.indexOf('\r\n\r\n');
      if (end === -1 || (options.readUntil && !options.readUntil.test(received.slice(end + 4)))) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head: received.slice(0, end), early: received.slice(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Resident memory of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU time a process has used so far, in milliseconds (Linux). */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
