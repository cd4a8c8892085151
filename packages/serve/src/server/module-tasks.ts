import { randomUUID } from 'node:crypto';

import { RpcCode, RpcError, TASKS_EXTENSION } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';
import { isTerminal, type StateStore, type TaskRecord, type TaskSignal, type TaskStatus } from '../store/state-store.ts';
import { type Asker, QuestionKeys } from './input-round.ts';
import type { MethodHandler, RequestContext } from './mcp-session.ts';
import { toRpcError } from './to-rpc-error.ts';

/** Tasks one client may hold at once, and all clients together: bounded memory for clients that never collect. */
export const TASK_LIMITS = { perOwner: 100, total: 10_000 } as const;
/** How long a finished or abandoned task stays readable. */
const TTL_MS = 60 * 60_000;
const POLL_INTERVAL_MS = 500;
/** Most questions one task may have open at once. */
const MAX_OPEN_QUESTIONS = 32;

interface Question {
  method: string;
  params: Record<string, unknown>;
  answer: (result: Record<string, unknown>) => void;
}

/**
 * The running side of a task, in the process that runs its handler: the questions it waits on,
 * and its record, written to the store on every change (in order, one write at a time).
 */
class RunningTask implements Asker {
  readonly record: TaskRecord;
  readonly #questions = new Map<string, Question>();
  readonly #keys = new QuestionKeys();
  readonly #store: StateStore;
  readonly #logger: Logger;
  readonly #stopWork: () => void;
  readonly #onEnd: () => void;
  readonly #expiry: NodeJS.Timeout;
  #writes: Promise<unknown>;

  constructor(owner: string, store: StateStore, logger: Logger, stopWork: () => void, onEnd: () => void) {
    const now = new Date();
    this.record = { taskId: randomUUID(), owner, runner: store.processId, status: 'working', createdAt: now.toISOString(), lastUpdatedAt: now.toISOString(), expiresAt: now.getTime() + TTL_MS };
    this.#store = store;
    this.#logger = logger;
    this.#stopWork = stopWork;
    this.#onEnd = onEnd;
    this.#writes = store.addTask({ ...this.record }, TASK_LIMITS);
    // A handler still running when its task expires is stopped: nobody can read its result any more.
    this.#expiry = setTimeout(() => this.stop(), TTL_MS).unref();
  }

  /** Resolves true once the store holds the task; false when a limit refused it. */
  get stored(): Promise<boolean> {
    return this.#writes as Promise<boolean>;
  }

  get ended(): boolean {
    return isTerminal(this.record.status);
  }

  ask(method: string, params: Record<string, unknown>, key: string | undefined): Promise<Record<string, unknown>> {
    if (this.ended) return new Promise(() => undefined);
    const name = this.#keys.next(method, key);
    if (this.#questions.size >= MAX_OPEN_QUESTIONS) return Promise.reject(new RpcError(RpcCode.internalError, `A task may ask its client at most ${MAX_OPEN_QUESTIONS} questions at once`));
    return new Promise((answer) => {
      this.#questions.set(name, { method, params, answer });
      this.#save('input_required');
    });
  }

  /** Takes the client's answers to open questions; others are ignored, as the extension asks. */
  answer(responses: Record<string, unknown>): void {
    let answered = false;
    for (const [key, response] of Object.entries(responses)) {
      const question = this.#questions.get(key);
      if (!question || typeof response !== 'object' || response === null || Array.isArray(response)) continue;
      this.#questions.delete(key);
      answered = true;
      question.answer(response as Record<string, unknown>);
    }
    if (answered) this.#save(this.#questions.size === 0 ? 'working' : 'input_required');
  }

  complete(result: Record<string, unknown>): void {
    this.record.result = result;
    this.#save('completed');
  }

  fail(error: RpcError): void {
    this.record.error = error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data };
    this.#save('failed');
  }

  /** Stops the handler: the task was cancelled (the store says so already) or expired. */
  stop(): void {
    if (this.ended) return;
    this.#questions.clear();
    this.record.status = 'cancelled';
    this.#end();
    this.#stopWork();
  }

  #save(status: TaskStatus): void {
    if (this.ended) return;
    this.record.status = status;
    this.record.lastUpdatedAt = new Date().toISOString();
    if (status === 'input_required') this.record.inputRequests = Object.fromEntries([...this.#questions].map(([key, { method, params }]) => [key, { method, params }]));
    else delete this.record.inputRequests;
    const snapshot = { ...this.record };
    this.#writes = this.#writes.then(
      () => this.#store.updateTask(snapshot),
      () => undefined,
    );
    this.#writes.then(
      // The store refuses a write to a task that ended elsewhere (cancelled through another process).
      (written) => written === false && this.stop(),
      (error: Error) => this.#logger.warn('could not write a task to the store', { taskId: snapshot.taskId, error: error.message }),
    );
    if (this.ended) this.#end();
  }

  #end(): void {
    clearTimeout(this.#expiry);
    this.#onEnd();
  }
}

/** A task as `tools/call` first answers it (a CreateTaskResult). */
function created(record: TaskRecord): Record<string, unknown> {
  return { resultType: 'task', ...envelope(record) };
}

/** A task as `tasks/get` shows it: with its result, error or open questions. */
function detailed(record: TaskRecord): Record<string, unknown> {
  return {
    ...envelope(record),
    ...(record.status === 'completed' ? { result: record.result } : {}),
    ...(record.status === 'failed' ? { error: record.error } : {}),
    ...(record.status === 'input_required' ? { inputRequests: record.inputRequests ?? {} } : {}),
  };
}

