import type { IncomingMessage } from 'node:http';

import { ConnectionError, copyWith, traceHeaders } from '@mcp-cli/core';

import { authError, readErrorReason, sendHttpRequest } from './http-request.ts';
import { type ClientTransport, type JsonRpcMessage, parseMessages } from './json-rpc.ts';
import { SseParser } from './sse-parser.ts';
import { TransportRefusedError } from './streamable-http-transport.ts';

/**
 * The client side of the legacy HTTP+SSE transport (protocol 2024-11-05): a GET stream whose
 * first `endpoint` event names where to POST; every answer arrives on the stream.
 */
export class SseTransport implements ClientTransport {
  readonly kind = 'sse';
  onMessage: (message: JsonRpcMessage) => void = () => undefined;
  onClose: (error: Error) => void = () => undefined;
  #endpoint: URL | undefined;
  #stream: IncomingMessage | undefined;
  #closing = false;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #maxMessageBytes: number;

  constructor(url: URL, headers: Record<string, string>, maxMessageBytes: number) {
    this.#url = url;
    this.#headers = headers;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /**
   * Opens the stream and waits for the `endpoint` event, until `signal` fires.
   *
   * @throws TransportRefusedError when the URL does not serve an event stream; ConnectionError
   * when the endpoint is on another origin (the token would go there) or the stream misbehaves.
   */
  async open(signal: AbortSignal): Promise<void> {
    const res = await sendHttpRequest({
      method: 'GET',
      url: this.#url,
      headers: { ...this.#headers, accept: 'text/event-stream' },
      signal,
      endOnAbort: true,
    });
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.includes('text/event-stream')) {
      const { status, reason } = await readErrorReason(res);
      if (status === 401 || status === 403) throw authError(this.#url.href, reason, res);
      throw new TransportRefusedError(`${this.#url.href} is not an MCP SSE endpoint (${reason})`, status);
    }
    this.#stream = res;
    await new Promise<void>((resolve, reject) => {
      let failure: Error | undefined;
      const fail = (error: Error): void => {
        failure ??= error;
        res.destroy();
      };
      const onAbort = (): void => fail(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      const parser = new SseParser((event) => {
        if (event.event === 'endpoint') {
          if (this.#endpoint) return; // the endpoint is set once: a later one may not redirect the POSTs
          const endpoint = new URL(event.data.trim(), this.#url);
          if (endpoint.origin !== this.#url.origin) {
            fail(new ConnectionError(`${this.#url.href} named an endpoint on another origin (${endpoint.origin}): refused, so the token is not sent there`, 'E_ENDPOINT_ORIGIN'));
            return;
          }
          this.#endpoint = endpoint;
          signal.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        if (event.event !== 'message' || !event.data.trim()) return;
        try {
          for (const m of parseMessages(event.data)) this.onMessage(m);
        } catch {
          // A malformed event carries nothing we can answer; the request will time out.
        }
      }, this.#maxMessageBytes);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        try {
          parser.push(chunk);
        } catch (error) {
          fail(error as Error);
        }
      });
      let ended = false;
      // end, error and close may all fire for one loss: report it once.
      const onEnded = (): void => {
        if (ended) return;
        ended = true;
        signal.removeEventListener('abort', onAbort);
        if (!this.#endpoint) reject(failure ?? new ConnectionError(`${this.#url.href} closed the SSE stream before naming its endpoint`, 'E_PROTOCOL'));
        else if (!this.#closing) this.onClose(failure ?? new ConnectionError(`The server closed the SSE stream at ${this.#url.href}`, 'E_STREAM_CLOSED'));
      };
      res.on('end', onEnded);
      res.on('error', onEnded);
      res.on('close', onEnded);
    });
  }

  setProtocolVersion(): void {
    // The legacy transport carries no version header.
  }

  async send(message: JsonRpcMessage, signal: AbortSignal): Promise<void> {
    if (!this.#endpoint) throw new ConnectionError('SSE stream is not open', 'E_PROTOCOL');
    const res = await sendHttpRequest({
      method: 'POST',
      url: this.#endpoint,
      headers: copyWith(this.#headers, { 'content-type': 'application/json', ...traceHeaders(message) }),
      body: JSON.stringify(message),
      signal,
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      res.resume();
      return;
    }
    const { reason } = await readErrorReason(res);
    throw new ConnectionError(`POST ${this.#endpoint.pathname} answered ${reason}`, 'E_HTTP_STATUS');
  }

  async listen(): Promise<void> {
    // Server messages already arrive on the one stream.
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#stream?.destroy();
  }
}
