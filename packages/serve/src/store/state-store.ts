import type { SessionDirectory } from './session-directory.ts';

/** Where a task stands (the tasks extension, SEP-2663). */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** True for a status a task never leaves. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** A task as every process serving the endpoint sees it. */
export interface TaskRecord {
  taskId: string;
  /** Digest of the credential that made it: no other client sees it. */
  owner: string;
  /** The process running its handler: the one that takes its answers and its cancellation. */
  runner: string;
  status: TaskStatus;
  createdAt: string;
  lastUpdatedAt: string;
  /** Epoch milliseconds after which the task is gone. */
  expiresAt: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  /** The questions the handler waits on, while `input_required`. */
  inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>;
}

/** A message to the process that runs a task. */
export type TaskSignal = { taskId: string; cancel: true } | { taskId: string; answers: Record<string, unknown> };

/** Most tasks one client, and all clients together, may hold in a store: bounded memory for clients that never collect. */
export interface TaskLimits {
  perOwner: number;
  total: number;
}

/**
 * What a request may need from an earlier one, kept where every process serving the endpoint can
 * reach it: tasks, the signals that reach the process running one, and the request-state secret.
 * In memory by default (one process); Redis when several processes share an endpoint.
 */
export interface StateStore {
  /** What `/health` and the banner call it, with no credentials. */
  readonly description: string;
  /** This process among the store's processes. */
  readonly processId: string;
  /** A request-state secret every process of the store shares; undefined when there is one process. */
  readonly sharedSecret: string | undefined;
  /** Stores a new task; false when its owner or the store is at its limit. */
  addTask(record: TaskRecord, limits: TaskLimits): Promise<boolean>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** Replaces a task's record unless it has ended (or expired); false then. */
  updateTask(record: TaskRecord): Promise<boolean>;
  /** Marks a task cancelled unless it has ended; false then. */
  cancelTask(taskId: string): Promise<boolean>;
  /** Sends a signal to the process running a task. */
  signal(runner: string, signal: TaskSignal): Promise<void>;
  /** The Redis connection and key prefix other shared counts use (rate limits); undefined in memory. */
  readonly redis?: { client: unknown; prefix: string };
  /** Sessions every process serves (Redis); undefined when sessions stay in the process that opened them. */
  readonly sessions?: SessionDirectory;
  /**
   * Sets `field` in the small map kept under `key` (a user's sealed secrets for one server);
   * false when the map holds `maxFields` other fields already, or the store is full.
   */
  setField(key: string, field: string, value: string, maxFields: number): Promise<boolean>;
  /** The map kept under `key`; empty when there is none. */
  getFields(key: string): Promise<Record<string, string>>;
  /** Takes `field` out of the map under `key`; false when it was not there. */
  deleteField(key: string, field: string): Promise<boolean>;
  /**
   * Calls `listener` with the key of each map a field was set in or taken out of, by any process
   * of the store: once per change, before the change's own call returns in the process that made it.
   */
  onFieldsChanged(listener: (key: string) => void): void;
  /** Takes the signals sent to this process. */
  onSignal(handler: (signal: TaskSignal) => void): void;
  /** Calls `listener` on each error of the store's connections (metrics count them); a memory store has none. */
  onConnectionError?(listener: () => void): void;
  /** False once a process has stopped: its unfinished tasks will never finish. */
  isRunning(processId: string): Promise<boolean>;
  close(): Promise<void>;
}
