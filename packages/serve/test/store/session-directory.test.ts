import { REDIS_BIN, startRedis } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { silentLogger } from '../../src/logger.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { SessionDirectory, SessionNotice, SharedSessionRecord } from '../../src/store/session-directory.ts';
import type { StateStore } from '../../src/store/state-store.ts';

// Sessions in a real Redis (Debian's redis-server), as two processes of one endpoint see them.
const record: SharedSessionRecord = { kind: 'http', owner: 'alice', protocolVersion: '2025-11-25', clientCapabilities: { sampling: {} }, logLevel: undefined };
const bounds = { maxEvents: 3, maxBytes: 1000 };

describe.skipIf(!REDIS_BIN && process.env.CI === undefined)('sessions in Redis', () => {
  let redis: { url: string; stop(): Promise<void> };
  let stores: StateStore[] = [];
  let one: SessionDirectory;
  let two: SessionDirectory;
  const heard: SessionNotice[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    stores = await Promise.all([openStore(redis.url, silentLogger), openStore(redis.url, silentLogger)]);
    [one, two] = stores.map((store) => store.sessions!) as [SessionDirectory, SessionDirectory];
    one.onNotice((notice) => void heard.push(notice));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });

  it('keeps a record for every process, extends it, and ends it everywhere', async () => {
    await one.save('s1', record, 60_000);
    expect(await two.get('s1')).toEqual({ record, holder: undefined });
    expect(await two.touch('s1', 60_000)).toBe(true);
    await two.end('s1');
    expect(await one.get('s1')).toBeUndefined();
    expect(await one.touch('s1', 60_000)).toBe(false);
    await expect.poll(() => heard.filter((n) => n.type === 'end' && n.sessionId === 's1')).toHaveLength(1);
  });

  it('expires a session nobody touches', async () => {
    await one.save('s2', record, 150);
    await expect.poll(() => two.get('s2')).toBeUndefined();
    expect(await two.touch('s2', 60_000)).toBe(false);
  });

  it('logs stream events within their count and byte bounds, and replays those after an id', async () => {
    await one.save('s3', record, 60_000);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await two.appendEvent('s3', `{"n":${i}}`, bounds, 60_000))!.eventId);
    // Only the last three are kept: a resume from the first replays from the third.
    expect((await one.eventsAfter('s3', ids[0]!)).map((e) => e.json)).toEqual(['{"n":3}', '{"n":4}', '{"n":5}']);
    expect((await one.eventsAfter('s3', ids[3]!)).map((e) => e.json)).toEqual(['{"n":5}']);
    // Bytes: two events of 400 bytes fit in 1000, a third pushes the oldest out.
    const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(380) });
    for (let n = 6; n <= 8; n++) await two.appendEvent('s3', big(n), bounds, 60_000);
    const kept = await one.eventsAfter('s3', '0-0');
    expect(kept.map((e) => (JSON.parse(e.json) as { n: number }).n)).toEqual([7, 8]);
    // An event larger than the whole log is sent with no id and not kept.
    expect((await two.appendEvent('s3', JSON.stringify({ pad: 'y'.repeat(2000) }), bounds, 60_000))?.eventId).toBe('');
    expect(await one.eventsAfter('s3', '0-0')).toHaveLength(2);
    expect(await one.eventsAfter('s3', 'not-an-id')).toEqual([]);
    expect(await two.appendEvent('gone', '{}', bounds, 60_000)).toBeUndefined();
  });

  it('sends an event to the process holding the stream, and a second holder takes it over', async () => {
    await one.save('s4', record, 60_000);
    expect(await one.hold('s4')).toBeUndefined();
    const sent = await two.appendEvent('s4', '{"to":"holder"}', bounds, 60_000);
    expect(sent?.heldHere).toBe(false);
    await expect.poll(() => heard.find((n) => n.type === 'deliver' && n.sessionId === 's4')).toEqual({ type: 'deliver', sessionId: 's4', json: '{"to":"holder"}', eventId: sent!.eventId });
    expect((await one.appendEvent('s4', '{"mine":1}', bounds, 60_000))?.heldHere).toBe(true);
    expect(await two.hold('s4')).toBe(one.processTag);
    await one.release('s4'); // no longer the holder: leaves the new one in place
    expect((await one.get('s4'))?.holder).toBe(two.processTag);
    expect(await two.hold('missing')).toBeNull();
  });

  it('tells every live session of a list change, through the index, and keeps subscriptions with the session', async () => {
    await one.save('s5', { ...record, kind: 'sse' }, 60_000, true);
    await one.save('s6', record, 60_000);
    expect(await two.addSubscription('s5', 'test://a')).toBe(one.processTag);
    expect(await two.addSubscription('missing', 'test://a')).toBeNull();
    expect(await one.subscriptionsOf('s5')).toEqual(['test://a']);
    await one.removeSubscription('s5', 'test://a');
    expect(await one.subscriptionsOf('s5')).toEqual([]);
    const before = (await one.eventsAfter('s6', '0-0')).length;
    expect(await two.announce(['{"method":"notifications/tools/list_changed"}'], bounds, 60_000)).toBeGreaterThanOrEqual(2);
    expect(await one.eventsAfter('s6', '0-0')).toHaveLength(before + 1);
    // The legacy session's stream is held by the first process: the message is sent there, with no id.
    await expect.poll(() => heard.find((n) => n.type === 'deliver' && n.sessionId === 's5')).toEqual({ type: 'deliver', sessionId: 's5', json: '{"method":"notifications/tools/list_changed"}', eventId: '' });
  });
});
