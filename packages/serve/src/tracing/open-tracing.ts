import { startTracing, type Tracing } from '@mcp-cli/core';

import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import type { McpSession } from '../server/mcp-session.ts';
import type { Registry } from '../server/registry.ts';
import { RequestTracing, type SessionTransport } from './request-tracing.ts';

/** A collector that cannot be reached is said at most this often, not once per batch. */
const EXPORT_ERROR_EVERY_MS = 60_000;

/** A server's tracing: the observer that makes its spans, and the exporter to flush at the end. */
export interface ServerTracing {
  observer: RequestTracing;
  tracing: Tracing;
}

/**
 * Starts OpenTelemetry tracing when the config asks for it (`otel`, `--otel`, or the
 * `OTEL_EXPORTER_OTLP_*` environment); undefined otherwise, and then nothing of it is loaded.
 * Spans name the service after the server (`OTEL_SERVICE_NAME` wins).
 */
export async function openTracing(
  config: Pick<ResolvedServeConfig, 'tracing' | 'name' | 'version'>,
  getRegistry: () => Registry,
  transportOf: (session: McpSession) => SessionTransport,
  logger: Logger,
): Promise<ServerTracing | undefined> {
  if (!config.tracing) return undefined;
  let saidAt = -Infinity;
  const onExportError = (message: string): void => {
    if (Date.now() - saidAt < EXPORT_ERROR_EVERY_MS) return;
    saidAt = Date.now();
    logger.warn('could not send traces to the OpenTelemetry collector', { error: message.slice(0, 300) });
  };
  const tracing = await startTracing({ serviceName: config.name, serviceVersion: config.version, url: config.tracing.url, onExportError });
  return { tracing, observer: new RequestTracing(tracing, getRegistry, transportOf) };
}
