import { ConnectionError, copyWith, isRpcError, META, requestAttributes, type TraceCarrier, type Tracing, withTraceMeta } from '@mcp-cli/core';

import { abortableSleep } from './abortable-sleep.ts';
import { type ClientTransport, type JsonRpcMessage, RpcError } from './json-rpc.ts';
import { type ClientDescription, invalidHeaderAnnotation, requestMeta } from './request-metadata.ts';

/**
 * Handles a request the server sends to the client (elicitation, sampling, ping, roots). The
 * signal fires when the server cancels its request (`notifications/cancelled`).
 */
export type ServerRequestHandler = (method: string, params: Record<string, unknown>, signal: AbortSignal, owner?: unknown) => Promise<Record<string, unknown>>;

/** Handles a notification; `owner` as for a server request. */
export type NotificationHandler = (method: string, params: Record<string, unknown>, owner?: unknown) => void;

/** Requests from the server answered at once: a server that sends more is refused, not queued. */
const MAX_SERVER_REQUESTS = 64;
/** Input-required rounds one 2026-07-28 request may take before mcp-call gives up on the server. */
const MAX_INPUT_ROUNDS = 16;
/** Bounds of a task's polling interval, whatever the server suggests. */
const MIN_POLL_MS = 100;
const MAX_POLL_MS = 5000;
/** The header mismatch error of 2026-07-28: a tool's Mcp-Param headers did not match its schema. */
const HEADER_MISMATCH = -32020;

/** Options of one request. */
export interface RequestOptions {
  signal: AbortSignal;
  /** Asks the server for progress notifications and receives them. */
  onProgress?: (params: { progress: number; total?: number; message?: string }) => void;
  /**
   * Gets the function that cancels this request (the server is told, the promise rejects): a way
   * to cancel with no AbortSignal per request, for a gateway forwarding many calls.
   */
  onCancel?: (cancel: (reason: Error) => void) => void;
  /** 2026-07-28: told each status of a task the server made of this request. */
  onTaskStatus?: (task: Record<string, unknown>) => void;
  /** 2026-07-28: a request the server turns into a task resolves with the task itself, not followed. */
  detach?: boolean;
  /**
   * Who the request is made for: the server's requests and notifications known to come in its
   * course (on its response stream, or its input-required rounds) reach the handlers with it.
   */
  owner?: unknown;
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
  onProgress?: RequestOptions['onProgress'];
  signal: AbortSignal;
  owner: unknown;
}

/**
 * JSON-RPC over a client transport: numbers requests, matches answers, routes progress to the
 * request that asked for it, answers server requests, and fails every open request when the
 * transport closes.
 */
export class ClientSession {
  readonly #transport: ClientTransport;
  readonly #pending = new Map<string | number, Pending>();
  #nextId = 0;
  #closedWith: Error | undefined;
  /** Signals already watched: one listener per signal, however many requests share it. */
  readonly #watched = new WeakSet<AbortSignal>();
  /** The server's requests being answered, so the server can cancel them. */
  readonly #incoming = new Map<string | number, AbortController>();
  /** Notices still being sent (cancellations, initialized); close() waits so the server hears. */
  readonly #background = new Set<Promise<void>>();
  onNotification: NotificationHandler = () => undefined;
  onServerRequest: ServerRequestHandler = async (method) => {
    throw new RpcError(-32601, `Method not found: ${method}`);
  };

  /** Protocol 2026-07-28: how each request describes the client, and the tools' input schemas. */
  #modern: ClientDescription | undefined;
  /** Input schemas of the tools listed so far (2026-07-28: their `x-mcp-header` parameters). */
  readonly toolSchemas = new Map<string, Record<string, unknown>>();
  /** Whether a result carried `resultType`, which only a 2026-07-28 server sends. */
  answeredModern = false;
  /** Makes a span of each request and sends its trace context on (`--traceparent`, OTLP); none by default. */
  tracing: Tracing | undefined;
  /** The trace the requests' spans belong to (the caller's `traceparent`). */
  traceParent: TraceCarrier | undefined;

  constructor(transport: ClientTransport) {
    this.#transport = transport;
    const receive: ClientTransport['onMessage'] = (message, relatedTo) => this.#receive(message, relatedTo);
    const fail: ClientTransport['onClose'] = (error) => this.#fail(error);
    transport.onMessage = receive;
    transport.onClose = fail;
  }

