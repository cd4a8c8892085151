import type { Context, DiagLogger, Span, SpanStatusCode } from '@opentelemetry/api';

import type { TraceCarrier } from './trace-context.ts';

/** Attribute values a span takes; undefined ones are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** One request's span, and the trace context to send on with it. */
export interface RequestSpan {
  /** This span as the parent of what the request causes next (an upstream call, the server's span). */
  readonly carrier: TraceCarrier;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; with `errorType` it ends as an error (`error.type`, status ERROR). */
  end(errorType?: string, message?: string): void;
  /** A client span under this one, for a request this one makes (a gateway's call upstream). */
  child(name: string, attributes: SpanAttributes): RequestSpan;
}

/** Longest name or URI put in an attribute: a peer chooses them. */
const MAX_ATTRIBUTE = 256;

/**
 * The attributes OpenTelemetry's MCP conventions give a request: its method, and the tool,
 * prompt or resource it names, added to `into` (the caller's other attributes). The same on the
 * client, the server and a gateway's upstream call. Added, not spread: an object literal that
 * starts with a spread and goes on costs V8 microseconds, more than the span itself.
 */
export function requestAttributes(method: string, params: Record<string, unknown> | undefined, into: SpanAttributes = {}): SpanAttributes {
  into['mcp.method.name'] = method;
  const named = method === 'tools/call' ? 'gen_ai.tool.name' : method === 'prompts/get' ? 'gen_ai.prompt.name' : method.startsWith('resources/') ? 'mcp.resource.uri' : undefined;
  const value = named === 'mcp.resource.uri' ? params?.uri : params?.name;
  if (named && typeof value === 'string') into[named] = value.slice(0, MAX_ATTRIBUTE);
  return into;
}

/** Makes spans and sends them to an OTLP collector. */
export interface Tracing {
  start(name: string, options: { kind: 'client' | 'server'; attributes: SpanAttributes; parent?: TraceCarrier | undefined }): RequestSpan;
  /** Sends what is still queued, within `timeoutMs`, and stops. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Where spans go: `option` (`--otel`), else the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`; undefined when tracing is off (also with `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none`).
 */
export function tracingEndpoint(env: NodeJS.ProcessEnv, option?: string): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim() === 'none') return undefined;
  return option ?? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
}

/**
 * Starts OpenTelemetry tracing with the official SDK, loaded only now: a span is made when it
 * ends (see {@link DeferredSpans}); spans are batched (at most 2,048 queued, the rest dropped)
 * and exported over OTLP/HTTP, as protobuf (JSON with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). Without `url`, the exporter
 * reads the standard `OTEL_EXPORTER_OTLP_*` variables (endpoint, headers, timeout); the sampler
 * follows `OTEL_TRACES_SAMPLER` (default: the parent's decision, else always).
 *
 * @param url an OTLP base URL (`http://collector:4318`) whose `/v1/traces` gets the spans.
 */
