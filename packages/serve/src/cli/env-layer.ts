import { tracingEndpoint, UsageError } from '@mcp-cli/core';

import type { ServeConfig } from '../config/config-schema.ts';
import { parsePort } from './parse-values.ts';

/**
 * Reads the `MCP_SERVE_*` environment variables into a config layer. Lists are comma-separated.
 *
 * @throws UsageError naming the variable when a value is invalid.
 */
export function readEnvLayer(env: NodeJS.ProcessEnv): ServeConfig {
  const list = (name: string): string[] | undefined =>
    env[name]
      ?.split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const layer: ServeConfig = {
    host: env.MCP_SERVE_HOST || undefined,
    port: env.MCP_SERVE_PORT ? parsePort(env.MCP_SERVE_PORT, 'MCP_SERVE_PORT') : undefined,
    tokens: list('MCP_SERVE_TOKEN'),
    tokenFiles: list('MCP_SERVE_TOKEN_FILE'),
    allowedHosts: list('MCP_SERVE_ALLOWED_HOSTS'),
    allowedOrigins: list('MCP_SERVE_ALLOWED_ORIGINS'),
    corsOrigins: list('MCP_SERVE_CORS_ORIGINS'),
    publicBasePath: env.MCP_SERVE_PUBLIC_BASE_PATH,
    stateSecret: env.MCP_SERVE_STATE_SECRET || undefined,
    store: env.MCP_SERVE_STORE || undefined,
    auditLog: env.MCP_SERVE_AUDIT_LOG || undefined,
    auth: { issuer: env.MCP_SERVE_AUTH_ISSUER || undefined, audience: env.MCP_SERVE_AUTH_AUDIENCE || undefined } as ServeConfig['auth'],
  };
  if (env.MCP_SERVE_STATELESS) {
    if (!/^(1|true|0|false)$/i.test(env.MCP_SERVE_STATELESS)) {
      throw new UsageError(`MCP_SERVE_STATELESS must be true or false (got "${env.MCP_SERVE_STATELESS}")`);
    }
    layer.stateless = /^(1|true)$/i.test(env.MCP_SERVE_STATELESS);
  }
  if (env.MCP_SERVE_METRICS_TOKEN) layer.metrics = { token: env.MCP_SERVE_METRICS_TOKEN };
  else if (env.MCP_SERVE_METRICS) {
    if (!/^(1|true|0|false)$/i.test(env.MCP_SERVE_METRICS)) throw new UsageError(`MCP_SERVE_METRICS must be true or false (got "${env.MCP_SERVE_METRICS}")`);
    layer.metrics = /^(1|true)$/i.test(env.MCP_SERVE_METRICS);
  }
  // The standard OpenTelemetry variables turn tracing on; the exporter reads them itself.
  if (tracingEndpoint(env) !== undefined) layer.otel = true;
  return layer;
}