  get transport(): ClientTransport {
    return this.#transport;
  }

  /**
   * Speaks protocol 2026-07-28 from now on: every request carries `_meta`, input-required
   * results are answered through `onServerRequest` and the request sent again, and a request the
   * server turns into a task is followed to its end.
   */
  useModernProtocol(client: ClientDescription): void {
    this.#modern = client;
  }

  get modern(): boolean {
    return this.#modern !== undefined;
  }

  /** Sets the log level 2026-07-28 requests ask for (their `_meta` carries it). */
  setModernLogLevel(level: string): void {
    if (this.#modern) this.#modern = { ...this.#modern, logLevel: level };
  }

  /** Sends a request and resolves with its result; an error answer rejects with RpcError. */
  request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<Record<string, unknown>> {
    if (this.#modern) return this.#modernRequest(method, params ?? {}, options);
    return this.#send(method, params, options);
  }

  async #modernRequest(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<Record<string, unknown>> {
    const meta = copyWith((params._meta as Record<string, unknown> | undefined) ?? {}, requestMeta(this.#modern!));
    let current: Record<string, unknown> = copyWith(params, { _meta: meta });
    let relisted = false;
    for (let round = 0; round < MAX_INPUT_ROUNDS; round++) {
      let result: Record<string, unknown>;
      try {
        result = await this.#send(method, current, options);
      } catch (error) {
        // A tool whose Mcp-Param headers were missing (its schema not listed yet, or changed): list, then once more.
        if (!(error instanceof RpcError && error.code === HEADER_MISMATCH && method === 'tools/call' && !relisted)) throw error;
        relisted = true;
        await this.#listToolSchemas(options.signal);
        continue;
      }
      if (typeof result.resultType === 'string') this.answeredModern = true;
      if (method === 'tools/list') this.#keepToolSchemas(result);
      if (result.resultType === 'task') return options.detach ? result : this.#followTask(result, meta, options);
      if (result.resultType !== 'input_required') return method === 'server/discover' ? result : asCompleted(result);
      const answers = await this.#answerInputs(result.inputRequests, options.signal, options.owner);
      // The retry is a new request (new id) with the same params, the answers and the state echoed.
      current = { ...params, _meta: meta, inputResponses: answers, ...(result.requestState === undefined ? {} : { requestState: result.requestState }) };
    }
    throw new ConnectionError(`The server asked for input more than ${MAX_INPUT_ROUNDS} times for one ${method} request`, 'E_PROTOCOL');
  }

  /** Follows a task by its id to its end (2026-07-28): its result, or its error thrown. */
  followTask(taskId: string, options: RequestOptions): Promise<Record<string, unknown>> {
    if (!this.#modern) return Promise.reject(new ConnectionError('Tasks by id need protocol 2026-07-28 (--protocol-version 2026-07-28)', 'E_PROTOCOL_VERSION'));
    return this.#followTask({ taskId, pollIntervalMs: 500 }, requestMeta(this.#modern), options);
  }

  /** Answers the questions of an input-required result or a task, each through `onServerRequest`. */
  async #answerInputs(inputRequests: unknown, signal: AbortSignal, owner: unknown): Promise<Record<string, unknown>> {
    const entries = typeof inputRequests === 'object' && inputRequests !== null ? Object.entries(inputRequests as Record<string, { method?: unknown; params?: unknown }>) : [];
    if (entries.length > MAX_SERVER_REQUESTS) throw new ConnectionError(`The server asked ${entries.length} questions at once; mcp-call answers at most ${MAX_SERVER_REQUESTS}`, 'E_PROTOCOL');
    const answers = await Promise.all(
      entries.map(async ([key, request]) => {
        if (typeof request?.method !== 'string') throw new ConnectionError(`The server's input request "${key}" names no method`, 'E_PROTOCOL');
        return [key, await this.onServerRequest(request.method, (request.params ?? {}) as Record<string, unknown>, signal, owner)] as const;
      }),
    );
    return Object.fromEntries(answers);
  }

  /** Polls a task the server made of a request until it ends; its questions are answered with tasks/update. */
  async #followTask(created: Record<string, unknown>, meta: Record<string, unknown>, options: RequestOptions): Promise<Record<string, unknown>> {
    const taskId = created.taskId;
    if (typeof taskId !== 'string') throw new ConnectionError('The server answered with a task that has no taskId', 'E_PROTOCOL');
    const pollMs = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, typeof created.pollIntervalMs === 'number' ? created.pollIntervalMs : 1000));
    options.onTaskStatus?.(created);
    const answered = new Set<string>();
    try {
      for (;;) {
        await abortableSleep(pollMs, options.signal);
        const task = await this.#send('tasks/get', { taskId, _meta: meta }, options);
        options.onTaskStatus?.(task);
        if (task.status === 'completed') return (task.result ?? {}) as Record<string, unknown>;
        if (task.status === 'failed') {
          const error = (task.error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
          throw new RpcError(typeof error.code === 'number' ? error.code : -32603, typeof error.message === 'string' ? error.message : 'the task failed', error.data);
        }
        if (task.status === 'cancelled') throw new ConnectionError(`The server cancelled task ${taskId}`, 'E_TASK_CANCELLED');
        if (task.status !== 'input_required') continue;
        // Each question is answered once, however many polls show it before the server takes the answer.
        const open = Object.fromEntries(Object.entries((task.inputRequests ?? {}) as Record<string, unknown>).filter(([key]) => !answered.has(key)));
        if (Object.keys(open).length === 0) continue;
        const answers = await this.#answerInputs(open, options.signal, options.owner);
        for (const key of Object.keys(answers)) answered.add(key);
        await this.#send('tasks/update', { taskId, inputResponses: answers, _meta: meta }, options);
      }
    } catch (error) {
      // Ctrl-C or the deadline: the task is cancelled on the server too.
      if (options.signal.aborted) this.#background.add(this.#send('tasks/cancel', { taskId, _meta: meta }, { signal: AbortSignal.timeout(2000) }).then(() => undefined, () => undefined));
      throw error;
    }
  }

  async #listToolSchemas(signal: AbortSignal): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.#send('tools/list', { ...(cursor ? { cursor } : {}), _meta: requestMeta(this.#modern!) }, { signal });
      this.#keepToolSchemas(result);
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) return;
    }
  }

  /**
   * Remembers listed tools' schemas (their Mcp-Param headers) and drops, from the result itself,
   * tools whose `x-mcp-header` annotations are invalid: the spec has clients refuse them.
   */
  #keepToolSchemas(result: Record<string, unknown>): void {
    if (!Array.isArray(result.tools)) return;
    result.tools = (result.tools as Record<string, unknown>[]).filter((tool) => {
      const schema = (tool.inputSchema ?? {}) as Record<string, unknown>;
      if (typeof tool.name !== 'string' || invalidHeaderAnnotation(schema) !== undefined) return false;
      this.toolSchemas.set(tool.name, schema);
      return true;
    });
  }

  #send(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<Record<string, unknown>> {
    if (!this.tracing) return this.#exchange(method, params, options);
    // Traced: a client span per request, sent on in `_meta` (and as headers over HTTP).
    const name = typeof params?.name === 'string' ? params.name : undefined;
    const span = this.tracing.start(name === undefined ? method : `${method} ${name}`, {
      kind: 'client',
      parent: this.traceParent,
      attributes: requestAttributes(method, params),
    });
    const answer = this.#exchange(method, withTraceMeta(params, span.carrier), options);
    answer.then(
      (result) => span.end(result.isError === true ? 'tool_error' : undefined),
      (error: { code?: unknown; message?: string }) => span.end(typeof error.code === 'number' ? String(error.code) : 'error', error.message),
    );
    return answer;
  }

  #exchange(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<Record<string, unknown>> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    const id = ++this.#nextId;
    const message: JsonRpcMessage = { jsonrpc: '2.0', id, method };
    if (options.onProgress) message.params = copyWith(params ?? {}, { _meta: copyWith((params?._meta as Record<string, unknown> | undefined) ?? {}, { progressToken: id }) });
    else if (params !== undefined) message.params = params;
    if (options.signal.aborted) return Promise.reject(options.signal.reason as Error);
    this.#watch(options.signal);
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, onProgress: options.onProgress, signal: options.signal, owner: options.owner };
      this.#pending.set(id, pending);
      options.onCancel?.((reason) => this.#cancel(id, pending, reason));
      this.#transport.send(message, options.signal).catch((error: Error) => {
        if (this.#pending.delete(id)) reject(error);
      });
    });
  }

  /** Stops waiting for a request and tells the server to stop working on it; its answer, if any, is then ignored. */
  #cancel(id: number, pending: Pending, reason: Error): void {
    if (this.#pending.get(id) !== pending) return;
    this.#pending.delete(id);
    this.notifyInBackground('notifications/cancelled', { requestId: id, reason: reason.message });
    pending.reject(reason);
  }

  #watch(signal: AbortSignal): void {
    if (this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        const reason = signal.reason instanceof Error ? signal.reason : new Error('aborted');
        for (const [id, pending] of this.#pending) if (pending.signal === signal) this.#cancel(id as number, pending, reason);
      },
      { once: true },
    );
  }

  /** Sends a notification. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const message: JsonRpcMessage = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    await this.#transport.send(message, AbortSignal.timeout(5000));
  }

  #receive(message: JsonRpcMessage, relatedTo: string | number | undefined): void {
    if (message.method === undefined) {
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id!);
      if (message.error) pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
      else pending.resolve(message.result ?? {});
      return;
    }
    const params = message.params ?? {};
    const owner = relatedTo === undefined ? undefined : this.#pending.get(relatedTo)?.owner;
    if (message.id === undefined) {
      if (message.method === 'notifications/progress') {
        this.#pending.get(params.progressToken as number)?.onProgress?.(params as { progress: number });
      } else if (message.method === 'notifications/cancelled') {
        this.#incoming.get(params.requestId as string | number)?.abort(new Error(`the server cancelled its request${typeof params.reason === 'string' ? `: ${params.reason}` : ''}`));
      }
      this.onNotification(message.method, params, owner);
      return;
    }
    void this.#answer(message.id, message.method, params, owner);
  }

  async #answer(id: string | number, method: string, params: Record<string, unknown>, owner: unknown): Promise<void> {
    let reply: JsonRpcMessage;
    const cancel = new AbortController();
    try {
      if (this.#incoming.size >= MAX_SERVER_REQUESTS || this.#incoming.has(id)) throw new RpcError(-32603, `mcp-call answers at most ${MAX_SERVER_REQUESTS} server requests at once, each id once`);
      this.#incoming.set(id, cancel);
      const result = method === 'ping' ? {} : await this.onServerRequest(method, params, cancel.signal, owner);
      reply = { jsonrpc: '2.0', id, result };
    } catch (error) {
      reply = { jsonrpc: '2.0', id, error: errorAnswer(error) };
    } finally {
      if (this.#incoming.get(id) === cancel) this.#incoming.delete(id);
    }
    // A request the server cancelled gets no answer, as the protocol asks.
    if (cancel.signal.aborted) return;
    await this.#transport.send(reply, AbortSignal.timeout(10_000)).catch(() => undefined);
  }

  /** Sends a notification without waiting for its answer; close() waits for it. */
  notifyInBackground(method: string, params?: Record<string, unknown>): void {
    this.#background.add(this.notify(method, params).catch(() => undefined));
  }

  #fail(error: Error): void {
    this.#closedWith = error instanceof ConnectionError ? error : new ConnectionError(error.message, 'E_CONNECTION', { cause: error });
    for (const pending of this.#pending.values()) pending.reject(this.#closedWith);
    this.#pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.#background);
    this.#closedWith ??= new ConnectionError('connection closed', 'E_CLOSED');
    await this.#transport.close();
  }
}

/**
 * A 2026-07-28 result as an earlier server would give it: without `resultType: "complete"` and
 * the server's identity in `_meta` (known from `server/discover`), so output and scripts do not
 * depend on the protocol version.
 */
function asCompleted(result: Record<string, unknown>): Record<string, unknown> {
  const { resultType: _type, _meta, ...rest } = result;
  if (typeof _meta !== 'object' || _meta === null) return rest;
  const { [META.serverInfo]: _server, ...meta } = _meta as Record<string, unknown>;
  return Object.keys(meta).length > 0 ? copyWith(rest, { _meta: meta }) : rest;
}

/**
 * The JSON-RPC error that answers a server's request: a JSON-RPC error (ours, or an embedding
 * program's own copy of the class, as a gateway's) keeps its code, message and data unchanged.
 */
function errorAnswer(error: unknown): { code: number; message: string; data?: unknown } {
  const message = typeof (error as { message?: unknown } | null)?.message === 'string' ? (error as Error).message : String(error);
  if (!isRpcError(error)) return { code: -32603, message };
  return { code: error.code, message, ...(error.data === undefined ? {} : { data: error.data }) };
}
