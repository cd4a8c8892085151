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
/** Lines are written together, at most this long after the first of them. */
const BATCH_MS = 50;

/**
 * The audit log (`--audit-log FILE|-`): one JSON line per tool call, prompt get and resource read,
 * with who made it, in which session, what it was about, a hash of its arguments (never their
 * values), its outcome and duration. Writing never holds a call up: lines are written together
 * every 50 ms; while the sink is slow they wait in a bounded queue, and what does not fit is
 * dropped and counted in a line of its own.
 */
export class AuditLog implements RequestObserver {
  readonly #sink: Writable;
  readonly #getRegistry: () => Registry;
  readonly #closeSink: boolean;
  /** Lines not yet handed to the sink: written together, at most every {@link BATCH_MS}. */
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The sink said it is full: nothing more is handed to it until it drains. */
  #blocked = false;
  #dropped = 0;

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
    if (!AUDITED.has(method)) return;
    const args = method === 'resources/read' ? params.uri : params.arguments;
    // No spread in this literal: V8 builds one that has a spread the slow way. A session that is
    // undefined is left out of the line by JSON.stringify.
    const entry = {
      time: this.#now(),
      identity: this.#identity(session),
      session: session.id,
      method,
      name: observedName(this.#getRegistry(), session, method, params),
      // One-shot hashing: a Hash object per call costs more than the rest of the line.
      argumentsHash: `sha256:${hash('sha256', argumentsJson(args), 'hex')}`,
      outcome,
      durationMs: Math.round(seconds * 1000 * 10) / 10,
    };
    this.#add(`${JSON.stringify(entry)}\n`);
  }

  #lastMs = 0;
  #lastTime = '';
  /** The time as ISO text, made once per millisecond: calls that end together share it. */
  #now(): string {
    const now = Date.now();
    if (now !== this.#lastMs) {
      this.#lastMs = now;
      this.#lastTime = new Date(now).toISOString();
    }
    return this.#lastTime;
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
    this.#flush();
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
    // One write for many lines: a write per call would cost more than the call.
    if (this.#timer === undefined && !this.#blocked) this.#timer = setTimeout(() => this.#flush(), BATCH_MS).unref();
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#blocked) return;
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
