import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the collector received it, its attributes flattened to plain values. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** When it started and ended, in nanoseconds since 1970. */
  startNanos: bigint;
  endNanos: bigint;
}

/** An OTLP/HTTP receiver on loopback, standing in for an OpenTelemetry collector: JSON decoded, protobuf kept. */
export interface OtlpCollector {
  /** The base URL (`http://127.0.0.1:PORT`), as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  spans: CollectedSpan[];
  /** Bodies sent as protobuf (OTLP's default encoding), kept whole: tests look for bytes in them. */
  protobufBodies: Buffer[];
  /** Resolves with the spans once `done(spans)` holds; rejects after `timeoutMs`. */
  waitFor(done: (spans: CollectedSpan[]) => boolean, timeoutMs?: number): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

/** Starts a collector that keeps every span POSTed to `/v1/traces` (OTLP/HTTP with JSON bodies). */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const protobufBodies: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const type = String(req.headers['content-type']);
      if (req.url === '/v1/traces' && type === 'application/x-protobuf') {
        protobufBodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        return;
      }
      if (req.url !== '/v1/traces' || !type.includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans?: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
      };
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(valueOf(resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value));
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: String(span.traceId),
              spanId: String(span.spanId),
              parentSpanId: String(span.parentSpanId ?? ''),
              name: String(span.name),
              kind: Number(span.kind),
              attributes: Object.fromEntries(((span.attributes ?? []) as { key: string; value: OtlpValue }[]).map((a) => [a.key, valueOf(a.value)])),
              statusCode: Number((span.status as { code?: number } | undefined)?.code ?? 0),
              startNanos: BigInt(String(span.startTimeUnixNano)),
              endNanos: BigInt(String(span.endTimeUnixNano)),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    spans,
    protobufBodies,
    async waitFor(done, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!done(spans)) {
        if (Date.now() > until) throw new Error(`the collector did not get the expected spans in ${timeoutMs} ms; it has: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return spans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function valueOf(value: OtlpValue | undefined): unknown {
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}
