import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

import { ConnectionError, copyWith, traceHeaders } from '@mcp-cli/core';

import { authError, oneLine, readErrorReason, readText, sendHttpRequest, sendHttpRequestUntilSent } from './http-request.ts';
import { type ClientTransport, type JsonRpcMessage, parseMessages } from './json-rpc.ts';
import { SseParser } from './sse-parser.ts';

/** The server refused Streamable HTTP (4xx on initialize): the caller may fall back to SSE. */
export class TransportRefusedError extends ConnectionError {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message, 'E_TRANSPORT_REFUSED');
    this.status = status;
  }
}

const DEFAULT_RETRY_MS = 1000;
const MAX_RESUMES = 5;

/**
 * The client side of Streamable HTTP: each message is a POST answered with JSON, an SSE stream
 * or 202. A stream that ends before the answer arrives is resumed with GET + `Last-Event-ID`
 * after the server's `retry:` delay.
 */
export class StreamableHttpTransport implements ClientTransport {
  readonly kind = 'http';
  onMessage: (message: JsonRpcMessage, relatedTo?: string | number) => void = () => undefined;
  onClose: (error: Error) => void = () => undefined;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #maxMessageBytes: number;
  readonly #open = new Set<IncomingMessage>();
  /**
   * Protocol 2026-07-28: no session, and each POST carries the headers that mirror its body.
   * An error status whose body is a JSON-RPC error for the request is that request's answer.
   */
  headersFor: ((message: JsonRpcMessage) => OutgoingHttpHeaders) | undefined;

  constructor(url: URL, headers: Record<string, string>, maxMessageBytes: number) {
    this.#url = url;
    this.#headers = headers;
    this.#maxMessageBytes = maxMessageBytes;
  }

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  async send(message: JsonRpcMessage, signal: AbortSignal): Promise<void> {
    const res = await sendHttpRequest({
      method: 'POST',
      url: this.#url,
      headers: this.#requestHeaders({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...this.headersFor?.(message), ...traceHeaders(message) }),
      body: JSON.stringify(message),
      signal,
    });
    const sessionId = res.headers['mcp-session-id'];
    if (typeof sessionId === 'string') this.#sessionId = sessionId;
    // A request must be answered; only notifications and responses may get an empty 202.
    const awaiting = message.id !== undefined && message.method !== undefined ? message.id : undefined;
    if (res.statusCode === 202 || res.statusCode === 204) {
      res.resume();
      if (awaiting !== undefined) throw this.#unanswered(message, `HTTP ${res.statusCode} and no response`);
      return;
    }
    if (res.statusCode !== 200) {
      // 401 and 403 are about credentials, whatever their body says: their challenge matters.
      const refused = res.statusCode === 401 || res.statusCode === 403;
      if (!refused && this.headersFor && awaiting !== undefined && String(res.headers['content-type'] ?? '').includes('application/json')) {
        const answer = await this.#errorAnswer(res, awaiting);
        if (answer) return void this.onMessage(answer);
        throw new TransportRefusedError(`${this.#url.href} answered HTTP ${res.statusCode} without a protocol 2026-07-28 error`, res.statusCode ?? 0);
      }
      // The first request (initialize, or server/discover for 2026-07-28) probes the endpoint.
      throw await this.#statusError(res, message.method === 'initialize' || message.method === 'server/discover');
    }
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('text/event-stream')) {
      // The stream is read in the background; the answer reaches the session through onMessage.
      void this.#readStream(res, awaiting, signal, 0);
      return;
    }
    const text = await readText(res, this.#maxMessageBytes);
    if (!text.trim()) {
      if (awaiting !== undefined) throw this.#unanswered(message, 'an empty body');
      return;
    }
    let messages: JsonRpcMessage[];
    try {
      messages = parseMessages(text);
    } catch {
      throw new ConnectionError(`Server at ${this.#url.href} answered with invalid JSON: ${oneLine(text, 100)}`, 'E_PROTOCOL');
    }
    if (awaiting !== undefined && !messages.some((m) => m.method === undefined && m.id === awaiting)) {
      throw this.#unanswered(message, 'a body that answers another request');
    }
    for (const m of messages) this.onMessage(m, awaiting);
  }

