import { ConfigError, RpcCode, RpcError } from '@mcp-cli/core';

import type { LoadedModule } from '../config/load-modules.ts';
import type { ResolvedServeConfig, UpstreamSpec } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import type { ProtocolExtension } from '../server/protocol-extension.ts';
import type { RoutedServer } from '../server/server-routes.ts';
import type { StateStore } from '../store/state-store.ts';
import { ListingCache } from './listing-cache.ts';
import { type AnyUpstreamSpec, type DescribedUpstream, type InProcessSpec, scopeOf, Upstream, type UpstreamPeer, type UpstreamState } from './upstream.ts';
import { packageRunner } from './package-runner.ts';
import { TaskBroker } from './task-broker.ts';
import { ActiveCalls, clientOfSession, forwardLog, type Target, upstreamDefinitions } from './upstream-definitions.ts';
import { secretMethods } from './secret-methods.ts';
import { type Caller, NO_USER, secretsNamedIn, specForUser, type UserIdentity, userOf } from './user-identity.ts';
import { SECRETS_KEY_VARIABLE, UserSecrets } from './user-secrets.ts';
import { UserTokens } from './user-tokens.ts';
import { UserUpstreams } from './user-upstreams.ts';

/** The upstream servers of a gateway, running. */
export interface Gateway {
  /** What the upstreams serve now, as modules for the registry. */
  modules(): LoadedModule[];
  /** Each upstream served alone (`/mcp/<server>`): what it serves under its own names, and who it is. */
  routes(): ReadonlyMap<string, RoutedServer>;
  /** Each upstream's state, for /health. */
  health(): Record<string, { state: UpstreamState; restarts: number; error?: string; sessions?: number }>;
  /** True when every upstream that is not optional is ready. */
  healthy(): boolean;
  /** A client session ended: its own upstream processes (perSession) end with it. */
  sessionClosed(sessionId: string): void;
  /** A client's notification: a change of its roots is passed to the upstreams that are its own. */
  clientNotification(method: string, params: Record<string, unknown>, sessionId: string | undefined): void;
  /** Task-augmented calls to upstream tools, and the `tasks/*` methods. */
  tasks: TaskBroker;
  /** The gateway's own methods (per-user secrets) kept in the server's store; undefined when no server uses secrets. */
  extension(store: StateStore): ProtocolExtension | undefined;
  stop(): Promise<void>;
}

interface Entry {
  upstream: Upstream;
  active: ActiveCalls;
  watchers: Map<string, Set<() => void>>;
  /** Where every client's calls go when the server is shared: made once, not per call. */
  shared: Target;
  naming: { prefix: string; separator: string; allow: string[] | undefined; deny: string[] | undefined };
  /** perSession: each client's own upstream (by session, else by principal), started on its first call. */
  sessions: Map<string, Promise<Target>>;
  /** The server as configured: a per-user one's `${user.…}` still unfilled. */
  spec: AnyUpstreamSpec;
}

/** `scope: "user"`: an upstream's life without a call, and how many may run, unless configured. */
const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_MAX_UPSTREAMS = 100;

/** How long a client's own upstream without a session (kept by principal) lives without a call. */
const IDLE_OWN_UPSTREAM_MS = 10 * 60_000;

/**
 * Routes an upstream's own requests and notifications to the client of the call they belong to,
 * never to a guess. `private` is true for an upstream that serves one client only (perSession, or
 * a server on stdio): only such an upstream hears that client's roots.
 */
