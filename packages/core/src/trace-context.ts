import type { OutgoingHttpHeaders } from 'node:http';

/**
 * W3C trace context, as a request carries it: in `params._meta` (SEP-414, the only way over
 * stdio) and, over HTTP, in headers of the same names.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
}

const KEYS = ['traceparent', 'tracestate', 'baggage'] as const;
/** Longest value taken from a peer: W3C allows 512 for tracestate and 8192 for baggage. */
const MAX_VALUE = 8192;

/** `version-traceid-parentid-flags`, lowercase hex, as W3C Trace Context level 1 writes it. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** True for a well-formed `traceparent` (not the all-zero ids the W3C forbids). */
export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value) && !value.startsWith('ff') && value.slice(3, 35) !== '0'.repeat(32) && value.slice(36, 52) !== '0'.repeat(16);
}

/** The trace context a request's `_meta` carries, if any. */
export function traceCarrierOf(params: Record<string, unknown> | undefined): TraceCarrier | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (typeof meta?.traceparent !== 'string') return undefined;
  return pick(meta);
}

/**
 * Puts an HTTP request's trace headers into the `_meta` of each request it carries that has none
 * of its own (`_meta` wins, as SEP-414 has it), so one protocol layer reads one place.
 */
export function adoptTraceHeaders(headers: Record<string, string | string[] | undefined>, messages: readonly { id?: unknown; method?: string; params?: Record<string, unknown> }[]): void {
  if (typeof headers.traceparent !== 'string') return;
  const carrier = pick(headers);
  for (const message of messages) {
    if (message.method === undefined || message.id === undefined) continue;
    const params = (message.params ??= {});
    const meta = params._meta as Record<string, unknown> | undefined;
    if (typeof meta?.traceparent === 'string') continue;
    params._meta = { ...meta, ...carrier };
  }
}

/** `params` with `carrier` in its `_meta` (a copy: the caller's object is left alone). */
export function withTraceMeta(params: Record<string, unknown> | undefined, carrier: TraceCarrier): Record<string, unknown> {
  const meta = params?._meta as Record<string, unknown> | undefined;
  return { ...params, _meta: { ...meta, ...carrier } };
}

/** The HTTP headers that repeat a message's `_meta` trace context, for servers that read headers. */
export function traceHeaders(message: { params?: Record<string, unknown> }): OutgoingHttpHeaders | undefined {
  const carrier = traceCarrierOf(message.params);
  return carrier && { ...carrier };
}

function pick(source: Record<string, unknown>): TraceCarrier {
  const carrier: TraceCarrier = {};
  for (const key of KEYS) {
    const value = source[key];
    if (typeof value === 'string' && value.length <= MAX_VALUE) carrier[key] = value;
  }
  return carrier;
}