  /** The JSON-RPC error an error status carries for the awaited request, if it carries one. */
  async #errorAnswer(res: IncomingMessage, awaiting: string | number): Promise<JsonRpcMessage | undefined> {
    const text = await readText(res, 64 * 1024).catch(() => '');
    try {
      const body = JSON.parse(text) as JsonRpcMessage;
      return body.id === awaiting && typeof body.error?.code === 'number' ? body : undefined;
    } catch {
      return undefined;
    }
  }

  #unanswered(message: JsonRpcMessage, what: string): ConnectionError {
    return new ConnectionError(`${this.#url.href} answered the "${message.method}" request with ${what}: the server does not follow the MCP protocol`, 'E_PROTOCOL');
  }

  /**
   * Opens the GET stream on which the server sends requests and notifications that belong to
   * no request. Resolves once the server has answered; a server that offers no such stream
   * (405, or any other refusal) simply has none.
   */
  async listen(signal: AbortSignal): Promise<void> {
    let res: IncomingMessage;
    try {
      res = await sendHttpRequest({
        method: 'GET',
        url: this.#url,
        headers: this.#requestHeaders({ accept: 'text/event-stream' }),
        signal,
        endOnAbort: true,
      });
    } catch {
      return;
    }
    if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').includes('text/event-stream')) {
      res.resume();
      return;
    }
    void this.#readStream(res, undefined, signal, 0);
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    if (!this.#sessionId) return;
    // Ending the session frees it on the server. Only the sending is awaited: the answer changes
    // nothing for the caller, and waiting for it would delay every exit.
    await sendHttpRequestUntilSent({ method: 'DELETE', url: this.#url, headers: this.#requestHeaders({}), signal: AbortSignal.timeout(1000) }).catch(() => undefined);
  }

  #requestHeaders(extra: OutgoingHttpHeaders): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = copyWith(this.#headers, extra);
    if (this.#sessionId) headers['mcp-session-id'] = this.#sessionId;
    if (this.#protocolVersion) headers['mcp-protocol-version'] = this.#protocolVersion;
    return headers;
  }

  async #readStream(res: IncomingMessage, awaiting: string | number | undefined, signal: AbortSignal, resumes: number): Promise<void> {
    let lastEventId: string | undefined;
    let retryMs = DEFAULT_RETRY_MS;
    let answered = awaiting === undefined;
    let failure: Error | undefined;
    const parser = new SseParser((event) => {
      if (event.id !== undefined) lastEventId = event.id;
      if (event.retry !== undefined) retryMs = event.retry;
      if (event.event !== 'message' || !event.data.trim()) return;
      let messages: JsonRpcMessage[];
      try {
        messages = parseMessages(event.data);
      } catch {
        return;
      }
      for (const m of messages) {
        if (m.id === awaiting && m.method === undefined) answered = true;
        this.onMessage(m, awaiting);
      }
    }, this.#maxMessageBytes);
    this.#open.add(res);
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) parser.push(chunk as string);
    } catch (error) {
      // A dropped connection ends the stream like a close; resumption below decides what next.
      if (error instanceof ConnectionError) failure = error;
    } finally {
      this.#open.delete(res);
      res.destroy();
    }
    if (failure) {
      this.onClose(failure);
      return;
    }
    if (answered || signal.aborted) return;
    if (lastEventId === undefined || resumes >= MAX_RESUMES) {
      this.onClose(new ConnectionError(`The server closed the response stream of ${this.#url.href} before answering`, 'E_STREAM_CLOSED'));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
    if (signal.aborted) return;
    try {
      const resumed = await sendHttpRequest({
        method: 'GET',
        url: this.#url,
        headers: this.#requestHeaders({ accept: 'text/event-stream', 'last-event-id': lastEventId }),
        signal,
      });
      if (resumed.statusCode !== 200) {
        resumed.resume();
        throw new ConnectionError(`Resuming the stream of ${this.#url.href} failed with HTTP ${resumed.statusCode}`, 'E_STREAM_CLOSED');
      }
      await this.#readStream(resumed, awaiting, signal, resumes + 1);
    } catch (error) {
      if (!signal.aborted) this.onClose(error as Error);
    }
  }

  async #statusError(res: IncomingMessage, initializing: boolean): Promise<Error> {
    const { status, reason } = await readErrorReason(res);
    const where = this.#url.href;
    if (status === 401 || status === 403) return authError(where, reason, res);
    if (status === 404 && this.#sessionId && !initializing) {
      return new ConnectionError(`The server ended the session (HTTP 404 at ${where}): run the command again`, 'E_SESSION_ENDED');
    }
    if (initializing && status >= 400 && status < 500) {
      return new TransportRefusedError(`${where} does not accept Streamable HTTP (${reason})`, status);
    }
    return new ConnectionError(`${where} answered ${reason}`, 'E_HTTP_STATUS');
  }
}
