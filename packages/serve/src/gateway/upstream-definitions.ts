import { type CallToolResult, type Definition, type HandlerContext, type LogLevel, type PromptReturn, type RequestSpan, type ResourceContents, requestAttributes, withTraceMeta } from '@mcp-cli/core';
import type { RequestOptions } from 'mcp-call';

import { type InternalHandlerContext, REQUEST } from '../server/handler-context.ts';
import { CHECKED_ELSEWHERE, PER_SUBSCRIBER } from '../server/registry.ts';
import type { TaskSupport } from '../server/task-provider.ts';
import { compileUriTemplate } from '../server/uri-template.ts';
import type { Upstream } from './upstream.ts';
import { type Caller, callerOf } from './user-identity.ts';

/** How an upstream's names are shown: `prefix + separator + name`, filtered by allow and deny. */
export interface Naming {
  prefix: string;
  separator: string;
  allow: string[] | undefined;
  deny: string[] | undefined;
}

/**
 * The calls in flight to one upstream, so that what the upstream sends in the course of a call
 * (sampling, elicitation, logs) reaches that call's client and no other.
 */
export class ActiveCalls {
  readonly #contexts: HandlerContext[] = [];
  /** Every call comes from one client (stdio, or a perSession upstream's session): no doubt is possible. */
  readonly #oneClient: boolean;

  constructor(oneClient = false) {
    this.#oneClient = oneClient;
  }

