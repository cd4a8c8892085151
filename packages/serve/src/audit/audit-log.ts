import { hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

import { canonicalJson, ConfigError } from '@mcp-cli/core';

import type { McpSession, ObservedRequest, RequestObserver, RequestOutcome } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { observedName } from '../server/request-name.ts';

/** The requests the audit log records: what a client did with the server's tools, prompts and resources. */
const AUDITED = new Set(['tools/call', 'prompts/get', 'resources/read']);
/** Lines held while the sink does not keep up; past either bound, lines are dropped and counted. */
const MAX_QUEUED_LINES = 10_000;
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Lines are made and written together, at most this long after the first of their calls. */
const BATCH_MS = 50;
/** Calls kept for their lines at most: they hold their arguments until then. */
const MAX_CALLS_UNWRITTEN = 1000;

/** What a line needs of a call, taken when it ends. */
interface AuditedCall {
  at: number;
  identity: Record<string, string>;
  session: string | undefined;
  method: string;
  name: string;
  args: unknown;
  outcome: RequestOutcome;
  durationMs: number;
}

/**
 * The audit log (`--audit-log FILE|-`): one JSON line per tool call, prompt get and resource read,
 * with who made it, in which session, what it was about, a hash of its arguments (never their
 * values), its outcome and duration. Writing never holds a call up: lines are made and written
 * together every 50 ms; while the sink is slow they wait in a bounded queue, and what does not fit
 * is dropped and counted in a line of its own.
 */
export class AuditLog implements RequestObserver {
  readonly #sink: Writable;
  readonly #getRegistry: () => Registry;
  readonly #closeSink: boolean;
  /** Calls whose lines are not made yet: made and written together, at most {@link BATCH_MS} later. */
  #calls: AuditedCall[] = [];
  /** Lines not yet handed to the sink. */
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The sink said it is full: nothing more is handed to it until it drains. */
  #blocked = false;
  #dropped = 0;
  #closed = false;

  private constructor(sink: Writable, getRegistry: () => Registry, closeSink: boolean) {
    this.#sink = sink;
    this.#getRegistry = getRegistry;
    this.#closeSink = closeSink;
    sink.on('drain', () => {
      this.#blocked = false;
      this.#flush();
    });
  }

  /**
   * Opens the log: `-` is standard output, anything else a file appended to (made if missing).
   * @throws ConfigError when the file cannot be opened.
   */
  static async open(target: string, getRegistry: () => Registry): Promise<AuditLog> {
    if (target === '-') return new AuditLog(process.stdout, getRegistry, false);
    const file = createWriteStream(target, { flags: 'a' });
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', (error) => reject(new ConfigError(`Cannot open the audit log ${target}: ${error.message}. Name a file in a directory that exists and can be written, or - for standard output`, 'E_AUDIT_LOG')));
    });
    // A disk that fails later must not crash the server: the lines are lost, and said so on stderr once.
    file.once('error', (error) => process.stderr.write(`mcp-serve: the audit log ${target} failed: ${error.message}\n`));
    return new AuditLog(file, getRegistry, true);
  }

  requestEnded({ method, params, session }: ObservedRequest, outcome: RequestOutcome, seconds: number): void {
    if (!AUDITED.has(method) || this.#closed) return;
    // What can change after the call (the registry, the session's token) is taken now; the line is
    // made later, with the others of its batch.
    this.#calls.push({
      at: Date.now(),
      identity: this.#identity(session),
      session: session.id,
      method,
      name: observedName(this.#getRegistry(), session, method, params),
      args: method === 'resources/read' ? params.uri : params.arguments,
      outcome,
      durationMs: Math.round(seconds * 1000 * 10) / 10,
    });
    if (this.#calls.length >= MAX_CALLS_UNWRITTEN) this.#makeLines();
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.#flush(), BATCH_MS).unref();
  }

  /** Turns the calls of a batch into lines: made together in one loop, they cost about half what each made as its call ends does. */
  #makeLines(): void {
    const calls = this.#calls;
    this.#calls = [];
    for (const call of calls) {
      const entry = {
        time: isoTime(call.at),
        identity: call.identity,
        session: call.session,
        method: call.method,
        name: call.name,
        // One-shot hashing: a Hash object per call costs more than the rest of the line.
        argumentsHash: `sha256:${hash('sha256', argumentsJson(call.args), 'hex')}`,
        outcome: call.outcome,
        durationMs: call.durationMs,
      };
      this.#add(`${JSON.stringify(entry)}\n`);
    }
  }

  readonly #identities = new WeakMap<McpSession, { auth: unknown; identity: Record<string, string> }>();
  /** Who a session is, worked out again only when its token's claims change. */
  #identity(session: McpSession): Record<string, string> {
    const known = this.#identities.get(session);
    if (known && known.auth === session.auth) return known.identity;
    const identity = identityOf(session);
    this.#identities.set(session, { auth: session.auth, identity });
    return identity;
  }

  /** Writes what is pending and ends the file (standard output stays open). */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    // What waits for a slow sink is handed to it now: the stream holds it until it is written.
    this.#flush(true);
    this.#closed = true;
    if (!this.#closeSink) return;
    await new Promise<void>((resolve) => this.#sink.end(() => resolve()));
  }

  #add(line: string): void {
    if (this.#pending.length >= MAX_QUEUED_LINES || this.#pendingBytes + line.length > MAX_QUEUED_BYTES) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
  }

  #flush(evenIfBlocked = false): void {
    this.#timer = undefined;
    this.#makeLines();
    if (this.#blocked && !evenIfBlocked) return;
    if (this.#dropped > 0) {
      this.#pending.push(`${JSON.stringify({ time: new Date().toISOString(), event: 'audit_lines_dropped', count: this.#dropped })}\n`);
      this.#dropped = 0;
    }
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#blocked = !this.#sink.write(text);
  }
}

/**
 * Who made a request: the OAuth token's subject and client, or a digest of the static token (the
 * same for every request with it, never the token), and the client's address.
 */
function identityOf(session: McpSession): Record<string, string> {
  const identity: Record<string, string> = {};
  const claims = session.auth;
  if (claims) {
    if (typeof claims.sub === 'string') identity.subject = claims.sub;
    const client = claims.client_id ?? claims.azp;
    if (typeof client === 'string') identity.clientId = client;
  } else if (session.principal) {
    identity.token = session.principal.slice(0, 12);
  }
  if (session.clientAddress) identity.address = session.clientAddress;
  return identity;
}

let cachedSecond = -1;
let cachedSecondText = '';
/** `new Date(ms).toISOString()`, which runs a printf, made once a second: the milliseconds are added. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedSecondText = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `${cachedSecondText}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * The arguments as canonical JSON: JSON.stringify's own text when they are an object whose keys
 * are in order and whose values are not objects (the usual call), which is that already.
 */
export function argumentsJson(args: unknown): string {
  if (args === undefined) return '{}';
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return canonicalJson(args);
  let previous: string | undefined;
  for (const key in args) {
    const value = (args as Record<string, unknown>)[key];
    if ((previous !== undefined && key <= previous) || (value !== null && typeof value === 'object') || !Object.hasOwn(args, key)) return canonicalJson(args);
    previous = key;
  }
  return JSON.stringify(args);
}
