import type { HandlerContext } from '@mcp-cli/core';
import { ConfigError, RpcCode, RpcError } from '@mcp-cli/core';

import type { LoadedModule } from '../config/load-modules.ts';
import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import { type AnyUpstreamSpec, type InProcessSpec, Upstream, type UpstreamPeer, type UpstreamState } from './upstream.ts';
import { TaskBroker } from './task-broker.ts';
import { ActiveCalls, forwardLog, type Target, upstreamDefinitions } from './upstream-definitions.ts';

/** The upstream servers of a gateway, running. */
export interface Gateway {
  /** What the upstreams serve now, as modules for the registry. */
  modules(): LoadedModule[];
  /** Each upstream's state, for /health. */
  health(): Record<string, { state: UpstreamState; error?: string; sessions?: number }>;
  /** True when every upstream that is not optional is ready. */
  healthy(): boolean;
  /** A client session ended: its own upstream processes (perSession) end with it. */
  sessionClosed(sessionId: string): void;
  /** A client's notification: a change of its roots is passed to every upstream. */
  clientNotification(method: string, params: Record<string, unknown>): void;
  /** Task-augmented calls to upstream tools, and the `tasks/*` methods. */
  tasks: TaskBroker;
  stop(): Promise<void>;
}

interface Entry {
  upstream: Upstream;
  active: ActiveCalls;
  watchers: Map<string, Set<() => void>>;
  naming: { prefix: string; separator: string; allow: string[] | undefined; deny: string[] | undefined };
  /** perSession: each client session's own upstream, started on its first call. */
  sessions: Map<string, Promise<Target>>;
}

/** Routes an upstream's own requests and notifications to the client of the call it serves. */
function peerFor(active: ActiveCalls, watchers: Map<string, Set<() => void>>, tasks: TaskBroker, upstream: () => Upstream): UpstreamPeer {
  return {
    // The upstream asks something of the client (sampling, elicitation, roots): the client of the
    // call it is serving answers.
    onRequest: async (method, params) => {
      const ctx = active.latest;
      if (!ctx) throw new RpcError(RpcCode.internalError, `No client call is in progress to answer ${method}`);
      return ctx.request(method, tasks.relabel(upstream(), params));
    },
    onNotification: (method, params) => {
      if (method === 'notifications/message') forwardLog(active, params);
      else if (method === 'notifications/resources/updated') for (const notify of watchers.get(String(params.uri)) ?? []) notify();
      else if (method === 'notifications/tasks/status') tasks.statusFromUpstream(upstream(), params);
    },
  };
}

/**
 * Starts the config's upstream servers (stdio commands and URLs) with mcp-call's client library.
 *
 * @param onChange called when what an upstream serves changes (restart, its list_changed).
 * @throws ConfigError when a server that is not `optional` cannot start, with its reason (for a
 * command: the command, its exit code and its last stderr lines).
 */
export async function startGateway(
  config: Pick<ResolvedServeConfig, 'servers' | 'separator' | 'stateless'>,
  logger: Logger,
  onChange: () => void,
  inProcess: Record<string, InProcessSpec> = {},
): Promise<Gateway> {
  const specs: [string, AnyUpstreamSpec][] = [...Object.entries(config.servers), ...Object.entries(inProcess)];
  const tasks = new TaskBroker(() => entries.some(({ upstream }) => upstream.state === 'ready' && takesTasks(upstream)), !config.stateless);
  const entries: Entry[] = specs.map(([name, spec]) => {
    const active = new ActiveCalls();
    const watchers = new Map<string, Set<() => void>>();
    const upstream: Upstream = new Upstream(name, spec, peerFor(active, watchers, tasks, () => upstream), onChange, logger);
    const naming = { prefix: spec.prefix ?? name, separator: config.separator, allow: spec.allow, deny: spec.deny };
    return { upstream, active, watchers, naming, sessions: new Map() };
  });
  const results = await Promise.allSettled(entries.map(({ upstream }) => upstream.start()));
  const failures: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const { upstream } = entries[i]!;
    const refused = (result.reason as { code?: unknown }).code === 'E_AUTH';
    const reason = `${(result.reason as Error).message}${refused ? `: give server "${upstream.name}" a "token" or "headers" in the config` : ''}`;
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

  const route = (entry: Entry) => (ctx: HandlerContext): Target | Promise<Target> => {
    if (!isPerSession(entry.upstream.spec) || ctx.sessionId === undefined) return { upstream: entry.upstream, active: entry.active };
    const id = ctx.sessionId;
    let own = entry.sessions.get(id);
    if (!own) {
      const active = new ActiveCalls();
      const upstream: Upstream = new Upstream(entry.upstream.name, entry.upstream.spec, peerFor(active, entry.watchers, tasks, () => upstream), () => entry.sessions.delete(id), logger, false);
      own = upstream.start().then(() => ({ upstream, active }));
      own.catch(() => entry.sessions.delete(id));
      entry.sessions.set(id, own);
    }
    return own;
  };
  const stopping = new Set<Promise<void>>();
  return {
    modules: () =>
      entries
        .filter(({ upstream }) => upstream.state === 'ready')
        .map((entry) => ({ file: `upstream server "${entry.upstream.name}"`, definitions: upstreamDefinitions(entry.upstream, entry.naming, route(entry), entry.watchers) })),
    health: () =>
      Object.fromEntries(
        entries.map(({ upstream, sessions }) => [upstream.name, { state: upstream.state, ...(upstream.lastError ? { error: upstream.lastError } : {}), ...(isPerSession(upstream.spec) ? { sessions: sessions.size } : {}) }]),
      ),
    healthy: () => entries.every(({ upstream }) => upstream.spec.optional === true || upstream.state === 'ready'),
    clientNotification: (method, params) => {
      if (method !== 'notifications/roots/list_changed') return;
      for (const { upstream, sessions } of entries) {
        upstream.notify(method, params);
        for (const own of sessions.values()) void own.then(({ upstream: mine }) => mine.notify(method, params), () => undefined);
      }
    },
    tasks,
    sessionClosed: (sessionId) => {
      tasks.forget(sessionId);
      for (const { sessions } of entries) {
        const own = sessions.get(sessionId);
        if (!own) continue;
        sessions.delete(sessionId);
        // Kept until done, so a shutdown right after still waits for it.
        const stop = own.then(({ upstream }) => upstream.stop(), () => undefined);
        stopping.add(stop);
        void stop.finally(() => stopping.delete(stop));
      }
    },
    stop: async () => {
      const owns = entries.flatMap(({ sessions }) => [...sessions.values()]);
      await Promise.all([...entries.map(({ upstream }) => upstream.stop()), ...owns.map((own) => own.then(({ upstream }) => upstream.stop(), () => undefined)), ...stopping]);
    },
  };
}

/** True when an upstream declared task-augmented `tools/call`. */
function takesTasks(upstream: Upstream): boolean {
  const tasks = upstream.capabilities.tasks as { requests?: { tools?: { call?: unknown } } } | undefined;
  return tasks?.requests?.tools?.call !== undefined;
}

function isPerSession(spec: AnyUpstreamSpec): boolean {
  return ('command' in spec || 'create' in spec) && spec.perSession === true;
}
