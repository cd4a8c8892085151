import { isTraceparent, passThroughTracing, startTracing, type TraceCarrier, tracingEndpoint, UsageError } from '@mcp-cli/core';

import type { ConnectOptions } from '../client/connect.ts';
import type { GlobalOptions } from './global-options.ts';
import { writeErr } from './terminal-text.ts';
import { VERSION } from './version.ts';

/**
 * How a run's requests are traced. `--traceparent` (or the environment's TRACEPARENT, with
 * TRACESTATE and BAGGAGE beside it) names the trace they join: a CI job's own span, say. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` set, mcp-call sends a client span per request under it, so the
 * trace holds the client, the server and what the server calls; without, the given context is
 * sent as it is. Undefined when neither is set: nothing is loaded.
 *
 * @throws UsageError for a `--traceparent` that is not a W3C traceparent.
 */
export async function openCallTracing(opts: Pick<GlobalOptions, 'traceparent'>, env: NodeJS.ProcessEnv, debug: (message: string) => void): Promise<ConnectOptions['trace']> {
  const parent = traceParentOf(opts, env);
  if (tracingEndpoint(env) !== undefined) {
    const tracing = await startTracing({ serviceName: 'mcp-call', serviceVersion: VERSION, onExportError: (message) => debug(`could not send traces: ${message}`) });
    return { tracing, parent };
  }
  return parent && { tracing: passThroughTracing(parent), parent };
}

function traceParentOf(opts: Pick<GlobalOptions, 'traceparent'>, env: NodeJS.ProcessEnv): TraceCarrier | undefined {
  if (opts.traceparent !== undefined && !isTraceparent(opts.traceparent)) {
    throw new UsageError(`Invalid --traceparent "${opts.traceparent.slice(0, 80)}": give a W3C traceparent such as 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`, 'E_INVALID_OPTION');
  }
  const traceparent = opts.traceparent ?? env.TRACEPARENT;
  if (traceparent === undefined || traceparent === '') return undefined;
  if (!isTraceparent(traceparent)) {
    // Set by something else in the job: said, and left out, rather than failing the call.
    writeErr(`mcp-call: warning: ignoring TRACEPARENT "${traceparent.slice(0, 80)}": not a W3C traceparent\n`);
    return undefined;
  }
  // The environment's tracestate and baggage go with its traceparent, not with one given by flag.
  if (opts.traceparent !== undefined) return { traceparent };
  return { traceparent, ...(env.TRACESTATE ? { tracestate: env.TRACESTATE } : {}), ...(env.BAGGAGE ? { baggage: env.BAGGAGE } : {}) };
}
