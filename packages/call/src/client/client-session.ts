import { ConnectionError } from '@mcp-cli/core';

import { type ClientTransport, type JsonRpcMessage, RpcError } from './json-rpc.ts';

/**
 * Handles a request the server sends to the client (elicitation, sampling, ping, roots). The
 * signal fires when the server cancels its request (`notifications/cancelled`).
 */
export type ServerRequestHandler = (method: string, params: Record<string, unknown>, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** Requests from the server answered at once: a server that sends more is refused, not queued. */
const MAX_SERVER_REQUESTS = 64;

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
}

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
  onProgress?: RequestOptions['onProgress'];
  signal: AbortSignal;
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
  onNotification: (method: string, params: Record<string, unknown>) => void = () => undefined;
  onServerRequest: ServerRequestHandler = async (method) => {
    throw new RpcError(-32601, `Method not found: ${method}`);
  };

  constructor(transport: ClientTransport) {
    this.#transport = transport;
    transport.onMessage = (message) => this.#receive(message);
    transport.onClose = (error) => this.#fail(error);
  }

  get transport(): ClientTransport {
    return this.#transport;
  }

  /** Sends a request and resolves with its result; an error answer rejects with RpcError. */
  request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<Record<string, unknown>> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    const id = ++this.#nextId;
    const message: JsonRpcMessage = { jsonrpc: '2.0', id, method };
    if (options.onProgress) message.params = { ...params, _meta: { progressToken: id } };
    else if (params !== undefined) message.params = params;
    if (options.signal.aborted) return Promise.reject(options.signal.reason as Error);
    this.#watch(options.signal);
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, onProgress: options.onProgress, signal: options.signal };
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

  #receive(message: JsonRpcMessage): void {
    if (message.method === undefined) {
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id!);
      if (message.error) pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
      else pending.resolve(message.result ?? {});
      return;
    }
    const params = message.params ?? {};
    if (message.id === undefined) {
      if (message.method === 'notifications/progress') {
        this.#pending.get(params.progressToken as number)?.onProgress?.(params as { progress: number });
      } else if (message.method === 'notifications/cancelled') {
        this.#incoming.get(params.requestId as string | number)?.abort(new Error(`the server cancelled its request${typeof params.reason === 'string' ? `: ${params.reason}` : ''}`));
      }
      this.onNotification(message.method, params);
      return;
    }
    void this.#answer(message.id, message.method, params);
  }

  async #answer(id: string | number, method: string, params: Record<string, unknown>): Promise<void> {
    let reply: JsonRpcMessage;
    const cancel = new AbortController();
    try {
      if (this.#incoming.size >= MAX_SERVER_REQUESTS || this.#incoming.has(id)) throw new RpcError(-32603, `mcp-call answers at most ${MAX_SERVER_REQUESTS} server requests at once, each id once`);
      this.#incoming.set(id, cancel);
      const result = method === 'ping' ? {} : await this.onServerRequest(method, params, cancel.signal);
      reply = { jsonrpc: '2.0', id, result };
    } catch (error) {
      const code = error instanceof RpcError ? error.code : -32603;
      reply = { jsonrpc: '2.0', id, error: { code, message: (error as Error).message } };
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
