import { randomUUID } from 'node:crypto';

import { isTerminal, type StateStore, type TaskLimits, type TaskRecord, type TaskSignal } from './state-store.ts';

/** The default store: one process, its tasks in a map. */
/** Most maps of fields (one per user and server with secrets) one process keeps. */
const MAX_FIELD_MAPS = 100_000;

export class MemoryStore implements StateStore {
  readonly description = 'memory';
  readonly processId = randomUUID();
  readonly sharedSecret = undefined;
  // Insertion order is expiry order (every task lives as long), so pruning stops at the first live one.
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #perOwner = new Map<string, number>();
  #onSignal: (signal: TaskSignal) => void = () => undefined;
  readonly #fields = new Map<string, Map<string, string>>();
  readonly #fieldListeners: ((key: string) => void)[] = [];

  async addTask(record: TaskRecord, limits: TaskLimits): Promise<boolean> {
    this.#prune();
    if ((this.#perOwner.get(record.owner) ?? 0) >= limits.perOwner || this.#tasks.size >= limits.total) return false;
    this.#tasks.set(record.taskId, { ...record });
    this.#perOwner.set(record.owner, (this.#perOwner.get(record.owner) ?? 0) + 1);
    return true;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    this.#prune();
    const record = this.#tasks.get(taskId);
    return record && record.expiresAt > Date.now() ? { ...record } : undefined;
  }

  async updateTask(record: TaskRecord): Promise<boolean> {
    const stored = this.#tasks.get(record.taskId);
    if (!stored || isTerminal(stored.status)) return false;
    this.#tasks.set(record.taskId, { ...record });
    return true;
  }

  async cancelTask(taskId: string): Promise<boolean> {
    const stored = this.#tasks.get(taskId);
    if (!stored || isTerminal(stored.status)) return false;
    const { inputRequests: _dropped, ...rest } = stored;
    this.#tasks.set(taskId, { ...rest, status: 'cancelled', lastUpdatedAt: new Date().toISOString() });
    return true;
  }

  async setField(key: string, field: string, value: string, maxFields: number): Promise<boolean> {
    let fields = this.#fields.get(key);
    if (!fields) {
      if (this.#fields.size >= MAX_FIELD_MAPS) return false;
      fields = new Map();
      this.#fields.set(key, fields);
    }
    if (!fields.has(field) && fields.size >= maxFields) return false;
    fields.set(field, value);
    this.#fieldsChanged(key);
    return true;
  }

  async getFields(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.#fields.get(key) ?? []);
  }

  async deleteField(key: string, field: string): Promise<boolean> {
    const fields = this.#fields.get(key);
    const deleted = fields?.delete(field) ?? false;
    if (fields?.size === 0) this.#fields.delete(key);
    if (deleted) this.#fieldsChanged(key);
    return deleted;
  }

  onFieldsChanged(listener: (key: string) => void): void {
    this.#fieldListeners.push(listener);
  }

  #fieldsChanged(key: string): void {
    for (const listener of this.#fieldListeners) listener(key);
  }

  async signal(_runner: string, signal: TaskSignal): Promise<void> {
    this.#onSignal(signal);
  }

  onSignal(handler: (signal: TaskSignal) => void): void {
    this.#onSignal = handler;
  }

  async isRunning(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.#tasks.clear();
    this.#perOwner.clear();
    this.#fields.clear();
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, record] of this.#tasks) {
      if (record.expiresAt > now) return;
      this.#tasks.delete(id);
      const left = (this.#perOwner.get(record.owner) ?? 1) - 1;
      if (left > 0) this.#perOwner.set(record.owner, left);
      else this.#perOwner.delete(record.owner);
    }
  }
}
