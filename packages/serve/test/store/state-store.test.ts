import { REDIS_BIN, startRedis } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/logger.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { StateStore, TaskRecord, TaskSignal } from '../../src/store/state-store.ts';

// One contract, two stores: what module tasks need holds in memory and in a real Redis.
const record = (taskId: string, owner = 'alice', ttlMs = 60_000): TaskRecord => ({
  taskId,
  owner,
  runner: 'runner-1',
  status: 'working',
  createdAt: new Date().toISOString(),
  lastUpdatedAt: new Date().toISOString(),
  expiresAt: Date.now() + ttlMs,
});

function contract(name: string, open: () => Promise<StateStore>): void {
  describe(name, () => {
    let store: StateStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores a task and keeps its result, error and questions verbatim, empty objects included', async () => {
      expect(await store.addTask(record('t1'), { perOwner: 10, total: 100 })).toBe(true);
      expect(await store.getTask('t1')).toMatchObject({ taskId: 't1', owner: 'alice', status: 'working' });
      const asking = { ...record('t1'), status: 'input_required' as const, inputRequests: { q: { method: 'elicitation/create', params: { requestedSchema: { type: 'object', properties: {} } } } } };
      expect(await store.updateTask(asking)).toBe(true);
      expect((await store.getTask('t1'))?.inputRequests).toEqual(asking.inputRequests);
      const done = { ...record('t1'), status: 'completed' as const, result: { content: [], structuredContent: {} } };
      expect(await store.updateTask(done)).toBe(true);
      expect((await store.getTask('t1'))?.result).toEqual({ content: [], structuredContent: {} });
      expect(await store.getTask('missing')).toBeUndefined();
    });

    it('never changes a task that has ended, and a cancel drops its questions', async () => {
      await store.addTask({ ...record('t2'), status: 'input_required', inputRequests: { q: { method: 'roots/list', params: {} } } }, { perOwner: 10, total: 100 });
      expect(await store.cancelTask('t2')).toBe(true);
      const cancelled = await store.getTask('t2');
      expect(cancelled?.status).toBe('cancelled');
      expect(cancelled?.inputRequests).toBeUndefined();
      expect(await store.cancelTask('t2')).toBe(false);
      expect(await store.updateTask({ ...record('t2'), status: 'completed', result: {} })).toBe(false);
      expect((await store.getTask('t2'))?.status).toBe('cancelled');
    });

    it('refuses tasks past a client\'s limit and the store\'s, and counts expired ones no more', async () => {
      // A store of its own: every task in it lives as long, as module tasks do.
      const store = await open();
      const limits = { perOwner: 2, total: 1000 };
      expect(await store.addTask(record('b1', 'bob', 150), limits)).toBe(true);
      expect(await store.addTask(record('b2', 'bob', 150), limits)).toBe(true);
      expect(await store.addTask(record('b3', 'bob', 150), limits)).toBe(false);
      expect(await store.addTask(record('c1', 'carol', 150), limits)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await store.getTask('b1')).toBeUndefined();
      expect(await store.addTask(record('b3', 'bob'), limits)).toBe(true);
      expect(await store.addTask(record('d1', 'dave'), { perOwner: 10, total: 1 })).toBe(false);
      await store.close();
    });

    it('delivers signals to the process they name', async () => {
      const received: TaskSignal[] = [];
      const arrived = new Promise<void>((resolve) =>
        store.onSignal((signal) => {
          received.push(signal);
          if (received.length === 2) resolve();
        }),
      );
      await store.signal(store.processId, { taskId: 't3', answers: { q: { action: 'accept' } } });
      await store.signal(store.processId, { taskId: 't3', cancel: true });
      await arrived;
      expect(received).toEqual([{ taskId: 't3', answers: { q: { action: 'accept' } } }, { taskId: 't3', cancel: true }]);
      expect(await store.isRunning(store.processId)).toBe(true);
    });
  });
}

contract('MemoryStore', async () => new MemoryStore());

describe.skipIf(!REDIS_BIN && process.env.CI === undefined)('Redis', () => {
  let redis: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  let prefixes = 0;
  contract('RedisStore', () => openStore(`${redis.url}/?prefix=contract${++prefixes}:`, silentLogger));

  it('shares one request-state secret between processes, and tells them when one has stopped', async () => {
    const [one, two] = await Promise.all([openStore(redis.url, silentLogger), openStore(redis.url, silentLogger)]);
    expect(one.sharedSecret).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(two.sharedSecret).toBe(one.sharedSecret);
    expect(await two.isRunning(one.processId)).toBe(true);
    await one.close();
    expect(await two.isRunning(one.processId)).toBe(false);
    await two.close();
  });
});
