import { hostname, networkInterfaces } from 'node:os';

import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Registry } from '../server/registry.ts';
import { redactedUrl } from '@mcp-cli/core';
import type { ServerHandle } from '../start-server.ts';
import { scopeOf } from '../gateway/upstream.ts';
import { routePath } from '../server/server-routes.ts';
import type { Paint } from './cli-logger.ts';

/** The start-up banner: identity, the URL of each transport, and what was loaded. */
export function formatBanner(options: {
  handle: ServerHandle;
  config: ResolvedServeConfig;
  registry: Registry;
  source: string;
  paint: Paint;
}): string {
  const { handle, config, registry, source, paint } = options;
  const list = (names: string[]): string => (names.length > 0 ? names.join(', ') : paint.dim('none'));
  const lines = [
    `${paint.bold(`${config.name} ${config.version}`)} ${paint.dim(`(${source})`)}`,
    `  Streamable HTTP  ${paint.cyan(handle.urls.mcp)}${config.stateless ? paint.dim(' (stateless)') : ''}`,
    `  SSE (legacy)     ${paint.cyan(handle.urls.sse)}`,
    `  health           ${handle.urls.health}`,
    `  tools            ${list([...registry.tools.keys()])}`,
    `  resources        ${list([...registry.resources.keys(), ...registry.templates.map((t) => t.def.uriTemplate)])}`,
    `  prompts          ${list([...registry.prompts.keys()])}`,
  ];
  const servers = Object.entries(config.servers);
  if (servers.length > 0) lines.push(`  upstreams        ${servers.map(([name, spec]) => `${name} ${paint.dim(`(${sharing(spec, config.limits.maxUpstreams)})`)}`).join(', ')}`);
  // Each upstream alone, under its own names (the first one shown in full, the others by path).
  const routes = [...(registry.routes?.keys() ?? [])].map((name) => routePath(new URL(handle.urls.mcp).pathname, name));
  if (routes.length > 0) lines.push(`  each alone at    ${paint.cyan(`${handle.url}${routes[0]}`)}${routes.length > 1 ? `, ${routes.slice(1).join(', ')}` : ''}`);
  if (config.tracing) lines.push(`  traces           OpenTelemetry, to ${config.tracing.url ?? 'OTEL_EXPORTER_OTLP_ENDPOINT'}`);
  if (config.ui) lines.push(`  status page      ${handle.url}/ ${paint.dim('(in a browser)')}`);
  // Where tasks live, when several processes share them (never the store's password).
  if (config.store !== 'memory') lines.push(`  store            ${redactedUrl(new URL(config.store))}`);
  if (config.auth) lines.push(`  auth             OAuth access tokens from ${config.auth.issuer} for ${config.auth.audience}`);
  if (config.tokens.length > 0) lines.push(`  auth             bearer token required (${config.tokens.length} accepted)`);
  // 0.0.0.0 and :: are where the server listens, not addresses a client can use: name those.
  const reachable = reachableBases(handle.url, config.host);
  if (reachable.length > 0) lines.push(`  reach it at      ${reachable.map((base) => paint.cyan(`${base}${new URL(handle.urls.mcp).pathname}`)).join(', ')}`);
  return lines.join('\n');
}

/** For a wildcard bind, the base URLs clients can use: loopback, the host name, each external address. */
function reachableBases(url: string, host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '[::]') return [];
  const { port } = new URL(url);
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && (host !== '0.0.0.0' || a.family === 'IPv4'))
    .map((a) => (a!.family === 'IPv6' ? `[${a!.address}]` : a!.address));
  return [...new Set(['127.0.0.1', hostname(), ...addresses])].slice(0, 6).map((address) => `http://${address}:${port}`);
}

/** Who shares an upstream, as the banner says it: `shared`, `per session`, `per user, at most N`. */
function sharing(spec: ResolvedServeConfig['servers'][string], maxTotal: number): string {
  const scope = scopeOf(spec);
  if (scope === 'user') return `per user, at most ${spec.maxUpstreams ?? maxTotal}`;
  return scope === 'session' ? 'per session' : 'shared';
}
