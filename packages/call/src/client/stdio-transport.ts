import type { ChildProcess } from 'node:child_process';

import { ConnectionError, UsageError } from '@mcp-cli/core';

import type { ClientTransport, JsonRpcMessage } from './json-rpc.ts';
import { DescendantTracker } from './descendants.ts';
import { signalGroup } from './process-group.ts';

/** A server started as a child process that speaks JSON-RPC on its stdin and stdout. */
export interface StdioServer {
  command: string;
  args: string[];
  /** Added to the safe default environment. */
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * The variables a child inherits by default, as the official SDK's `getDefaultEnvironment()`
 * defines them (a unit test keeps this list equal to the SDK's): enough to run, no secrets.
 */
export const INHERITED_ENV_VARS: readonly string[] =
  process.platform === 'win32'
    ? ['APPDATA', 'COMSPEC', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'WINDIR']
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

/** The safe default environment plus the configured variables. */
export function childEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = process.env[key];
    // A value starting with "()" is an exported shell function: never passed on (as the SDK does).
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return { ...env, ...extra };
}

const STDERR_LINE_CHARS = 2000;
/** The end of the server's stderr kept for error messages: its last lines are read from it only when needed. */
const STDERR_TAIL_BYTES = 16 * 1024;
/** How long the child gets to exit after its stdin closes, and again after SIGTERM. */
const GRACE_MS = 1000;

/** Options of {@link StdioTransport}. */
export interface StdioTransportOptions {
  maxMessageBytes: number;
  /** Each line the server writes to stderr (for --verbose). */
  onStderr?: (line: string) => void;
}

/**
 * The client side of the stdio transport: newline-delimited JSON-RPC with a child process. The
 * child runs in its own process group (on POSIX), so that closing ends its whole tree: stdin is
 * closed, then after a grace period the group gets SIGTERM, then SIGKILL. Its last stderr lines
 * are kept (bounded) for the error when it fails.
 */
export class StdioTransport implements ClientTransport {
  readonly kind = 'stdio';
  onMessage: (message: JsonRpcMessage) => void = () => undefined;
  onClose: (error: Error) => void = () => undefined;
  readonly #server: StdioServer;
  readonly #options: StdioTransportOptions;
  #child: ChildProcess | undefined;
  #corked = false;
  #exited: Promise<void> = Promise.resolve();
  #closing = false;
  #stdout: string[] = [];
  #stdoutLength = 0;
  /** What the server started, followed beyond its process group. */
  #descendants: DescendantTracker | undefined;
  /** The last bytes of the server's stderr (for an error); lines are found in them only when one is reported. */
  #stderrTail: Buffer = Buffer.alloc(0);
  /** A line begun in the last chunk, for `onStderr` (only kept when someone listens). */
  #stderrPartial = '';

