import { randomUUID } from 'node:crypto';

import { type Definition, RpcCode, RpcError } from '@mcp-cli/core';

import { createHandlerContext } from '../server/handler-context.ts';
import type { MethodHandler, RequestContext } from '../server/mcp-session.ts';
import type { TaskProvider, TaskSupport } from '../server/task-provider.ts';
import type { Upstream } from './upstream.ts';
import { clientOfSession, TASK_TOOL, type TaskTool, type Target } from './upstream-definitions.ts';

const RELATED_TASK = 'io.modelcontextprotocol/related-task';
/** Tasks one client may hold at once, and all clients together: a client that never collects its tasks costs bounded memory. */
export const MAX_TASKS_PER_CLIENT = 100;
export const MAX_TASKS = 10_000;
/** How long a task is remembered when its upstream keeps it for ever (ttl null). */
const MAX_TTL_MS = 24 * 60 * 60 * 1000;
const PAGE_SIZE = 50;

/** A task an upstream runs, as one client knows it: under an id of ours, so ids of two upstreams never meet and none can be guessed. */
interface ForwardedTask {
  id: string;
  upstreamId: string;
  target: Target;
  /** The client session that made it; only it can see it. */
  owner: string;
  notify: (method: string, params: Record<string, unknown>) => void;
  expiresAt: number;
}

/**
 * Task-augmented calls to upstream tools (MCP 2025-11-25 tasks): the upstream runs the task, and
 * the gateway keeps which client made it, so `tasks/get`, `tasks/result`, `tasks/list` and
 * `tasks/cancel` reach the right upstream and no client sees another's tasks. Status
 * notifications and the upstream's requests for a task (an elicitation while it runs) carry the
 * gateway's task id.
 */
export class TaskBroker implements TaskProvider {
  readonly #tasks = new Map<string, ForwardedTask>();
  readonly #byUpstream = new Map<Upstream, Map<string, ForwardedTask>>();
  readonly #hasTaskUpstream: () => boolean;
  /** False in stateless mode: with no session to bind a task to, listing would show every client's tasks. */
  readonly #listable: boolean;
  readonly methods: ReadonlyMap<string, MethodHandler>;