function peerFor(active: ActiveCalls, watchers: Map<string, Set<() => void>>, tasks: TaskBroker, upstream: () => Upstream, isPrivate: boolean): UpstreamPeer {
  return {
    // The upstream asks something of the client (sampling, elicitation, roots): the client of the
    // call it is serving answers.
    onRequest: async (method, params, owner) => {
      // A shared upstream keeps what it is told for every client: no one client's roots are its to know.
      if (method === 'roots/list' && !isPrivate) return { roots: [] };
      const ctx = active.attribute(owner);
      if (!ctx) {
        throw new RpcError(
          RpcCode.internalError,
          active.size === 0 ? `No client call is in progress to answer ${method}` : `Cannot tell which client's call ${method} belongs to, with calls of several clients in flight: give server "${upstream().name}" "perSession": true`,
        );
      }
      return ctx.request(method, tasks.relabel(upstream(), params));
    },
    onNotification: (method, params, owner) => {
      if (method === 'notifications/message') forwardLog(active, params, owner);
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
  config: Pick<ResolvedServeConfig, 'servers' | 'separator' | 'stateless'> & { limits?: Pick<ResolvedServeConfig['limits'], 'maxUpstreams'>; auth?: ResolvedServeConfig['auth'] },
  logger: Logger,
  onChange: () => void,
  inProcess: Record<string, InProcessSpec> = {},
  { oneClient = false, store }: { oneClient?: boolean; store?: StateStore | undefined } = {},
): Promise<Gateway> {
  const specs: [string, AnyUpstreamSpec][] = [...Object.entries(config.servers), ...Object.entries(inProcess)];
  const tasks = new TaskBroker(() => entries.some(({ upstream }) => upstream.state === 'ready' && takesTasks(upstream)), !config.stateless);
  const users = new UserUpstreams(config.limits?.maxUpstreams ?? DEFAULT_MAX_UPSTREAMS, logger);
  const tokens = new UserTokens(specs, config.auth?.issuer);
  // A lazy per-user server listed before, by this process or another of the store, is not listed again.
  const listings = store && !oneClient ? new ListingCache(store) : undefined;
  const cached = new Map<string, DescribedUpstream | undefined>(
    await Promise.all(specs.filter(([, spec]) => isLazyPerUser(spec)).map(async ([name, spec]) => [name, await listings?.read(name, spec).catch(() => undefined)] as const)),
  );
  // A server whose users' tokens are exchanged is listed with a token of the gateway's own.
  const listingTokens = new Map(await Promise.all(specs.filter(([name]) => !cached.get(name)).map(async ([name, spec]) => [name, await tokens.listingToken(name, spec as { token?: string })] as const)));
  const entries: Entry[] = specs.map(([name, spec]) => {
    const active = new ActiveCalls(oneClient);
    const watchers = new Map<string, Set<() => void>>();
    // A per-user server is started here without a user (its ${user.…} empty), only to be listed.
    const perUser = scopeOf(spec) === 'user';
    if (perUser) users.addServer(name, { idleMs: ((spec as UpstreamSpec).idleTimeout ?? DEFAULT_IDLE_SECONDS) * 1000, max: (spec as UpstreamSpec).maxUpstreams ?? config.limits?.maxUpstreams ?? DEFAULT_MAX_UPSTREAMS });
    const listingToken = listingTokens.get(name);
    const started = perUser ? { ...specForUser(spec as UpstreamSpec, NO_USER, name), ...(listingToken ? { token: listingToken } : {}) } : spec;
    const upstream: Upstream = new Upstream(name, started, peerFor(active, watchers, tasks, () => upstream, oneClient), onChange, logger);
    const naming = { prefix: spec.prefix ?? name, separator: config.separator, allow: spec.allow, deny: spec.deny };
    return { upstream, active, watchers, shared: { upstream, active, watchers }, naming, sessions: new Map(), spec };
  });
  // A package runner may download the server first: say what is being waited for.
  for (const { upstream } of entries) {
    const spec = upstream.spec;
    if (cached.get(upstream.name)) logger.info(`upstream ${upstream.name} listed from the store's cache; each user's starts on first use`);
    else if ('command' in spec) logger.info(`starting upstream ${upstream.name}${packageRunner(spec.command) ? ` (${spec.command} may download it first)` : ''}`, { command: [spec.command, ...(spec.args ?? [])].join(' ').slice(0, 200) });
  }
  const results = await Promise.allSettled(
    entries.map(({ upstream }) => {
      const listing = cached.get(upstream.name);
      return listing ? Promise.resolve(upstream.adopt(listing)) : upstream.start();
    }),
  );
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
  // Only those that are: an optional one that failed is restarting, and says so when it is back.
  for (const { upstream } of entries) {
    if (upstream.state === 'ready') logger.info(`upstream ${upstream.name} ready`, { tools: upstream.listing.tools.length, prompts: upstream.listing.prompts.length, resources: upstream.listing.resources.length });
  }
  // Listed: a lazy per-user server's listing run ends, its listing is kept; each user's own starts on first use.
  const listed = entries.filter(({ upstream }) => isLazyPerUser(upstream.spec) && upstream.state === 'ready');
  await Promise.all(listed.map(({ upstream }) => upstream.park()));
  const keepListing = async (entry: Entry): Promise<void> =>
    listings?.write(entry.upstream.name, entry.spec, entry.upstream.described).catch((error: Error) => logger.warn(`could not keep the listing of ${entry.upstream.name} in the store`, { error: error.message }));
  await Promise.all(listed.map(keepListing));

  // A client's own upstream (perSession): by session, else by principal, else (an anonymous
  // request without a session, which nothing ties to the next one) for this one request only.
  const startOwn = (entry: Entry, key: string | undefined): Promise<Target> => {
    const active = new ActiveCalls(true);
    // Its resource updates go to its own client's subscriptions alone.
    const watchers = new Map<string, Set<() => void>>();
    const forget = (): void => void (key !== undefined && entry.sessions.get(key) === own && entry.sessions.delete(key));
    // Told of its changes: only its end (a crash) matters here. A list_changed is no reason to
    // forget it, which left the process running with no session to end it.
    const changed = (): void => {
      if (upstream.state === 'stopped') forget();
    };
    const upstream: Upstream = new Upstream(entry.upstream.name, entry.upstream.spec, peerFor(active, watchers, tasks, () => upstream, true), changed, logger, false);
    const own: Promise<Target> = upstream.start().then(() => ({ upstream, active, watchers, ...(key === undefined ? { oneOff: true } : {}) }));
    own.catch(forget);
    if (key !== undefined) entry.sessions.set(key, own);
    return own;
  };
  // Servers whose upstreams take their user's secrets, and the secrets they take.
  const usingSecrets = new Map(entries.filter(({ spec }) => scopeOf(spec) === 'user').map(({ upstream, spec }) => [upstream.name, secretsNamedIn(spec as UpstreamSpec)] as const).filter(([, names]) => names.length > 0));
  let secrets: UserSecrets | undefined;
  // A user's own upstream (scope: "user"): its identity's values filled in, shared by its sessions.
  const startForUser = async (entry: Entry, identity: UserIdentity): Promise<Target> => {
    const active = new ActiveCalls();
    // Its resource updates go to its own user's subscriptions alone.
    const watchers = new Map<string, Set<() => void>>();
    const { name } = entry.upstream;
    const { spec } = entry;
    const user = usingSecrets.has(name) ? { ...identity, secrets: (await secrets?.valuesFor(name, identity)) ?? {} } : identity;
    const exchanged = tokens.sendsUserToken(name) ? { token: await tokens.forUser(name, identity) } : {};
    const onChanged = (): void => {
      if (upstream.state === 'stopped') users.drop(name, user.key, upstream);
      else relisted(entry, upstream);
    };
    const upstream: Upstream = new Upstream(name, { ...specForUser(spec as UpstreamSpec, user, name), ...exchanged }, peerFor(active, watchers, tasks, () => upstream, true), onChanged, logger, false);
    return upstream.start().then(() => {
      relisted(entry, upstream);
      return { upstream, active, watchers };
    });
  };
  // What a user's upstream lists is what the server lists from now on.
  const relisted = (entry: Entry, upstream: Upstream): void => {
    if (JSON.stringify(upstream.listing) === JSON.stringify(entry.upstream.listing)) return;
    entry.upstream.listing = upstream.listing;
    void keepListing(entry);
    onChange();
  };
  // Which user a session's calls went as: a change of its roots reaches that user's upstreams.
  const userOfSession = new Map<string, string>();
  // Where a caller's calls and subscriptions go: the upstream that is its own, else the shared one.
  const route = (entry: Entry) => (caller: Caller): Target | Promise<Target> => {
    if (scopeOf(entry.upstream.spec) === 'user' && !oneClient) {
      const user = userOf(caller);
      if (!user) return startOwn(entry, undefined);
      if (caller.id !== undefined) userOfSession.set(caller.id, user.key);
      const { name } = entry.upstream;
      // An exchanged token about to end: the user's next calls go through a connection with a fresh one.
      if (tokens.isEnding(name, user.key)) {
        tokens.forget(name, user.key);
        users.retire(name, user.key);
      }
      return users.acquire(name, user.key, () => startForUser(entry, user));
    }
    if (!isPerSession(entry.upstream.spec) || oneClient) return entry.shared;
    const key = clientOfSession(caller);
    const own = (key !== undefined && entry.sessions.get(key)) || startOwn(entry, key);
    if (key !== undefined && caller.id === undefined) idleSince.set(own, Date.now());
    return own;
  };
  // Own upstreams kept by principal have no session to end with: they end after a while unused.
  const idleSince = new Map<Promise<Target>, number>();
  const sweep = setInterval(() => {
    for (const entry of entries) {
      for (const [key, own] of entry.sessions) {
        const since = idleSince.get(own);
        if (since === undefined || Date.now() - since < IDLE_OWN_UPSTREAM_MS) continue;
        void own.then(({ active, watchers, upstream }) => {
          if (active.size > 0 || watchers.size > 0 || entry.sessions.get(key) !== own) return;
          entry.sessions.delete(key);
          idleSince.delete(own);
          void upstream.stop();
        }, () => idleSince.delete(own));
      }
    }
  }, 60_000);
  sweep.unref();
  const stopping = new Set<Promise<void>>();
  const serving = (): Entry[] => entries.filter(({ upstream }) => upstream.state === 'ready' || upstream.state === 'lazy');
  const moduleOf = (entry: Entry, naming: Entry['naming']): LoadedModule => ({ file: `upstream server "${entry.upstream.name}"`, definitions: upstreamDefinitions(entry.upstream, naming, route(entry), entry.shared) });
  return {
    modules: () => serving().map((entry) => moduleOf(entry, entry.naming)),
    // Alone on its route, a server's names are its own: no prefix.
    routes: () =>
      new Map(
        serving().map((entry) => {
          const { name, identity } = entry.upstream;
          const { prefix, separator } = entry.naming;
          return [name, { module: moduleOf(entry, { ...entry.naming, prefix: '' }), prefix: prefix ? prefix + separator : '', ...(identity ?? { serverInfo: { name, version: 'unknown' }, instructions: undefined }) }];
        }),
      ),
    health: () =>
      Object.fromEntries(
        entries.map(({ upstream, sessions }) => [
          upstream.name,
          {
            state: upstream.state,
            restarts: upstream.restartCount,
            ...(upstream.lastError ? { error: upstream.lastError } : {}),
            ...(isPerSession(upstream.spec) ? { sessions: sessions.size } : {}),
            // Counts only: who has an upstream is nobody else's business.
            ...(scopeOf(upstream.spec) === 'user' ? { scope: 'user', upstreams: users.counts(upstream.name) } : {}),
          },
        ]),
      ),
    healthy: () => entries.every(({ upstream }) => upstream.spec.optional === true || upstream.state === 'ready' || upstream.state === 'lazy'),
    clientNotification: (method, params, sessionId) => {
      if (method !== 'notifications/roots/list_changed') return;
      const user = sessionId === undefined ? undefined : userOfSession.get(sessionId);
      for (const { upstream, sessions } of entries) {
        if (oneClient) upstream.notify(method, params);
        if (user !== undefined) users.runningFor(upstream.name, user)?.upstream.notify(method, params);
        const own = sessionId === undefined ? undefined : sessions.get(`session:${sessionId}`);
        void own?.then(({ upstream: mine }) => mine.notify(method, params), () => undefined);
      }
    },
    tasks,
    extension: (store) => {
      if (oneClient || usingSecrets.size === 0) return undefined;
      secrets = UserSecrets.open(store, process.env);
      // A change, made through this process or another of the store, retires the user's upstream here.
      secrets.onChange((server, userDigest) => users.retireWhere(server, (user) => UserSecrets.digestOf(user) === userDigest));
      if (!secrets.canSeal) logger.warn(`servers ${[...usingSecrets.keys()].join(', ')} use \${user.secrets}, but with a shared store secrets are kept only when ${SECRETS_KEY_VARIABLE} is set (the same in every process)`);
      return secretMethods(secrets, usingSecrets);
    },
    sessionClosed: (sessionId) => {
      tasks.forget(sessionId);
      userOfSession.delete(sessionId);
      for (const { sessions } of entries) {
        const own = sessions.get(`session:${sessionId}`);
        if (!own) continue;
        sessions.delete(`session:${sessionId}`);
        // Kept until done, so a shutdown right after still waits for it.
        const stop = own.then(({ upstream }) => upstream.stop(), () => undefined);
        stopping.add(stop);
        void stop.finally(() => stopping.delete(stop));
      }
    },
    stop: async () => {
      clearInterval(sweep);
      await users.stopAll();
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
  return scopeOf(spec) === 'session';
}

/** A per-user server started on first use (the default), listed at start-up without a user. */
function isLazyPerUser(spec: AnyUpstreamSpec): boolean {
  return scopeOf(spec) === 'user' && (spec as UpstreamSpec).lazy !== false;
}
