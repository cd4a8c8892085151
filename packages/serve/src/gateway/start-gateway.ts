import { ConfigError, RpcCode, RpcError } from '@mcp-cli/core';

import type { LoadedModule } from '../config/load-modules.ts';
import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import { Upstream, type UpstreamState } from './upstream.ts';
import { ActiveCalls, forwardLog, upstreamDefinitions } from './upstream-definitions.ts';

/** The upstream servers of a gateway, running. */
export interface Gateway {
  /** What the upstreams serve now, as modules for the registry. */
  modules(): LoadedModule[];
  /** Each upstream's state, for /health. */
  health(): Record<string, { state: UpstreamState; error?: string }>;
  /** True when every upstream that is not optional is ready. */
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the config's upstream servers (stdio commands and URLs) with mcp-call's client library.
 *
 * @param onChange called when what an upstream serves changes (restart, its list_changed).
 * @throws ConfigError when a server that is not `optional` cannot start, with its reason (for a
 * command: the command, its exit code and its last stderr lines).
 */
export async function startGateway(config: Pick<ResolvedServeConfig, 'servers' | 'separator'>, logger: Logger, onChange: () => void): Promise<Gateway> {
  const entries = Object.entries(config.servers).map(([name, spec]) => {
    const active = new ActiveCalls();
    const watchers = new Map<string, Set<() => void>>();
    const upstream = new Upstream(
      name,
      spec,
      {
        // The upstream asks something of the client (sampling, elicitation, roots): the client of
        // the call it is serving answers.
        onRequest: async (method, params) => {
          const ctx = active.latest;
          if (!ctx) throw new RpcError(RpcCode.internalError, `No client call is in progress to answer ${method}`);
          return ctx.request(method, params);
        },
        onNotification: (method, params) => {
          if (method === 'notifications/message') forwardLog(active, params);
          else if (method === 'notifications/resources/updated') for (const notify of watchers.get(String(params.uri)) ?? []) notify();
        },
      },
      onChange,
      logger,
    );
    const naming = { prefix: spec.prefix ?? name, separator: config.separator, allow: spec.allow, deny: spec.deny };
    return { upstream, active, watchers, naming };
  });
  const results = await Promise.allSettled(entries.map(({ upstream }) => upstream.start()));
  const failures: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const { upstream } = entries[i]!;
    const reason = (result.reason as Error).message;
    upstream.lastError = reason;
    if (upstream.spec.optional) {
      logger.warn(`optional upstream ${upstream.name} did not start; retrying in the background`, { error: reason });
      upstream.scheduleRestart();
    } else {
      failures.push(`"${upstream.name}": ${reason}`);
    }
  });
  if (failures.length > 0) {
    await Promise.all(entries.map(({ upstream }) => upstream.stop()));
    throw new ConfigError(`Cannot start upstream server ${failures.join('; ')} (mark it "optional": true to start without it)`, 'E_UPSTREAM');
  }
  for (const { upstream } of entries) logger.info(`upstream ${upstream.name} ready`, { tools: upstream.listing.tools.length, prompts: upstream.listing.prompts.length, resources: upstream.listing.resources.length });
  return {
    modules: () =>
      entries
        .filter(({ upstream }) => upstream.state === 'ready')
        .map(({ upstream, naming, active, watchers }) => ({ file: `upstream server "${upstream.name}"`, definitions: upstreamDefinitions(upstream, naming, active, watchers) })),
    health: () => Object.fromEntries(entries.map(({ upstream }) => [upstream.name, { state: upstream.state, ...(upstream.lastError ? { error: upstream.lastError } : {}) }])),
    healthy: () => entries.every(({ upstream }) => upstream.spec.optional === true || upstream.state === 'ready'),
    stop: async () => {
      await Promise.all(entries.map(({ upstream }) => upstream.stop()));
    },
  };
}
