import { randomBytes, randomUUID } from 'node:crypto';

import { ConfigError } from '@mcp-cli/core';
import type { Redis } from 'ioredis';

import type { Logger } from '../logger.ts';
import { redactedUrl } from '@mcp-cli/core';
import { RedisSessionDirectory } from './redis-session-directory.ts';
import type { StateStore, TaskLimits, TaskRecord, TaskSignal } from './state-store.ts';

/** A process that has not said it is alive for this long has stopped; its running tasks have failed. */
const ALIVE_TTL_MS = 15_000;
const ALIVE_EVERY_MS = 5_000;
/** Every wait on Redis is bounded: a store that does not answer fails the request, not the server. */
const COMMAND_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

// Each task is a hash: `status` and `updatedAt` change alone when another process cancels it;
// `record` is the whole task as its runner last wrote it. Both sets index live tasks by expiry.
const ADD_TASK = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) or redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updatedAt', ARGV[4], 'record', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[8])
redis.call('PEXPIREAT', KEYS[3], ARGV[7])
return 1`;

/** Sets a field unless the map would pass its bound: atomic, so two processes cannot both take the last place. */
const SET_FIELD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

const TERMINAL_CHECK = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end`;

const UPDATE_TASK = `${TERMINAL_CHECK}
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2], 'record', ARGV[3])
return 1`;

const CANCEL_TASK = `${TERMINAL_CHECK}
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'updatedAt', ARGV[1])
return 1`;


/**
 * Tasks in Redis, for several mcp-serve processes behind one endpoint: any process reads a task,
 * and the one running it gets its answers and cancellation over pub/sub. Each process says it is
 * alive every few seconds, so a task whose process was killed is reported failed, not lost.
 */
export class RedisStore implements StateStore {
  readonly processId = randomUUID();
  readonly description: string;
  readonly sessions: RedisSessionDirectory;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #alive: NodeJS.Timeout;
  #sharedSecret: string | undefined;
  #onSignal: (signal: TaskSignal) => void = () => undefined;
  readonly #fieldListeners: ((key: string) => void)[] = [];