  run<T>(ctx: HandlerContext, work: () => Promise<T>): Promise<T> {
    this.#contexts.push(ctx);
    const done = (): void => void this.#contexts.splice(this.#contexts.indexOf(ctx), 1);
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      done();
      throw error;
    }
    running.then(done, done);
    return running;
  }

  /** Calls in flight. */
  get size(): number {
    return this.#contexts.length;
  }

  /**
   * The call a message of the upstream belongs to: the one the transport names (`owner`, from
   * the call's response stream), else the latest call when every call in flight is one client's.
   * Undefined when it cannot be told: the message is refused, never sent to a guess.
   */
  attribute(owner: unknown): HandlerContext | undefined {
    if (owner !== undefined && this.#contexts.includes(owner as HandlerContext)) return owner as HandlerContext;
    const latest = this.#contexts.at(-1);
    if (!latest || this.#oneClient) return latest;
    const client = clientOf(latest);
    return client !== undefined && this.#contexts.every((ctx) => clientOf(ctx) === client) ? latest : undefined;
  }
}

/**
 * Which client made a call: its session, else its principal (a credential digest, for requests
 * without a session), else unknown (an anonymous request without a session is its own client).
 */
export function clientOf(ctx: HandlerContext): string | undefined {
  if (ctx.sessionId !== undefined) return `session:${ctx.sessionId}`;
  const session = (ctx as InternalHandlerContext)[REQUEST]?.session;
  return session ? clientOfSession(session) : undefined;
}

/** The same, for a protocol session: `session:ID`, else `principal:DIGEST`, else undefined. */
export function clientOfSession(session: { id: string | undefined; principal: string }): string | undefined {
  if (session.id !== undefined) return `session:${session.id}`;
  return session.principal ? `principal:${session.principal}` : undefined;
}

/** Where a call goes: an upstream, the calls in flight to it, and who watches its resources. */
export interface Target {
  upstream: Upstream;
  active: ActiveCalls;
  /** The notify functions of each URI subscribed to on this upstream: its updates reach these alone. */
  watchers: Map<string, Set<() => void>>;
  /** An upstream started for this one call (perSession, an anonymous client without a session): stopped after it. */
  oneOff?: boolean;
  /** The upstream that took this one's watches over when it was retired. */
  successor?: Target;
}

/**
 * Moves a retired upstream's watches to the one started in its place, which subscribes to each
 * URI: a user's subscriptions outlive a change of their secrets.
 */
export function takeOverWatches(from: Target, to: Target): void {
  for (const [uri, notifies] of from.watchers) {
    const there = to.watchers.get(uri);
    if (there) {
      for (const notify of notifies) there.add(notify);
      continue;
    }
    to.watchers.set(uri, notifies);
    askWatch(to.upstream, 'resources/subscribe', uri);
  }
  from.watchers.clear();
  from.successor = to;
}

/** Subscribes to, or unsubscribes from, a URI upstream; one that fails or does not answer in 10 s is let go. */
function askWatch(upstream: Upstream, method: 'resources/subscribe' | 'resources/unsubscribe', uri: string): void {
  void upstream.request(method, { uri }, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
}

/** A signal that never aborts, for sends whose cancellation goes through `onCancel`. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * A forwarded call's options: progress, if asked for, and how the call is cancelled when its
 * client cancels, leaves or times out. Over HTTP the call's own signal also ends the upstream POST. Stdio and in-process upstreams are told through
 * `onCancel`, with no AbortSignal made per call: making one was most of what a forwarded call
 * cost beyond the two processes' own work (scripts/bench/gateway-load.mjs).
 */
function requestOptions(upstream: Upstream, ctx: InternalHandlerContext, onProgress: RequestOptions['onProgress']): RequestOptions {
  const request = ctx[REQUEST];
  if (!request || (upstream.transport !== 'stdio' && upstream.transport !== 'memory')) return { signal: ctx.signal, onProgress, owner: ctx };
  return { signal: NEVER_ABORTED, onProgress, owner: ctx, onCancel: (cancel) => request.onAbort((reason) => cancel(reason instanceof Error ? reason : new Error(String(reason)))) };
}

/** Marks an upstream tool that takes task-augmented calls; the task broker starts them through it. */
export const TASK_TOOL = Symbol('mcp-serve.taskTool');

/** How an upstream tool is started as a task. */
export interface TaskTool {
  taskSupport: TaskSupport;
  start(args: unknown, task: unknown, ctx: HandlerContext): Promise<{ result: Record<string, unknown>; target: Target }>;
}

/** The tool's `execution.taskSupport`, when it takes tasks at all. */
function taskSupportOf(tool: Record<string, unknown>): TaskSupport | undefined {
  const support = (tool.execution as { taskSupport?: unknown } | undefined)?.taskSupport;
  return support === 'optional' || support === 'required' ? support : undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** What a listed resource or template says of itself, as far as given: served on as the upstream gave it. */
export function described(listed: Record<string, unknown>, fallbackName: string): Record<string, unknown> & { name: string } {
  const description = str(listed.description);
  const mimeType = str(listed.mimeType);
  const title = str(listed.title);
  return {
    name: str(listed.name) ?? fallbackName,
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(mimeType ? { mimeType } : {}),
    ...(typeof listed.annotations === 'object' && listed.annotations !== null ? { annotations: listed.annotations } : {}),
    ...(typeof listed.size === 'number' ? { size: listed.size } : {}),
    ...presentation(listed),
  };
}

/** An upstream definition's icons and `_meta`, when it gives them. */
export function presentation(listed: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(Array.isArray(listed.icons) ? { icons: listed.icons } : {}),
    ...(typeof listed._meta === 'object' && listed._meta !== null ? { _meta: listed._meta } : {}),
  };
}

/**
 * Turns what an upstream lists into definitions mcp-serve serves next to its modules. Every
 * handler forwards to the upstream: arguments, progress, cancellation (the call's signal), and the
 * upstream's own requests and logs back to the client that made the call.
 */
export function upstreamDefinitions(upstream: Upstream, naming: Naming, route: (caller: Caller) => Target | Promise<Target>, shared: Target): Definition[] {
  const shown = (name: string): string => (naming.prefix ? `${naming.prefix}${naming.separator}${name}` : name);
  const kept = (name: string): boolean => (naming.allow === undefined || naming.allow.includes(name)) && !(naming.deny ?? []).includes(name);
  // Work on a target counts as its call in flight; a one-off upstream (an anonymous request's) ends after it.
  const runOn = <T>(target: Target, ctx: HandlerContext, work: () => Promise<T>): Promise<T> => {
    const running = target.active.run(ctx, work);
    if (target.oneOff) void running.finally(() => target.upstream.stop()).catch(() => undefined);
    return running;
  };
  const call = (target: Target, ctx: InternalHandlerContext, method: string, params: Record<string, unknown>, withProgress = false) => {
    // Progress is asked of the upstream only when the client asked for it.
    const onProgress: RequestOptions['onProgress'] =
      withProgress && ctx[REQUEST]?.progressToken !== undefined ? ({ progress, total, message }) => void ctx.progress(progress, total, message) : undefined;
    // Traced: the call upstream is a client span of its own, and carries it in `_meta` (and as headers over HTTP).
    const span = ctx[REQUEST]?.span && upstreamSpan(ctx[REQUEST].span, target.upstream.name, method, params);
    const sent = span ? withTraceMeta(params, span.carrier) : params;
    const running = runOn(target, ctx, () => target.upstream.request(method, sent, requestOptions(target.upstream, ctx, onProgress)));
    if (span) running.then((result) => span.end(result.isError === true ? 'tool_error' : undefined), (error: { code?: unknown; message?: string }) => span.end(String(error.code ?? 'error'), error.message));
    return running;
  };
  // The shared upstream, or this client's own process (perSession or scope: "user", started on first use).
  const forwardAs = <T>(ctx: HandlerContext, send: (target: Target) => Promise<T>): Promise<T> => {
    const target = route(callerOf(ctx));
    return target instanceof Promise ? target.then(send) : send(target);
  };
  const forward = (ctx: HandlerContext, method: string, params: Record<string, unknown>, withProgress = false) => forwardAs(ctx, (target) => call(target, ctx, method, params, withProgress));
  // Asked of the upstream the caller's calls go to (their own, under scope: "user"); without a
  // request context (a direct caller), of the shared one.
  const completer = (ref: Record<string, string>, argument: string) => async (value: string, context: { arguments: Record<string, string> }, ctx?: HandlerContext) => {
    const params = { ref, argument: { name: argument, value }, context: { arguments: context.arguments } };
    const ask = (target: Upstream) => target.request('completion/complete', params, { signal: AbortSignal.timeout(10_000) });
    const result = ctx ? await forwardAs(ctx, (target) => runOn(target, ctx, () => ask(target.upstream))) : await ask(upstream);
    return ((result.completion as { values?: string[] } | undefined)?.values ?? []).filter((v) => typeof v === 'string');
  };
  const taskTool = (tool: Record<string, unknown>): { [TASK_TOOL]?: TaskTool } => {
    const taskSupport = taskSupportOf(tool);
    if (!taskSupport) return {};
    const start: TaskTool['start'] = async (args, task, ctx) => {
      const target = await route(callerOf(ctx));
      return { target, result: await call(target, ctx, 'tools/call', { name: tool.name, arguments: args ?? {}, task: task ?? {} }) };
    };
    return { [TASK_TOOL]: { taskSupport, start } };
  };
  const definitions: Definition[] = [];
  for (const tool of upstream.listing.tools) {
    const name = str(tool.name);
    if (!name || !kept(name)) continue;
    definitions.push({
      kind: 'tool',
      name: shown(name),
      description: str(tool.description) ?? `${name} (from ${upstream.name})`,
      ...(str(tool.title) ? { title: str(tool.title)! } : {}),
      input: (tool.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object' },
      ...(tool.annotations ? { annotations: tool.annotations as Record<string, unknown> } : {}),
      ...presentation(tool),
      handler: async (args: unknown, ctx: HandlerContext) => (await forward(ctx, 'tools/call', { name, arguments: args ?? {} }, true)) as unknown as CallToolResult,
      ...taskTool(tool),
      // The upstream checks its own arguments and results: checking them here too only costs time.
      [CHECKED_ELSEWHERE]: true,
    } as Definition);
  }
  for (const prompt of upstream.listing.prompts) {
    const name = str(prompt.name);
    if (!name || !kept(name)) continue;
    const args = (Array.isArray(prompt.arguments) ? prompt.arguments : []) as { name: string; description?: string; required?: boolean }[];
    definitions.push({
      kind: 'prompt',
      name: shown(name),
      ...(str(prompt.title) ? { title: str(prompt.title)! } : {}),
      description: str(prompt.description) ?? `${name} (from ${upstream.name})`,
      arguments: args,
      ...presentation(prompt),
      get: async (values, ctx) => (await forward(ctx, 'prompts/get', { name, arguments: values })) as unknown as PromptReturn,
      complete: Object.fromEntries(args.map((arg) => [arg.name, completer({ type: 'ref/prompt', name }, arg.name)])),
    });
  }
  const read = async (uri: string, ctx: HandlerContext): Promise<ResourceContents[]> => ((await forward(ctx, 'resources/read', { uri })).contents ?? []) as ResourceContents[];
  // One upstream subscription per URI and upstream, however many clients watch it there.
  const watch = (target: Target, uri: string, notify: () => void): (() => void) => {
    let set = target.watchers.get(uri);
    if (!set) {
      set = new Set();
      target.watchers.set(uri, set);
      askWatch(target.upstream, 'resources/subscribe', uri);
    }
    set.add(notify);
    return () => {
      // Where the watch is now: on the successor of a retired upstream.
      let current = target;
      while (current.successor) current = current.successor;
      const watching = current.watchers.get(uri);
      if (!watching?.delete(notify) || watching.size > 0) return;
      current.watchers.delete(uri);
      askWatch(current.upstream, 'resources/unsubscribe', uri);
    };
  };
  // A subscriber watches on the upstream its calls go to (its own, under scope "user" or
  // "session"), so an upstream's updates reach its own clients alone.
  const subscribe = (uri: string) => (notify: () => void, subscriber?: Caller) => {
    const target = subscriber ? route(subscriber) : shared;
    if (!(target instanceof Promise)) return target.oneOff ? void target.upstream.stop() : watch(target, uri, notify);
    let stop: (() => void) | undefined;
    let ended = false;
    target.then((started) => {
      // An anonymous caller without a session got an upstream for one request: nothing can be watched there.
      if (started.oneOff) void started.upstream.stop();
      else if (!ended) stop = watch(started, uri, notify);
    }, () => undefined);
    return () => {
      ended = true;
      stop?.();
    };
  };
  for (const resource of upstream.listing.resources) {
    const uri = str(resource.uri);
    if (!uri) continue;
    definitions.push({
      kind: 'resource',
      uri,
      ...described(resource, uri),
      read: (url: URL, ctx: HandlerContext) => read(url.href, ctx),
      subscribe: subscribe(uri),
      [PER_SUBSCRIBER]: true,
    } as Definition);
  }
  for (const template of upstream.listing.templates) {
    const uriTemplate = str(template.uriTemplate);
    if (!uriTemplate) continue;
    definitions.push({
      kind: 'resourceTemplate',
      uriTemplate,
      ...described(template, uriTemplate),
      read: (url: URL, _vars: Record<string, string>, ctx: HandlerContext) => read(url.href, ctx),
      // The template's variables complete when the upstream offers completions.
      ...(upstream.capabilities.completions ? { complete: Object.fromEntries(templateVariables(uriTemplate).map((variable) => [variable, completer({ type: 'ref/resource', uri: uriTemplate }, variable)])) } : {}),
      // A URI made from the template is subscribed to upstream, as the upstream would take it directly.
      subscribe: (uri: string, notify: () => void, subscriber?: Caller) => subscribe(uri)(notify, subscriber),
      [PER_SUBSCRIBER]: true,
    } as Definition);
  }
  return definitions;
}

/** The client span of a call forwarded to an upstream, under the request's own span. */
function upstreamSpan(parent: RequestSpan, upstream: string, method: string, params: Record<string, unknown>): RequestSpan {
  const name = str(params.name);
  return parent.child(name === undefined ? method : `${method} ${name}`, requestAttributes(method, params, { 'mcp_serve.upstream': upstream }));
}

/** Sends an upstream's log message to the client of the call it belongs to; one that cannot be told is dropped. */
export function forwardLog(active: ActiveCalls, params: Record<string, unknown>, owner: unknown): void {
  const level = (typeof params.level === 'string' ? params.level : 'info') as LogLevel;
  void active.attribute(owner)?.log(level, params.data, typeof params.logger === 'string' ? params.logger : undefined);
}

/** The variable names of an upstream's URI template; none for one that does not parse. */
function templateVariables(uriTemplate: string): string[] {
  try {
    return compileUriTemplate(uriTemplate).variableNames;
  } catch {
    return [];
  }
}