  constructor(hasTaskUpstream: () => boolean, listable: boolean) {
    this.#hasTaskUpstream = hasTaskUpstream;
    this.#listable = listable;
    const methods = new Map<string, MethodHandler>([
      ['tasks/get', (params, ctx) => this.#forwardTask(params, ctx, 'tasks/get')],
      ['tasks/cancel', (params, ctx) => this.#forwardTask(params, ctx, 'tasks/cancel')],
      ['tasks/result', (params, ctx) => this.#result(params, ctx)],
    ]);
    if (listable) methods.set('tasks/list', (params, ctx) => this.#list(params, ctx));
    this.methods = methods;
  }

  capability(): Record<string, unknown> | undefined {
    if (!this.#hasTaskUpstream()) return undefined;
    return { ...(this.#listable ? { list: {} } : {}), cancel: {}, requests: { tools: { call: {} } } };
  }

  taskSupport(def: Definition): TaskSupport | undefined {
    return (def as Definition & { [TASK_TOOL]?: TaskTool })[TASK_TOOL]?.taskSupport;
  }

  async callAsTask(def: Definition, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const tool = (def as Definition & { [TASK_TOOL]?: TaskTool })[TASK_TOOL];
    if (!tool) throw new RpcError(RpcCode.methodNotFound, `Tool "${def.name}" does not run as a task: call it without "task"`);
    const owner = ownerOf(ctx);
    this.#prune();
    if ([...this.#tasks.values()].filter((t) => t.owner === owner).length >= MAX_TASKS_PER_CLIENT || this.#tasks.size >= MAX_TASKS) {
      throw new RpcError(RpcCode.invalidRequest, `Too many tasks (at most ${MAX_TASKS_PER_CLIENT} per client, each kept until its ttl ends): try again when older ones have expired`);
    }
    const { result, target } = await tool.start(params.arguments ?? {}, params.task, createHandlerContext(ctx));
    const task = result.task as Record<string, unknown> | undefined;
    if (typeof task?.taskId !== 'string') throw new RpcError(RpcCode.internalError, `Upstream server "${target.upstream.name}" answered a task-augmented call without a task`);
    const ttl = typeof task.ttl === 'number' && task.ttl >= 0 ? Math.min(task.ttl, MAX_TTL_MS) : MAX_TTL_MS;
    const forwarded: ForwardedTask = { id: randomUUID(), upstreamId: task.taskId, target, owner, notify: (m, p) => void ctx.session.notify(m, p), expiresAt: Date.now() + ttl };
    this.#tasks.set(forwarded.id, forwarded);
    let ofUpstream = this.#byUpstream.get(target.upstream);
    if (!ofUpstream) this.#byUpstream.set(target.upstream, (ofUpstream = new Map()));
    ofUpstream.set(forwarded.upstreamId, forwarded);
    return { ...result, task: { ...task, taskId: forwarded.id } };
  }

  async runToEnd(def: Definition, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const tool = (def as Definition & { [TASK_TOOL]?: TaskTool })[TASK_TOOL];
    if (!tool) throw new RpcError(RpcCode.methodNotFound, `Tool "${def.name}" does not run as a task`);
    const handlerContext = createHandlerContext(ctx);
    const { result, target } = await tool.start(params.arguments ?? {}, {}, handlerContext);
    const taskId = (result.task as { taskId?: unknown } | undefined)?.taskId;
    if (typeof taskId !== 'string') throw new RpcError(RpcCode.internalError, `Upstream server "${target.upstream.name}" answered a task-augmented call without a task`);
    const { upstream, active } = target;
    // The request's end (cancelled, disconnected) ends the upstream task too.
    ctx.onAbort(() => void upstream.request('tasks/cancel', { taskId }, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined));
    // tasks/result waits for the end; what the upstream asks meanwhile comes to this client.
    const answer = await active.run(handlerContext, () => upstream.request('tasks/result', { taskId }, { signal: ctx.signal }));
    const { [RELATED_TASK]: _related, ...meta } = (answer._meta as Record<string, unknown> | undefined) ?? {};
    const { _meta: _dropped, ...rest } = answer;
    return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
  }

  /** An upstream's `notifications/tasks/status`: passed to the client that owns the task. */
  statusFromUpstream(upstream: Upstream, params: Record<string, unknown>): void {
    const task = this.#byUpstream.get(upstream)?.get(String(params.taskId));
    task?.notify('notifications/tasks/status', { ...params, taskId: task.id });
  }

  /** Params of an upstream's request or notification, with the related task named by the gateway's id. */
  relabel(upstream: Upstream, params: Record<string, unknown>): Record<string, unknown> {
    const meta = params._meta as Record<string, unknown> | undefined;
    const related = meta?.[RELATED_TASK] as { taskId?: unknown } | undefined;
    const task = related === undefined ? undefined : this.#byUpstream.get(upstream)?.get(String(related.taskId));
    return task ? { ...params, _meta: { ...meta, [RELATED_TASK]: { ...related, taskId: task.id } } } : params;
  }

  /** A client session ended: its tasks can no longer be asked for. */
  forget(sessionId: string): void {
    const owner = clientOfSession({ id: sessionId, principal: '' });
    for (const task of this.#tasks.values()) if (task.owner === owner) this.#drop(task);
  }

  async #forwardTask(params: Record<string, unknown>, ctx: RequestContext, method: string): Promise<Record<string, unknown>> {
    const task = this.#find(params, ctx);
    const answer = await this.#forward(task, ctx, method);
    return { ...answer, taskId: task.id };
  }

  async #result(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    const task = this.#find(params, ctx);
    const answer = await this.#forward(task, ctx, 'tasks/result');
    const meta = answer._meta as Record<string, unknown> | undefined;
    return { ...answer, _meta: { ...meta, [RELATED_TASK]: { taskId: task.id } } };
  }

  async #list(params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
    this.#prune();
    const owner = ownerOf(ctx);
    const mine = [...this.#tasks.values()].filter((t) => t.owner === owner);
    let start = 0;
    if (params.cursor !== undefined) {
      start = mine.findIndex((t) => t.id === params.cursor) + 1;
      if (start === 0) throw new RpcError(RpcCode.invalidParams, `Invalid cursor: ${JSON.stringify(params.cursor)} (pass the nextCursor of the previous page)`);
    }
    const page = mine.slice(start, start + PAGE_SIZE);
    const tasks = await Promise.all(
      page.map((task) =>
        this.#forward(task, ctx, 'tasks/get').then(
          (answer) => ({ ...answer, taskId: task.id }),
          () => (this.#drop(task), undefined), // the upstream forgot it (expired, or restarted)
        ),
      ),
    );
    const next = start + PAGE_SIZE < mine.length ? page.at(-1)?.id : undefined;
    return { tasks: tasks.filter((t) => t !== undefined), ...(next ? { nextCursor: next } : {}) };
  }

  #find(params: Record<string, unknown>, ctx: RequestContext): ForwardedTask {
    const id = params.taskId;
    if (typeof id !== 'string') throw new RpcError(RpcCode.invalidParams, 'Invalid params: "taskId" must be a string');
    const task = this.#tasks.get(id);
    if (!task || task.owner !== ownerOf(ctx) || task.expiresAt < Date.now()) throw new RpcError(RpcCode.invalidParams, `Unknown task "${id}" (it expired, or was made by another client)`);
    return task;
  }

  #forward(task: ForwardedTask, ctx: RequestContext, method: string): Promise<Record<string, unknown>> {
    const { upstream, active } = task.target;
    // In flight as a call of this client's, so what the upstream asks while it waits comes here.
    return active.run(createHandlerContext(ctx), () => upstream.request(method, { taskId: task.upstreamId }, { signal: ctx.signal }));
  }

  #prune(): void {
    const now = Date.now();
    for (const task of this.#tasks.values()) if (task.expiresAt < now) this.#drop(task);
  }

  #drop(task: ForwardedTask): void {
    this.#tasks.delete(task.id);
    this.#byUpstream.get(task.target.upstream)?.delete(task.upstreamId);
  }
}

/**
 * The client a task belongs to, by the gateway's one rule (clientOfSession): its session, else its
 * credential, so that a task id that leaks is of no use to another token. Only anonymous requests
 * without a session (stdio's one client, or an open server) share an owner.
 */
function ownerOf(ctx: RequestContext): string {
  return clientOfSession(ctx.session) ?? '';
}
