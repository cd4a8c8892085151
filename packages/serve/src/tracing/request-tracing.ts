import { requestAttributes, type RequestSpan, traceCarrierOf, type Tracing } from '@mcp-cli/core';

import type { McpSession, ObservedRequest, RequestObserver, RequestOutcome } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { observedName } from '../server/request-name.ts';

/** How a session reaches the server, as spans say it. */
export type SessionTransport = 'http' | 'sse' | 'stdio';

/** Longest error message put in a span's status. */
const MAX_MESSAGE = 256;

/** `error.type` of each outcome that is not a success (a protocol error is its JSON-RPC code). */
const ERROR_TYPES: Record<Exclude<RequestOutcome, 'ok' | 'protocol_error'>, string> = { tool_error: 'tool_error', cancelled: 'cancelled', timed_out: 'timeout' };

/**
 * One server span per request, following OpenTelemetry's MCP conventions: named
 * `{method} {tool or prompt}`, continuing the trace the request carries in `_meta` (an HTTP
 * `traceparent` header was put there by the transport), and ended with the request's outcome.
 */
export class RequestTracing implements RequestObserver {
  readonly #tracing: Tracing;
  readonly #getRegistry: () => Registry;
  readonly #transportOf: (session: McpSession) => SessionTransport;

  constructor(tracing: Tracing, getRegistry: () => Registry, transportOf: (session: McpSession) => SessionTransport) {
    this.#tracing = tracing;
    this.#getRegistry = getRegistry;
    this.#transportOf = transportOf;
  }

  requestStarted(request: ObservedRequest): void {
    const { method, params, session } = request;
    // Span names stay bounded: a tool or prompt the server has, never a URI or an unknown name.
    const target = observedName(this.#getRegistry(), session, method, params);
    const transport = this.#transportOf(session);
    request.span = this.#tracing.start(target && method !== 'resources/read' ? `${method} ${target}` : method, {
      kind: 'server',
      parent: traceCarrierOf(params),
      attributes: requestAttributes(method, params, {
        'mcp.session.id': session.id,
        'mcp.protocol.version': session.protocolVersion,
        'jsonrpc.request.id': String(request.requestId),
        'network.transport': transport === 'stdio' ? 'pipe' : 'tcp',
        'client.address': transport === 'stdio' ? undefined : session.clientAddress,
      }),
    });
  }

  requestEnded(request: ObservedRequest, outcome: RequestOutcome, _seconds: number, error?: { code: number; message: string }): void {
    const span: RequestSpan | undefined = request.span;
    if (!span) return;
    if (outcome === 'ok') return span.end();
    if (outcome === 'protocol_error' && error) {
      span.setAttributes({ 'rpc.response.status_code': String(error.code) });
      return span.end(String(error.code), error.message.slice(0, MAX_MESSAGE));
    }
    span.end(outcome === 'protocol_error' ? 'protocol_error' : ERROR_TYPES[outcome]);
  }
}