export async function startTracing(options: { serviceName: string; serviceVersion: string; url?: string | undefined; onExportError?: (message: string) => void }): Promise<Tracing> {
  // OTLP's default encoding, protobuf, costs about half of what JSON does per span; JSON when asked.
  const json = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === 'http/json' || (process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === undefined && process.env.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json');
  const [api, { W3CTraceContextPropagator, W3CBaggagePropagator, CompositePropagator }, sdk, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    json ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
  ]);
  if (options.onExportError) {
    const report = options.onExportError;
    const logger: DiagLogger = { error: report, warn: report, info: () => undefined, debug: () => undefined, verbose: () => undefined };
    api.diag.setLogger(logger, { logLevel: api.DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  const exporter = new OTLPTraceExporter(options.url === undefined ? {} : { url: tracesUrl(options.url) });
  // The environment's OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
  const resource = resources
    .resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  // Batches of 256 spans, sent within a second, rather than the SDK's 512 and 5 s: under load the
  // spans then die young, and a traced server cost 1.28x an untraced one rather than 1.48x
  // (scripts/bench/metrics-cost.mjs). OTEL_BSP_MAX_EXPORT_BATCH_SIZE and OTEL_BSP_SCHEDULE_DELAY win.
  const batching = {
    ...(process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? {} : { maxExportBatchSize: 256 }),
    ...(process.env.OTEL_BSP_SCHEDULE_DELAY ? {} : { scheduledDelayMillis: 1000 }),
  };
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(exporter, batching)] });
  const tracer = provider.getTracer(options.serviceName, options.serviceVersion);
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  const kinds = { client: api.SpanKind.CLIENT, server: api.SpanKind.SERVER };
  const makeSpan: SpanFactory = (name, { kind, attributes, parent }, startTime) => {
    const parentContext = parent ? propagator.extract(api.ROOT_CONTEXT, parent, api.defaultTextMapGetter) : api.ROOT_CONTEXT;
    return new SdkRequestSpan(tracer.startSpan(name, { kind: kinds[kind], attributes: defined(attributes), startTime }, parentContext), parentContext, sdkHooks);
  };
  const deferred = new DeferredSpans(makeSpan);
  const start: Tracing['start'] = (name, options) => new DeferredRequestSpan(name, options, deferred);
  const sdkHooks: SdkHooks = {
    start,
    inject: (span, parentContext) => {
      const carrier: TraceCarrier = {};
      propagator.inject(api.trace.setSpan(parentContext, span), carrier, api.defaultTextMapSetter);
      return carrier;
    },
    errorStatus: api.SpanStatusCode.ERROR,
  };
  return {
    start,
    async shutdown(timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      deferred.makeAll();
      await Promise.race([provider.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
    },
  };
}

type SpanOptions = Parameters<Tracing['start']>[1];
/** Makes a span of the SDK's, started at `startTime` (a `performance.now()`) or now. */
type SpanFactory = (name: string, options: SpanOptions, startTime?: number) => SdkRequestSpan;

/** Spans ended are made at most this long after, together. */
const DEFER_MS = 50;
/** Ended spans waiting to be made at most; the next one has them made at once. */
const MAX_DEFERRED = 1024;

/**
 * Spans ended but not made yet: made together every 50 ms, in one loop, as the SDK's spans they
 * were (their start and end times, attributes and status), which costs less than making each as
 * its request comes and goes.
 */
class DeferredSpans {
  readonly make: SpanFactory;
  #ended: DeferredRequestSpan[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(make: SpanFactory) {
    this.make = make;
  }

  add(span: DeferredRequestSpan): void {
    this.#ended.push(span);
    if (this.#ended.length >= MAX_DEFERRED) this.makeAll();
    else this.#timer ??= setTimeout(() => this.makeAll(), DEFER_MS).unref();
  }

  makeAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ended = this.#ended;
    this.#ended = [];
    for (const span of ended) span.make();
  }
}

/**
 * A span made when it ends, not when it starts, unless its context is asked for first (a request
 * sent on with it): what it would have been is kept until then.
 */
class DeferredRequestSpan implements RequestSpan {
  readonly #name: string;
  readonly #options: SpanOptions;
  readonly #spans: DeferredSpans;
  readonly #startedAt = performance.now();
  #made: SdkRequestSpan | undefined;
  #ended: { at: number; errorType: string | undefined; message: string | undefined } | undefined;

  constructor(name: string, options: SpanOptions, spans: DeferredSpans) {
    this.#name = name;
    this.#options = options;
    this.#spans = spans;
  }

  get carrier(): TraceCarrier {
    return this.#live().carrier;
  }

  setAttributes(more: SpanAttributes): void {
    if (this.#made) return this.#made.setAttributes(more);
    for (const key in more) this.#options.attributes[key] = more[key];
  }

  end(errorType?: string, message?: string): void {
    if (this.#ended) return;
    this.#ended = { at: performance.now(), errorType, message };
    if (this.#made) return this.#made.end(errorType, message);
    this.#spans.add(this);
  }

  child(name: string, attributes: SpanAttributes): RequestSpan {
    return this.#live().child(name, attributes);
  }

  /** Makes the SDK's span as it was: started, and ended, when this one was. */
  make(): void {
    const ended = this.#ended!;
    this.#live().end(ended.errorType, ended.message, ended.at);
  }

  #live(): SdkRequestSpan {
    return (this.#made ??= this.#spans.make(this.#name, this.#options, this.#startedAt));
  }
}

/** What a span needs of the SDK it was made with. */
interface SdkHooks {
  start: Tracing['start'];
  inject(span: Span, parentContext: Context): TraceCarrier;
  errorStatus: SpanStatusCode;
}

/**
 * A span of the SDK's. A class, not an object literal: a literal with a getter costs V8 a
 * microsecond to make, on every request.
 */
class SdkRequestSpan implements RequestSpan {
  readonly #span: Span;
  readonly #parentContext: Context;
  readonly #sdk: SdkHooks;
  #carrier: TraceCarrier | undefined;

  constructor(span: Span, parentContext: Context, sdk: SdkHooks) {
    this.#span = span;
    this.#parentContext = parentContext;
    this.#sdk = sdk;
  }

  /** Made when asked for: most server spans are never passed on. */
  get carrier(): TraceCarrier {
    return (this.#carrier ??= this.#sdk.inject(this.#span, this.#parentContext));
  }

  setAttributes(more: SpanAttributes): void {
    this.#span.setAttributes(defined(more));
  }

  /** `at`: when it ended, a `performance.now()` (default: now). */
  end(errorType?: string, message?: string, at?: number): void {
    if (errorType !== undefined) {
      this.#span.setAttribute('error.type', errorType);
      this.#span.setStatus(message === undefined ? { code: this.#sdk.errorStatus } : { code: this.#sdk.errorStatus, message });
    }
    this.#span.end(at);
  }

  child(name: string, attributes: SpanAttributes): RequestSpan {
    return this.#sdk.start(name, { kind: 'client', attributes, parent: this.carrier });
  }
}

/**
 * Spans that make nothing and pass `parent` on as it is: `mcp-call --traceparent` with no
 * collector of its own still joins the caller's trace.
 */
export function passThroughTracing(parent: TraceCarrier): Tracing {
  const span: RequestSpan = { carrier: parent, setAttributes: () => undefined, end: () => undefined, child: () => span };
  return { start: () => span, shutdown: async () => undefined };
}

/** An OTLP base URL's traces endpoint (`/v1/traces` added unless it is there). */
function tracesUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/** The attributes that have a value (the SDK would warn of the others); a copy when some have none, as deleting keys slows the object. */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  let hasUndefined = false;
  for (const key in attributes) if (attributes[key] === undefined) hasUndefined = true;
  if (!hasUndefined) return attributes as Record<string, string | number | boolean>;
  const kept: Record<string, string | number | boolean> = {};
  for (const key in attributes) if (attributes[key] !== undefined) kept[key] = attributes[key]!;
  return kept;
}