function envelope(record: TaskRecord): Record<string, unknown> {
  return { taskId: record.taskId, status: record.status, createdAt: record.createdAt, lastUpdatedAt: record.lastUpdatedAt, ttlMs: TTL_MS, pollIntervalMs: POLL_INTERVAL_MS };
}

/**
 * Module tools that run as tasks for 2026-07-28 clients declaring the tasks extension (SEP-2663).
 * The server decides: a call whose handler is still running at the end of its first turn (and is
 * not waiting on input-required questions) becomes a task. Its handler runs on, free of the
 * request; its questions wait for `tasks/update`; the client reads it with `tasks/get` and stops
 * it with `tasks/cancel`. Only the credential that made a task can see it. Tasks live in the
 * store, so any process sharing it answers for them; answers and cancellation reach the process
 * that runs the handler.
 */
export class ModuleTasks {
  readonly #running = new Map<string, RunningTask>();
  readonly #store: StateStore;
  readonly #logger: Logger;
  readonly methods: ReadonlyMap<string, MethodHandler>;

  constructor(store: StateStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    store.onSignal((signal) => this.#deliver(signal));
    this.methods = new Map<string, MethodHandler>([
      ['tasks/get', async (params, ctx) => detailed(await this.#find(params, ctx))],
      [
        'tasks/update',
        async (params, ctx) => {
          const responses = params.inputResponses;
          if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) throw new RpcError(RpcCode.invalidParams, 'Invalid params: inputResponses must be an object mapping each open question to its answer');
          const record = await this.#find(params, ctx);
          if (!isTerminal(record.status)) await this.#send(record, { taskId: record.taskId, answers: responses as Record<string, unknown> });
          return {};
        },
      ],
      [
        'tasks/cancel',
        async (params, ctx) => {
          const record = await this.#find(params, ctx);
          if (await this.#store.cancelTask(record.taskId)) await this.#send(record, { taskId: record.taskId, cancel: true });
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
   * Runs a task tool (`work` calls its handler, or an upstream's task): resolves with its result
   * when it finishes within its first turn, else with a CreateTaskResult, the work running on as the task.
   */
  run(work: () => unknown, ctx: RequestContext): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let task: RunningTask | undefined;
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
        Promise.resolve(work()).then(finished as (r: unknown) => void, failed);
      } catch (error) {
        failed(error);
        return;
      }
      setImmediate(() => {
        // Done already, or waiting on questions that an input-required result asks: no task.
        if (settled || ctx.inputRound?.waiting) return;
        const running = new RunningTask(ctx.session.principal, this.#store, this.#logger, () => ctx.abort(new Error('task cancelled')), () => this.#running.delete(running.record.taskId));
        task = running;
        this.#running.set(running.record.taskId, running);
        ctx.askThrough(running);
        const answer = created(running.record);
        running.stored.then(
          (stored) => {
            if (stored) return resolve(answer);
            running.stop();
            reject(new RpcError(RpcCode.invalidRequest, `Too many tasks (at most ${TASK_LIMITS.perOwner} per client, each kept ${TTL_MS / 60_000} minutes): try again when older ones have expired`));
          },
          (error: unknown) => {
            running.stop();
            reject(error);
          },
        );
      });
    });
  }

  /** The task a request names, if its client made it; one whose process stopped is failed first. */
  async #find(params: Record<string, unknown>, ctx: RequestContext): Promise<TaskRecord> {
    if (!ModuleTasks.declared(ctx)) {
      throw new RpcError(RpcCode.missingRequiredClientCapability, `Declare the ${TASKS_EXTENSION} extension in clientCapabilities.extensions to use tasks`, { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
    const taskId = params.taskId;
    if (typeof taskId !== 'string') throw new RpcError(RpcCode.invalidParams, 'Invalid params: "taskId" must be a string');
    const record = await this.#store.getTask(taskId);
    // Another client's task does not exist for this one.
    if (!record || record.owner !== ctx.session.principal) throw new RpcError(RpcCode.invalidParams, `Unknown task "${taskId.slice(0, 100)}" (tasks are kept ${TTL_MS / 60_000} minutes)`);
    if (isTerminal(record.status) || record.runner === this.#store.processId || (await this.#store.isRunning(record.runner))) return record;
    const lost: TaskRecord = {
      ...record,
      status: 'failed',
      lastUpdatedAt: new Date().toISOString(),
      error: { code: RpcCode.internalError, message: 'The server process running this task stopped before it finished: call the tool again' },
    };
    delete lost.inputRequests;
    return (await this.#store.updateTask(lost)) ? lost : ((await this.#store.getTask(taskId)) ?? lost);
  }

  /** Hands a signal to the task's handler: here when this process runs it, else through the store. */
  async #send(record: TaskRecord, signal: TaskSignal): Promise<void> {
    if (record.runner === this.#store.processId) this.#deliver(signal);
    else await this.#store.signal(record.runner, signal);
  }

  #deliver(signal: TaskSignal): void {
    const task = this.#running.get(signal.taskId);
    if (!task) return;
    if ('cancel' in signal) task.stop();
    else if (typeof signal.answers === 'object' && signal.answers !== null) task.answer(signal.answers);
  }
}
