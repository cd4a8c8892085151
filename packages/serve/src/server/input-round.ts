import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { copyWith, RpcCode, RpcError } from '@mcp-cli/core';

/** What the client may be asked for in an input-required result (2026-07-28). */
const ASKABLE = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

/** How long a `requestState` is honoured after it was handed out. */
const STATE_TTL_MS = 15 * 60_000;

/** Most bytes of answers a `requestState` carries from round to round. */
const MAX_STATE_BYTES = 512 * 1024;

/** Most questions one round may ask. */
const MAX_ASKS = 32;

/** Where a handler's questions to the client go: an input-required result, or a task. */
export interface Asker {
  ask(method: string, params: Record<string, unknown>, key: string | undefined): Promise<Record<string, unknown>>;
}

/**
 * Names a handler's questions: the key it gave, else `<kind>-<n>` counted per kind in the order it
 * asks (`elicitation-1`, `sampling-1`, `roots-1`), so a handler that runs again asks the same names.
 */
export class QuestionKeys {
  readonly #counts = new Map<string, number>();

  next(method: string, key: string | undefined): string {
    const kind = method.split('/')[0]!;
    const count = (this.#counts.get(kind) ?? 0) + 1;
    this.#counts.set(kind, count);
    return key ?? `${kind}-${count}`;
  }
}

/** What a signed `requestState` holds. */
interface StatePayload {
  v: 1;
  /** The method and a digest of its target and arguments: a state is valid only for its request. */
  request: string;
  /** A digest of the credential that made the request: another client cannot replay it. */
  principal: string;
  expires: number;
  /** Answers of earlier rounds, by key. */
  answers: Record<string, Record<string, unknown>>;
  /** Keys asked in the last round: only their answers are taken from `inputResponses`. */
  asked: string[];
}

/** The secret that signs request states: shared by every process behind one endpoint when set. */
export function stateSecret(configured: string | undefined): Buffer {
  return configured ? createHash('sha256').update(configured).digest() : randomBytes(32);
}

/**
 * One 2026-07-28 request that may ask its client for input (multi round-trip requests, SEP-2322).
 * The handler runs again on every retry: each `ask` with a key the client has answered (in
 * `inputResponses`, or carried from an earlier round in the signed `requestState`) resolves at
 * once; the others are collected, and the request is answered with an input-required result
 * that lists them. No state stays on the server, so any process can take the retry.
 */
export class InputRound implements Asker {
  readonly #answers: Record<string, Record<string, unknown>>;
  readonly #pending = new Map<string, { method: string; params: Record<string, unknown> }>();
  readonly #keys = new QuestionKeys();
  readonly #method: string;
  readonly #params: Record<string, unknown>;
  readonly #principalCredential: string;
  readonly #secret: Buffer;
  /** Takes the input-required result once the handler waits on questions not answered yet. */
  readonly #blocked: (result: Record<string, unknown>) => void;

  /** @throws RpcError (-32602) when `requestState` fails its check or `inputResponses` is malformed. */
  constructor(method: string, params: Record<string, unknown>, principal: string, secret: Buffer, blocked: (result: Record<string, unknown>) => void) {
    this.#secret = secret;
    this.#method = method;
    this.#params = params;
    this.#principalCredential = principal;
    const { inputResponses, requestState } = params;
    const state = requestState === undefined ? undefined : this.#verify(requestState);
    const responses = readResponses(inputResponses);
    const taken = state ? Object.fromEntries(Object.entries(responses).filter(([key]) => state.asked.includes(key))) : responses;
    this.#answers = copyWith(state?.answers ?? {}, taken);
    this.#blocked = blocked;
  }

  /** True while the handler waits on questions this round will ask. */
  get waiting(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Asks the client: resolves with its answer when it gave one, else waits for ever (the request
   * is answered with the question instead, and the handler's signal aborts).
   */
  ask(method: string, params: Record<string, unknown>, key: string | undefined): Promise<Record<string, unknown>> {
    if (!ASKABLE.has(method)) return Promise.reject(new RpcError(RpcCode.internalError, `A 2026-07-28 request cannot ask the client for ${method}; only elicitation/create, sampling/createMessage and roots/list`));
    const name = this.#keys.next(method, key);
    const answer = this.#answers[name];
    if (answer !== undefined) return Promise.resolve(answer);
    if (this.#pending.size >= MAX_ASKS) return Promise.reject(new RpcError(RpcCode.internalError, `A request may ask its client at most ${MAX_ASKS} questions at once`));
    if (this.#pending.size === 0) setImmediate(() => this.#block());
    this.#pending.set(name, { method, params });
    return new Promise(() => undefined);
  }

  /** The request a state belongs to: made only when a state is made or checked, not on every call. */
  get #request(): string {
    const { inputResponses: _answers, requestState: _state, _meta: _meta, ...rest } = this.#params;
    return digest(`${this.#method}\u0000${JSON.stringify(rest)}`);
  }

  get #principal(): string {
    return digest(this.#principalCredential);
  }

  #block(): void {
    const payload: StatePayload = { v: 1, request: this.#request, principal: this.#principal, expires: Date.now() + STATE_TTL_MS, answers: this.#answers, asked: [...this.#pending.keys()] };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    if (body.length > MAX_STATE_BYTES) {
      this.#blocked({ resultType: 'complete', isError: true, content: [{ type: 'text', text: `The answers to this request's questions exceed ${MAX_STATE_BYTES} bytes` }] });
      return;
    }
    this.#blocked({ resultType: 'input_required', inputRequests: Object.fromEntries(this.#pending), requestState: `${body}.${this.#sign(body)}` });
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }

  #verify(state: unknown): StatePayload {
    const refuse = (why: string): never => {
      throw new RpcError(RpcCode.invalidParams, `Invalid params: requestState ${why}; start the request again without it`);
    };
    if (typeof state !== 'string' || state.length > 2 * MAX_STATE_BYTES) return refuse('is not one this server handed out');
    const [body = '', signature = ''] = state.split('.');
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('failed its integrity check');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    if (payload.expires < Date.now()) return refuse('has expired');
    if (payload.principal !== this.#principal) return refuse('belongs to another client');
    if (payload.request !== this.#request) return refuse('belongs to another request');
    return payload;
  }
}

/** The client's answers: an object (else -32602) whose entries that are not results are ignored. */
function readResponses(value: unknown): Record<string, Record<string, unknown>> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new RpcError(RpcCode.invalidParams, 'Invalid params: inputResponses must be an object mapping each requested key to its result');
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, Record<string, unknown>] => isObject(entry[1])));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}
