import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Registry } from '../server/registry.ts';
import { redactedUrl } from '../store/redacted-url.ts';
import type { ServerHandle } from '../start-server.ts';
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
  // Where tasks live, when several processes share them (never the store's password).
  if (config.store !== 'memory') lines.push(`  store            ${redactedUrl(new URL(config.store))}`);
  if (config.auth) lines.push(`  auth             OAuth access tokens from ${config.auth.issuer} for ${config.auth.audience}`);
  if (config.tokens.length > 0) lines.push(`  auth             bearer token required (${config.tokens.length} accepted)`);
  return lines.join('\n');
}
