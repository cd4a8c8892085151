import { randomUUID } from 'node:crypto';

import { RpcCode, RpcError, TASKS_EXTENSION } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';
import { type Asker, type InputRound, QuestionKeys } from './input-round.ts';
import type { MethodHandler, RequestContext } from './mcp-session.ts';
import type { RegisteredTool } from './registry.ts';
import { runTool } from './run-tool.ts';
import { toRpcError } from './to-rpc-error.ts';

/** Tasks one client may hold at once, and all clients together: bounded memory for clients that never collect. */
export const MAX_TASKS_PER_CLIENT = 100;
export const MAX_TASKS = 10_000;
/** How long a finished or abandoned task stays readable. */
const TTL_MS = 60 * 60_000;
const POLL_INTERVAL_MS = 500;
/** Most questions one task may have open at once. */
const MAX_OPEN_QUESTIONS = 32;

type Status = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

interface Question {
  method: string;
  params: Record<string, unknown>;
  answer: (result: Record<string, unknown>) => void;
}

/** One module tool running as a task: its state, and the questions it waits on. */
class ModuleTask implements Asker {
  readonly taskId = randomUUID();
  readonly createdAt = new Date().toISOString();
  lastUpdatedAt = this.createdAt;
  readonly expiresAt = Date.now() + TTL_MS;
  status: Status = 'working';
  result: Record<string, unknown> | undefined;
  error: { code: number; message: string; data?: unknown } | undefined;
  readonly #questions = new Map<string, Question>();
  readonly #keys = new QuestionKeys();

  readonly owner: string;
  readonly #cancelWork: () => void;

  constructor(owner: string, cancelWork: () => void) {
    this.owner = owner;
    this.#cancelWork = cancelWork;
  }

  get terminal(): boolean {
    return this.status === 'completed' || this.status === 'failed' || this.status === 'cancelled';
  }

