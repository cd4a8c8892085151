import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

import { ConnectionError, type JsonRpcMessage } from '@mcp-cli/core';

import { abortableSleep } from '../client/abortable-sleep.ts';
import { ClientSession, type NotificationHandler, type ServerRequestHandler } from '../client/client-session.ts';
import type { Connection, ConnectOptions } from '../client/connect.ts';
import { AuthChallengeError } from '../client/http-request.ts';
import type { ConnectionSettings } from '../cli/connection-settings.ts';
import type { ClientTransport } from '../client/json-rpc.ts';
import { type MessageTap, tapMessages } from '../client/message-tap.ts';
import { signalGroup } from '../client/process-group.ts';
import { daemonDirectory, daemonFiles } from './daemon-paths.ts';
import type { DaemonHello, DaemonLaunch, DaemonSpec } from './daemon-spec.ts';
import { readJsonLines, writeJsonLine } from './json-lines.ts';

/** What a run that goes through a daemon brings besides the spec. */
export interface DaemonConnectOptions {
  keepAliveMs: number;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  onServerRequest: ServerRequestHandler;
  onNotification: NotificationHandler;
  tap?: MessageTap | undefined;
  debug?: (message: string) => void;
  /** The run's trace: its requests carry it through the daemon to the server. */
  trace?: ConnectOptions['trace'];
}

/**
 * Connects through the warm-server daemon of `spec` (`--keep-alive`), starting it when none runs:
 * the server is started or reached once, and later runs skip its start and handshake. Two runs
 * that start at once start one daemon: the second finds the first's pid file and waits for its socket.
 *
 * @throws ConnectionError when the daemon cannot start or reach the server (its own error).
 */
/** The daemon a run's settings and declared capabilities call for. */
export function daemonSpecFor(settings: ConnectionSettings, protocolVersion: string, capabilities: Record<string, unknown>, roots: DaemonSpec['roots']): DaemonSpec {
  return {
    target: settings.stdio ? { stdio: settings.stdio } : { url: settings.url, transport: settings.transport, headers: settings.headers, waitMs: settings.waitMs },
    protocolVersion,
    maxMessageBytes: settings.maxMessageBytes,
    capabilities,
    roots,
  };
}

export async function connectThroughDaemon(spec: DaemonSpec, options: DaemonConnectOptions): Promise<Connection> {
  const files = daemonFiles(daemonDirectory(options.env), spec);
  let socket = await openSocket(files.socket);
  if (!socket) {
    options.debug?.(`starting a warm-server daemon (${files.key})`);
    await startDaemon({ spec, keepAliveMs: options.keepAliveMs, socket: files.socket, pidFile: files.pidFile }, options.signal);
    socket = await waitForSocket(files.socket, files.pidFile, options.signal);
  } else {
    options.debug?.(`using the warm-server daemon ${files.key}`);
  }
  const transport = new DaemonTransport(socket, spec.maxMessageBytes);
  const hello = await transport.hello;
  const session = new ClientSession(transport);
  session.onServerRequest = options.onServerRequest;
  session.onNotification = options.onNotification;
  if (options.tap) tapMessages(transport, options.tap);
  session.tracing = options.trace?.tracing;
  session.traceParent = options.trace?.parent;
  return {
    session,
    transport: hello.transport,
    url: hello.url,
    protocolVersion: hello.protocolVersion,
    describe: () => Promise.resolve(hello.description),
    streamReady: Promise.resolve(),
    close: () => session.close(),
  };
}

/** The socket of a running daemon, or undefined when none listens there. */
export function openSocket(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connectSocket(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

/**
 * Polls for the daemon's socket: it listens once its server has answered the handshake. A daemon
 * that gave up (its pid file gone: another run's, started at the same moment, failed) ends the wait.
 */
async function waitForSocket(path: string, pidFile: string, signal: AbortSignal): Promise<Socket> {
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const socket = await openSocket(path);
    if (socket) return socket;
    if (!existsSync(pidFile)) throw new ConnectionError('The warm-server daemon could not reach its server: run the command without --keep-alive to see why', 'E_DAEMON');
    await abortableSleep(delay, signal);
  }
}

/** Starts the daemon detached, hands it the spec, and waits for its `ready` (or its error). */
async function startDaemon(launch: DaemonLaunch, signal: AbortSignal): Promise<void> {
  const bin = fileURLToPath(new URL('../bin/mcp-call.cjs', import.meta.url));
  // Its own process group and no terminal: Ctrl-C in this shell does not reach it.
  const child = spawn(process.execPath, [bin, '--run-daemon'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.end(JSON.stringify(launch));
  // A daemon still starting when the run is interrupted would serve no one.
  const onAbort = (): void => signalGroup(child, 'SIGTERM');
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('error', reject);
    child.once('exit', () => resolve(out.split('\n')[0] ?? ''));
  }).finally(() => {
    signal.removeEventListener('abort', onAbort);
    child.stdout.destroy();
    child.unref();
  });
  if (line === 'ready') return;
  if (line.startsWith('auth ')) {
    const refused = JSON.parse(line.slice(5)) as { url: string; status: number; reason: string; challenge: string | undefined };
    throw new AuthChallengeError(refused.url, refused.status, refused.reason, refused.challenge);
  }
  throw new ConnectionError(line.startsWith('error ') ? line.slice(6) : 'The warm-server daemon exited before it was ready', 'E_DAEMON');
}

/** A client transport to the daemon: JSON lines over its socket; the first line is its hello. */
class DaemonTransport implements ClientTransport {
  kind: ClientTransport['kind'] = 'stdio';
  readonly hello: Promise<DaemonHello>;
  onMessage: ClientTransport['onMessage'] = () => undefined;
  onClose: ClientTransport['onClose'] = () => undefined;
  readonly #socket: Socket;

  constructor(socket: Socket, maxBytes: number) {
    this.#socket = socket;
    let greeted: (hello: DaemonHello) => void;
    let refused: (error: Error) => void;
    this.hello = new Promise((resolve, reject) => {
      greeted = resolve;
      refused = reject;
    });
    let first = true;
    const closed = (): ConnectionError => new ConnectionError('The warm-server daemon closed the connection (its server exited, or mcp-call stop stopped it)', 'E_DAEMON');
    readJsonLines(socket, maxBytes, (message) => {
      if (!first) return this.onMessage(message as unknown as JsonRpcMessage);
      first = false;
      const hello = message.params as DaemonHello;
      this.kind = hello.transport;
      greeted(hello);
    }, (error) => socket.destroy(error));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      refused(closed());
      this.onClose(closed());
    });
  }

  send(message: JsonRpcMessage): Promise<void> {
    writeJsonLine(this.#socket, message);
    return Promise.resolve();
  }

  setProtocolVersion(): void {
    // the daemon's connection has one already
  }

  listen(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#socket.end();
    return Promise.resolve();
  }
}
