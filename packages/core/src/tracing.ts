import type { DiagLogger } from '@opentelemetry/api';

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
 * prompt or resource it names. The same on the client, the server and a gateway's upstream call.
 */
export function requestAttributes(method: string, params: Record<string, unknown> | undefined): SpanAttributes {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.slice(0, MAX_ATTRIBUTE) : undefined);
  if (method === 'tools/call') return { 'mcp.method.name': method, 'gen_ai.tool.name': text(params?.name) };
  if (method === 'prompts/get') return { 'mcp.method.name': method, 'gen_ai.prompt.name': text(params?.name) };
  if (method.startsWith('resources/')) return { 'mcp.method.name': method, 'mcp.resource.uri': text(params?.uri) };
  return { 'mcp.method.name': method };
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
 * Starts OpenTelemetry tracing with the official SDK, loaded only now: spans are batched (at most
 * 2,048 queued, the rest dropped) and exported over OTLP/HTTP, as protobuf (JSON with
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
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [new sdk.BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer(options.serviceName, options.serviceVersion);
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  const kinds = { client: api.SpanKind.CLIENT, server: api.SpanKind.SERVER };
  const start: Tracing['start'] = (name, { kind, attributes, parent }) => {
    const parentContext = parent ? propagator.extract(api.ROOT_CONTEXT, parent, api.defaultTextMapGetter) : api.ROOT_CONTEXT;
    const span = tracer.startSpan(name, { kind: kinds[kind], attributes: defined(attributes) }, parentContext);
    let carrier: TraceCarrier | undefined;
    return {
      // Made when asked for: most server spans are never passed on.
      get carrier() {
        if (!carrier) propagator.inject(api.trace.setSpan(parentContext, span), (carrier = {}), api.defaultTextMapSetter);
        return carrier;
      },
      setAttributes: (more) => void span.setAttributes(defined(more)),
      end(errorType, message) {
        if (errorType !== undefined) {
          span.setAttribute('error.type', errorType);
          span.setStatus({ code: api.SpanStatusCode.ERROR, ...(message === undefined ? {} : { message }) });
        }
        span.end();
      },
      child(childName, childAttributes) {
        return start(childName, { kind: 'client', attributes: childAttributes, parent: this.carrier });
      },
    };
  };
  return {
    start,
    async shutdown(timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([provider.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
    },
  };
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

/** The attributes that have a value (the SDK would warn of the others). */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  for (const key in attributes) if (attributes[key] === undefined) delete attributes[key];
  return attributes as Record<string, string | number | boolean>;
}
