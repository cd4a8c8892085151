import { closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';

import { isRpcError, RpcError } from '@mcp-cli/core';

import { connect, type Connection, connectStdio } from '../client/connect.ts';
import { AuthChallengeError } from '../client/http-request.ts';
import { VERSION } from '../cli/version.ts';
import { type DaemonHello, type DaemonLaunch, describeTarget } from './daemon-spec.ts';
import { readJsonLines, writeJsonLine } from './json-lines.ts';
import { removeOwnFiles, takePidFile } from './pid-file.ts';

/** One mcp-call run connected to the daemon, and its requests in flight. */
interface DaemonClient {
  socket: Socket;
  inFlight: Map<string, AbortController>;
}

/** How long the daemon waits for its server to start and answer the handshake. */
const CONNECT_TIMEOUT_MS = 120_000;
/** Largest launch spec read from stdin. */
const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * The warm-server daemon (`mcp-call --keep-alive`): started by the first call with a spec on
 * stdin, it holds one connection to the server and serves mcp-call runs over a Unix socket (0600,
 * in the user's private folder). Each run's requests go to the server as its own (ids, progress
 * and cancellation mapped); a request the server sends goes to the run with calls in flight when
 * there is exactly one, and is declined otherwise. It stops after `keepAliveMs` with no client,
 * when its server exits, on `mcp-call stop`, or on SIGTERM/SIGINT. A pid file makes it the only
 * daemon of its spec: a second one started at the same time sees the first and leaves.
 *
 * Writes `ready` (or `error MESSAGE`) on stdout once, for the run that started it.
 */
export async function runDaemon(): Promise<number> {
  const launch = JSON.parse(readFileSync(0, 'utf8').slice(0, MAX_SPEC_BYTES)) as DaemonLaunch;
  const say = (line: string): void => {
    try {
      writeSync(1, `${line}\n`);
    } catch {
      // the run that started us has gone: nobody to tell
    }
  };
  if (!takePidFile(launch.pidFile)) {
    say('ready'); // another daemon of this spec serves (or is starting): the run connects to it
    return 0;
  }
  const clients = new Set<DaemonClient>();
  let connection: Connection | undefined;
  let stopping = false;
  let idleTimer: NodeJS.Timeout | undefined;
  const server = createServer();
  const stop = async (): Promise<never> => {
    if (!stopping) {
      stopping = true;
      server.close();
      for (const client of clients) client.socket.end();
      await connection?.close().catch(() => undefined);
      removeOwnFiles(launch);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  const idleLater = (): void => {
    clearTimeout(idleTimer);
    if (clients.size === 0) idleTimer = setTimeout(() => void stop(), launch.keepAliveMs);
  };

  const { spec } = launch;
  const common = {
    signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
    maxMessageBytes: spec.maxMessageBytes,
    capabilities: spec.capabilities,
    clientInfo: { name: 'mcp-call', version: VERSION },
    protocolVersion: spec.protocolVersion,
    onServerRequest: (method: string, params: Record<string, unknown>, signal: AbortSignal) => answerServerRequest(method, params, signal),
    onNotification: (method: string, params: Record<string, unknown>) => {
      // Logs belong to calls in flight; any other notice (a list changed) to every run.
      const to = method === 'notifications/message' ? [...clients].filter((c) => c.inFlight.size > 0) : [...clients];
      for (const client of to) writeJsonLine(client.socket, { jsonrpc: '2.0', method, params });
    },
  };
  try {
    connection = 'stdio' in spec.target
      ? await connectStdio(spec.target.stdio, common)
      : await connect({ ...common, url: spec.target.url, transport: spec.target.transport, headers: spec.target.headers, waitMs: spec.target.waitMs });
  } catch (error) {
    removeOwnFiles(launch);
    // A refused token is told as such, so that the run can log in (or refresh) and try again.
    if (error instanceof AuthChallengeError) say(`auth ${JSON.stringify({ url: error.url, status: error.status, reason: /\((.*)\)$/.exec(error.message)?.[1] ?? error.message, challenge: error.challenge })}`);
    else say(`error ${(error as Error).message.replace(/\n/g, ' ')}`);
    return 1;
  }
  const held = connection;
  // A 2026-07-28 server logs only to requests that ask: ask for what a session shows by default.
  if (held.session.modern) held.session.setModernLogLevel('info');
  // The server exited or closed the connection: the daemon has nothing left to hold.
  const onClose = held.session.transport.onClose;
  const closeAndStop: typeof onClose = (error) => {
    onClose(error);
    void stop();
  };
  held.session.transport.onClose = closeAndStop;
  const hello: DaemonHello = { server: describeTarget(spec.target), protocolVersion: held.protocolVersion, transport: held.transport, url: held.url, description: await held.describe() };

  let serverRequests = 0;
  const pendingAnswers = new Map<string, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  async function answerServerRequest(method: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (method === 'ping') return {};
    if (method === 'roots/list') return { roots: spec.roots };
    // Only a run with calls in flight can have caused it, and only when it is the only one.
    const asking = [...clients].filter((c) => c.inFlight.size > 0);
    if (asking.length !== 1) {
      if (method === 'elicitation/create') return { action: 'decline' };
      throw new RpcError(-32603, `${method} declined: several mcp-call runs share this warm server, and the request cannot be told to be one's`);
    }
    const id = `daemon-${++serverRequests}`;
    writeJsonLine(asking[0]!.socket, { jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      pendingAnswers.set(id, { resolve, reject });
      signal.addEventListener('abort', () => {
        pendingAnswers.delete(id);
        reject(signal.reason as Error);
      }, { once: true });
    });
  }

  const serve = (client: DaemonClient, message: Record<string, unknown>): void => {
    const { id, method } = message;
    const params = (message.params ?? {}) as Record<string, unknown>;
    if (typeof method !== 'string') {
      // The run's answer to a request the server sent it.
      const pending = pendingAnswers.get(String(id));
      pendingAnswers.delete(String(id));
      if (message.error) pending?.reject(new RpcError(Number((message.error as { code?: unknown }).code ?? -32603), String((message.error as { message?: unknown }).message ?? 'error')));
      else pending?.resolve((message.result ?? {}) as Record<string, unknown>);
      return;
    }
    if (id === undefined) {
      if (method === 'notifications/cancelled') client.inFlight.get(JSON.stringify(params.requestId))?.abort(new Error(String(params.reason ?? 'cancelled')));
      return;
    }
    if (method === 'daemon/stop') {
      writeJsonLine(client.socket, { jsonrpc: '2.0', id, result: {} });
      void stop();
      return;
    }
    const key = JSON.stringify(id);
    const controller = new AbortController();
    client.inFlight.set(key, controller);
    // The run's progress token is its own: the daemon's session asks with one of its own and maps back.
    const meta = (params._meta ?? undefined) as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const { progressToken: _token, ...otherMeta } = meta ?? {};
    const sent = meta === undefined ? params : { ...params, _meta: otherMeta };
    const onProgress = token === undefined ? undefined : (progress: Record<string, unknown>) => writeJsonLine(client.socket, { jsonrpc: '2.0', method: 'notifications/progress', params: { ...progress, progressToken: token } });
    held.session
      .request(method, sent, { signal: controller.signal, ...(onProgress ? { onProgress } : {}) })
      .then(
        (result) => writeJsonLine(client.socket, { jsonrpc: '2.0', id, result }),
        (error: unknown) => {
          if (!(error instanceof AuthChallengeError)) return writeJsonLine(client.socket, { jsonrpc: '2.0', id, error: asRpcError(error) });
          // The token it was started with was refused (expired, revoked): a new run logs in anew.
          writeJsonLine(client.socket, { jsonrpc: '2.0', id, error: { code: -32603, message: `${error.message}: the warm-server daemon's token was refused, and it has stopped; run the command again to get a new one` } });
          void stop();
        },
      )
      .finally(() => client.inFlight.delete(key));
  };

  server.on('connection', (socket) => {
    const client: DaemonClient = { socket, inFlight: new Map() };
    clients.add(client);
    clearTimeout(idleTimer);
    writeJsonLine(socket, { jsonrpc: '2.0', method: 'daemon/hello', params: hello });
    readJsonLines(socket, spec.maxMessageBytes, (message) => serve(client, message), () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => {
      // A run that went away (Ctrl-C, killed) leaves nothing running at the server.
      for (const controller of client.inFlight.values()) controller.abort(new Error('the mcp-call run went away'));
      clients.delete(client);
      idleLater();
    });
  });
  // Only the user can reach the socket: it is created 0600 in a 0700 folder.
  process.umask(0o077);
  try {
    unlinkSync(launch.socket);
  } catch {
    // no stale socket
  }
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(launch.socket, resolve));
  idleLater();
  say('ready');
  closeSync(1);
  return new Promise<number>(() => undefined); // runs until stop() exits
}

function asRpcError(error: unknown): { code: number; message: string; data?: unknown } {
  if (isRpcError(error)) return { code: error.code, message: String(error.message), ...(error.data === undefined ? {} : { data: error.data }) };
  return { code: -32603, message: error instanceof Error ? error.message : String(error) };
}