  constructor(server: StdioServer, options: StdioTransportOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** The command line, for messages. */
  get description(): string {
    const full = [this.#server.command, ...this.#server.args].join(' ');
    // A command line of megabytes is named by its start, not printed whole.
    return full.length > 200 ? `${full.slice(0, 200)}… (${full.length} characters)` : full;
  }

  /**
   * Starts the server process.
   *
   * @throws ConnectionError naming the command when it cannot be started.
   */
  async start(signal: AbortSignal): Promise<void> {
    // cross-spawn is what the SDK spawns with: PATHEXT and shebangs on Windows, no shell.
    const { default: spawn } = await import('cross-spawn');
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(this.#server.command, this.#server.args, {
        env: childEnvironment(this.#server.env),
        cwd: this.#server.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
        detached: process.platform !== 'win32', // its own process group: the whole tree can be ended
      });
    } catch (error) {
      // Some refusals are thrown at once rather than emitted: a command line or environment too long for the system (E2BIG).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'E2BIG') throw new UsageError(`Cannot start the server "${this.description}": its arguments and environment are longer than the system allows`, 'E_SPAWN', { cause: error });
      throw new ConnectionError(`Cannot start the server "${this.description}": ${(error as Error).message}`, 'E_SPAWN', { cause: error });
    }
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('close', () => resolve()));
    // Descendants that leave the group (setsid) are followed too, and ended with it.
    const tracker = child.pid === undefined ? undefined : new DescendantTracker(child.pid);
    this.#descendants = tracker;
    // Whatever ends this process, the server's group and descendants do not outlive it.
    const killOnExit = (): void => {
      tracker?.snapshot();
      signalGroup(child, 'SIGKILL');
      tracker?.signal('SIGKILL');
    };
    process.once('exit', killOnExit);
    void this.#exited.then(() => {
      if (this.#groupAlive() || tracker?.anyAlive()) return;
      process.off('exit', killOnExit);
      tracker?.stop();
    });
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      child.once('spawn', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        const why = error.code === 'ENOENT' ? 'command not found' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new ConnectionError(`Cannot start the server "${this.description}": ${why}`, 'E_SPAWN', { cause: error }));
      });
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.#read(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.#readStderr(chunk));
    child.stdin!.on('error', () => undefined); // a server that exits closes the pipe: reported by close below
    child.once('close', (code, signalName) => {
      if (this.#closing) return;
      const how = signalName ? `was killed by ${signalName}` : `exited with code ${code}`;
      this.#fail(new ConnectionError(`The server "${this.description}" ${how}${this.#lastStderr()}`, 'E_SERVER_EXITED'));
    });
  }

  setProtocolVersion(): void {
    // stdio carries no version header.
  }

  async listen(): Promise<void> {
    // Server messages arrive on stdout already.
  }

  async send(message: JsonRpcMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || stdin.destroyed || this.#closing) throw new ConnectionError(`The server "${this.description}" is not running${this.#lastStderr()}`, 'E_SERVER_EXITED');
    // Messages sent in one turn of the event loop leave in one write (a gateway under load).
    if (!this.#corked) {
      this.#corked = true;
      stdin.cork();
      setImmediate(() => {
        this.#corked = false;
        stdin.uncork();
      });
    }
    if (!stdin.write(`${JSON.stringify(message)}\n`)) await new Promise((resolve) => stdin.once('drain', resolve));
  }

  /** Closes stdin, then ends the process group: SIGTERM after a grace period, then SIGKILL. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || this.#closing) return this.#exited;
    this.#closing = true;
    // Read while the server still runs: a descendant whose parent has left is found only through it.
    this.#descendants?.snapshot();
    child.stdin?.end();
    try {
      if (await this.#exitsWithin(GRACE_MS)) return;
      this.#signalAll('SIGTERM');
      if (await this.#exitsWithin(GRACE_MS)) return;
      this.#signalAll('SIGKILL');
      await this.#exitsWithin(GRACE_MS);
    } finally {
      this.#descendants?.stop();
    }
  }

  #signalAll(signal: NodeJS.Signals): void {
    this.#descendants?.snapshot();
    signalGroup(this.#child!, signal);
    this.#descendants?.signal(signal);
  }

  async #exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const exited = await Promise.race([this.#exited.then(() => true), timedOut]);
    clearTimeout(timer);
    // The group may outlive its leader (npx's children), and a descendant the group: each is
    // signalled even when the leader left.
    return exited && !this.#groupAlive() && this.#descendants?.anyAlive() !== true;
  }

  #groupAlive(): boolean {
    const pid = this.#child?.pid;
    if (process.platform === 'win32' || pid === undefined) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  #read(chunk: string): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const line = this.#stdout.length > 0 ? this.#stdout.join('') + chunk.slice(start, end) : chunk.slice(start, end);
      this.#stdout = [];
      this.#stdoutLength = 0;
      start = end + 1;
      this.#line(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (this.#closing) return;
    }
    if (start < chunk.length) {
      this.#stdoutLength += chunk.length - start;
      if (this.#stdoutLength > this.#options.maxMessageBytes) {
        this.#fail(new ConnectionError(`The server "${this.description}" sent a message larger than ${this.#options.maxMessageBytes} bytes (raise it with --max-message-bytes)`, 'E_MESSAGE_TOO_LARGE'));
        return;
      }
      this.#stdout.push(chunk.slice(start));
    }
  }

  #line(line: string): void {
    if (!line.trim()) return;
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(line) as JsonRpcMessage;
    } catch {
      this.#fail(new ConnectionError(`The server "${this.description}" printed something that is not JSON-RPC on stdout: ${JSON.stringify(line.slice(0, 80))} (servers must log to stderr)`, 'E_PROTOCOL'));
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.#fail(new ConnectionError(`The server "${this.description}" sent a JSON value that is not a JSON-RPC message: ${line.slice(0, 80)}`, 'E_PROTOCOL'));
      return;
    }
    this.onMessage(message);
  }

  /**
   * Keeps the end of a server's stderr, at a cost per chunk that does not grow with its lines: a
   * server that floods stderr costs little more than reading the pipe. Lines are split only for
   * `onStderr` (a verbose or debug log).
   */
  #readStderr(chunk: Buffer): void {
    const tail = this.#stderrTail;
    this.#stderrTail =
      chunk.length >= STDERR_TAIL_BYTES ? chunk.subarray(chunk.length - STDERR_TAIL_BYTES) : Buffer.concat([tail.subarray(Math.max(0, tail.length + chunk.length - STDERR_TAIL_BYTES)), chunk]);
    const onStderr = this.#options.onStderr;
    if (!onStderr) return;
    const lines = (this.#stderrPartial + chunk.toString('utf8')).split('\n');
    this.#stderrPartial = lines.pop()!.slice(-STDERR_LINE_CHARS);
    for (const line of lines) onStderr(line.replace(/\r$/, '').slice(0, STDERR_LINE_CHARS));
  }

  /** The server's last stderr lines, for an error message. */
  #lastStderr(): string {
    const text = this.#stderrTail.toString('utf8').split('\n');
    // The first line of a tail that was cut is only the end of a line.
    if (this.#stderrTail.length >= STDERR_TAIL_BYTES) text.shift();
    const lines = text.map((line) => line.replace(/\r$/, '').slice(0, STDERR_LINE_CHARS)).filter((line) => line.trim()).slice(-3);
    return lines.length > 0 ? `; its last stderr lines: ${lines.map((l) => l.trim()).join(' | ')}` : '';
  }

  #fail(error: ConnectionError): void {
    if (this.#closing) return;
    this.onClose(error);
    void this.close();
  }
}