  private constructor(redis: Redis, subscriber: Redis, url: URL, prefix: string, logger: Logger) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#logger = logger;
    this.description = redactedUrl(url);
    this.sessions = new RedisSessionDirectory(redis, prefix, this.processId.replaceAll('-', '').slice(0, 12), logger);
    this.#alive = setInterval(() => void this.#sayAlive(), ALIVE_EVERY_MS).unref();
  }

  /**
   * Connects, and fails with a clear message when Redis cannot be reached. `?prefix=` in the URL
   * names the keys' prefix (default `mcp-serve:`), so several servers can share one Redis.
   * @throws ConfigError when Redis is unreachable or refuses the credentials.
   */
  static async open(url: URL, logger: Logger): Promise<RedisStore> {
    const { Redis } = await import('ioredis');
    const prefix = url.searchParams.get('prefix') ?? 'mcp-serve:';
    // No offline queue: while Redis is away a command fails at once, and nothing piles up.
    const options = { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, enableOfflineQueue: false };
    const redis = new Redis(url.href, options);
    const subscriber = new Redis(url.href, { ...options, commandTimeout: undefined });
    // ioredis reconnects by itself; once connected, the error events it emits meanwhile are logged.
    let connected = false;
    let lastError = '';
    for (const connection of [redis, subscriber]) {
      connection.on('error', (error: Error) => {
        if (connected) logger.warn('redis store', { error: error.message });
        else lastError = error.message;
      });
    }
    try {
      await Promise.all([redis.connect(), subscriber.connect()]);
      connected = true;
      const store = new RedisStore(redis, subscriber, url, prefix, logger);
      await store.#start();
      return store;
    } catch (error) {
      redis.disconnect();
      subscriber.disconnect();
      const why = (lastError || (error as Error).message).replace(/\.+$/, '');
      throw new ConfigError(`Cannot use the store at ${redactedUrl(url)}: ${why}. Start Redis there, or fix --store`);
    }
  }

  get redis(): { client: Redis; prefix: string } {
    return { client: this.#redis, prefix: this.#prefix };
  }

  get sharedSecret(): string | undefined {
    return this.#sharedSecret;
  }

  async addTask(record: TaskRecord, limits: TaskLimits): Promise<boolean> {
    const keys = [this.#taskKey(record.taskId), `${this.#prefix}tasks`, `${this.#prefix}owner:${record.owner}`];
    const args = [Date.now(), JSON.stringify(record), record.status, record.lastUpdatedAt, limits.perOwner, limits.total, record.expiresAt, record.taskId];
    return (await this.#redis.eval(ADD_TASK, keys.length, ...keys, ...args)) === 1;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    const fields = await this.#redis.hgetall(this.#taskKey(taskId));
    if (!fields.record || !fields.status) return undefined;
    const record = JSON.parse(fields.record) as TaskRecord;
    if (record.status === fields.status) return record;
    // Cancelled by another process since its runner last wrote it.
    const { inputRequests: _dropped, ...rest } = record;
    return { ...rest, status: fields.status as TaskRecord['status'], lastUpdatedAt: fields.updatedAt ?? record.lastUpdatedAt };
  }

  async updateTask(record: TaskRecord): Promise<boolean> {
    return (await this.#redis.eval(UPDATE_TASK, 1, this.#taskKey(record.taskId), record.status, record.lastUpdatedAt, JSON.stringify(record))) === 1;
  }

  async cancelTask(taskId: string): Promise<boolean> {
    return (await this.#redis.eval(CANCEL_TASK, 1, this.#taskKey(taskId), new Date().toISOString())) === 1;
  }

  async setField(key: string, field: string, value: string, maxFields: number): Promise<boolean> {
    const set = (await this.#redis.eval(SET_FIELD, 1, this.#fieldsKey(key), field, value, maxFields)) === 1;
    if (set) await this.#fieldsChanged(key);
    return set;
  }

  async getFields(key: string): Promise<Record<string, string>> {
    return this.#redis.hgetall(this.#fieldsKey(key));
  }

  async deleteField(key: string, field: string): Promise<boolean> {
    const deleted = (await this.#redis.hdel(this.#fieldsKey(key), field)) === 1;
    if (deleted) await this.#fieldsChanged(key);
    return deleted;
  }

  onFieldsChanged(listener: (key: string) => void): void {
    this.#fieldListeners.push(listener);
  }

  /** This process's listeners hear of it at once, the other processes' through the store. */
  async #fieldsChanged(key: string): Promise<void> {
    this.#tellFieldListeners(key);
    await this.#redis.publish(this.#fieldsChannel(), `${this.processId} ${key}`);
  }

  #tellFieldListeners(key: string): void {
    for (const listener of this.#fieldListeners) listener(key);
  }

  async signal(runner: string, signal: TaskSignal): Promise<void> {
    await this.#redis.publish(this.#channel(runner), JSON.stringify(signal));
  }

  onSignal(handler: (signal: TaskSignal) => void): void {
    this.#onSignal = handler;
  }

  onConnectionError(listener: () => void): void {
    this.#redis.on('error', listener);
    this.#subscriber.on('error', listener);
  }

  async isRunning(processId: string): Promise<boolean> {
    return (await this.#redis.exists(this.#aliveKey(processId))) === 1;
  }

  async close(): Promise<void> {
    clearInterval(this.#alive);
    // Other processes learn at once that this one's unfinished tasks will not finish.
    await this.#redis.del(this.#aliveKey(this.processId)).catch(() => undefined);
    await Promise.allSettled([this.#redis.quit(), this.#subscriber.quit()]);
  }

  async #start(): Promise<void> {
    await this.#sayAlive();
    await this.#agreeOnSecret();
    if (this.#sharedSecret === undefined) throw new Error('could not read or write the request-state secret');
    // A Redis that restarted empty has lost the secret: the first process back puts its own
    // again, and every process takes what the store holds (also every few seconds, with #sayAlive).
    this.#redis.on('ready', () => void this.#agreeOnSecret());
    const sessionChannels = this.sessions.channels;
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (sessionChannels.includes(channel)) return this.sessions.receive(message);
      if (channel === this.#fieldsChannel()) {
        // "<process id> <key>": the process that made the change has told its own listeners.
        const space = message.indexOf(' ');
        if (space > 0 && message.slice(0, space) !== this.processId) this.#tellFieldListeners(message.slice(space + 1));
        return;
      }
      try {
        this.#onSignal(JSON.parse(message) as TaskSignal);
      } catch (error) {
        this.#logger.warn('ignored a malformed task signal from the store', { error: (error as Error).message });
      }
    });
    await this.#subscriber.subscribe(this.#channel(this.processId), this.#fieldsChannel(), ...sessionChannels);
  }

  async #sayAlive(): Promise<void> {
    await this.#redis.set(this.#aliveKey(this.processId), '1', 'PX', ALIVE_TTL_MS).catch((error: Error) => this.#logger.warn('redis store: could not say this process is alive', { error: error.message }));
    if (this.#sharedSecret !== undefined) await this.#agreeOnSecret();
  }

  /**
   * The request-state secret every process shares: the first to find none in the store puts its
   * own (a new one at the first start), and every process takes the one the store holds.
   */
  async #agreeOnSecret(): Promise<void> {
    const secretKey = `${this.#prefix}state-secret`;
    try {
      await this.#redis.set(secretKey, this.#sharedSecret ?? randomBytes(32).toString('base64'), 'NX');
      const agreed = (await this.#redis.get(secretKey)) ?? undefined;
      if (agreed !== undefined && agreed !== this.#sharedSecret) {
        if (this.#sharedSecret !== undefined) this.#logger.warn('redis store: the request-state secret changed (the store lost it); requests in the middle of an input round must start again');
        this.#sharedSecret = agreed;
      }
    } catch (error) {
      this.#logger.warn('redis store: could not agree on the request-state secret', { error: (error as Error).message });
    }
  }

  #taskKey(taskId: string): string {
    return `${this.#prefix}task:${taskId}`;
  }

  #aliveKey(processId: string): string {
    return `${this.#prefix}alive:${processId}`;
  }

  #fieldsKey(key: string): string {
    return `${this.#prefix}fields:${key}`;
  }

  #fieldsChannel(): string {
    return `${this.#prefix}fields-changed`;
  }

  #channel(processId: string): string {
    return `${this.#prefix}signals:${processId}`;
  }
}