  ask(method: string, params: Record<string, unknown>, key: string | undefined): Promise<Record<string, unknown>> {
    if (this.terminal) return new Promise(() => undefined);
    const name = this.#keys.next(method, key);
    if (this.#questions.size >= MAX_OPEN_QUESTIONS) return Promise.reject(new RpcError(RpcCode.internalError, `A task may ask its client at most ${MAX_OPEN_QUESTIONS} questions at once`));
    return new Promise((answer) => {
      this.#questions.set(name, { method, params, answer });
      this.#set('input_required');
    });
  }

  /** Takes the client's answers to open questions; others are ignored, as the extension asks. */
  answer(responses: Record<string, unknown>): void {
    for (const [key, response] of Object.entries(responses)) {
      const question = this.#questions.get(key);
      if (!question || typeof response !== 'object' || response === null || Array.isArray(response)) continue;
      this.#questions.delete(key);
      question.answer(response as Record<string, unknown>);
    }
    if (this.status === 'input_required' && this.#questions.size === 0) this.#set('working');
  }

  complete(result: Record<string, unknown>): void {
    if (this.terminal) return;
    this.result = result;
    this.#set('completed');
  }

  fail(error: RpcError): void {
    if (this.terminal) return;
    this.error = error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data };
    this.#set('failed');
  }

  cancel(): void {
    if (this.terminal) return;
    this.#questions.clear();
    this.#set('cancelled');
    this.#cancelWork();
  }

  /** The task as `tools/call` first answers it (a CreateTaskResult). */
  created(): Record<string, unknown> {
    return { resultType: 'task', ...this.#envelope() };
  }

  /** The task as `tasks/get` shows it: with its result, error or open questions. */
  detailed(): Record<string, unknown> {
    return {
      ...this.#envelope(),
      ...(this.status === 'completed' ? { result: this.result } : {}),
      ...(this.status === 'failed' ? { error: this.error } : {}),
      ...(this.status === 'input_required' ? { inputRequests: Object.fromEntries([...this.#questions].map(([key, { method, params }]) => [key, { method, params }])) } : {}),
    };
  }

  #envelope(): Record<string, unknown> {
    return { taskId: this.taskId, status: this.status, createdAt: this.createdAt, lastUpdatedAt: this.lastUpdatedAt, ttlMs: TTL_MS, pollIntervalMs: POLL_INTERVAL_MS };
  }

  #set(status: Status): void {
    this.status = status;
    this.lastUpdatedAt = new Date().toISOString();
  }
}

/**
 * Module tools that run as tasks for 2026-07-28 clients declaring the tasks extension (SEP-2663).
 * The server decides: a call whose handler is still running at the end of its first turn (and is
 * not waiting on input-required questions) becomes a task. Its handler runs on, free of the
 * request; its questions wait for `tasks/update`; the client reads it with `tasks/get` and stops
 * it with `tasks/cancel`. Only the credential that made a task can see it. Kept in memory.
 */
export class ModuleTasks {
  readonly #tasks = new Map<string, ModuleTask>();
  readonly #logger: Logger;
  readonly methods: ReadonlyMap<string, MethodHandler>;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.methods = new Map<string, MethodHandler>([
      ['tasks/get', (params, ctx) => this.#find(params, ctx).detailed()],
      [
        'tasks/update',
        (params, ctx) => {
          const responses = params.inputResponses;
          if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) throw new RpcError(RpcCode.invalidParams, 'Invalid params: inputResponses must be an object mapping each open question to its answer');
          this.#find(params, ctx).answer(responses as Record<string, unknown>);
          return {};
        },
      ],
      [
        'tasks/cancel',
        (params, ctx) => {
          this.#find(params, ctx).cancel();
          return {};
        },
      ],
    ]);
  }

  /** True when this request's client declared the tasks extension. */
  static declared(ctx: RequestContext): boolean {
    const extensions = ctx.session.clientCapabilities.extensions as Record<string, unknown> | undefined;
    return typeof extensions === 'object' && extensions !== null && extensions[TASKS_EXTENSION] !== undefined;
  }

  /**
   * Runs a task tool: resolves with its result when the handler finishes within its first turn,
   * else with a CreateTaskResult, the handler running on as the task.
   */
  run(tool: RegisteredTool, args: Record<string, unknown> | undefined, ctx: RequestContext, round: InputRound | undefined): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let task: ModuleTask | undefined;
      const finished = (result: Record<string, unknown>): void => {
        settled = true;
        if (task) task.complete(result);
        else resolve(result);
      };
      const failed = (error: unknown): void => {
        settled = true;
        if (task) task.fail(toRpcError(error, this.#logger, 'tools/call'));
        else reject(error);
      };
      try {
        Promise.resolve(runTool(tool, args, ctx, undefined, this.#logger)).then(finished as (r: unknown) => void, failed);
      } catch (error) {
        failed(error);
        return;
      }
      setImmediate(() => {
        // Done already, or waiting on questions that an input-required result asks: no task.
        if (settled || round?.waiting) return;
        try {
          task = this.#create(ctx);
        } catch (error) {
          ctx.abort(error);
          reject(error);
          return;
        }
        ctx.askThrough(task);
        resolve(task.created());
      });
    });
  }

  #create(ctx: RequestContext): ModuleTask {
    this.#prune();
    const owner = ctx.session.principal;
    let mine = 0;
    for (const task of this.#tasks.values()) if (task.owner === owner) mine++;
    if (mine >= MAX_TASKS_PER_CLIENT || this.#tasks.size >= MAX_TASKS) {
      throw new RpcError(RpcCode.invalidRequest, `Too many tasks (at most ${MAX_TASKS_PER_CLIENT} per client, each kept ${TTL_MS / 60_000} minutes): try again when older ones have expired`);
    }
    const task = new ModuleTask(owner, () => ctx.abort(new Error('task cancelled')));
    this.#tasks.set(task.taskId, task);
    return task;
  }

  #find(params: Record<string, unknown>, ctx: RequestContext): ModuleTask {
    if (!ModuleTasks.declared(ctx)) {
      throw new RpcError(RpcCode.missingRequiredClientCapability, `Declare the ${TASKS_EXTENSION} extension in clientCapabilities.extensions to use tasks`, { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
    const taskId = params.taskId;
    if (typeof taskId !== 'string') throw new RpcError(RpcCode.invalidParams, 'Invalid params: "taskId" must be a string');
    this.#prune();
    const task = this.#tasks.get(taskId);
    // Another client's task does not exist for this one.
    if (!task || task.owner !== ctx.session.principal) throw new RpcError(RpcCode.invalidParams, `Unknown task "${taskId.slice(0, 100)}" (tasks are kept ${TTL_MS / 60_000} minutes)`);
    return task;
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, task] of this.#tasks) {
      if (task.expiresAt > now) continue;
      task.cancel();
      this.#tasks.delete(id);
    }
  }
}
