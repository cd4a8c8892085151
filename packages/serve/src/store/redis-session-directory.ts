import type { Redis } from 'ioredis';

import type { Logger } from '../logger.ts';
import type { EventLogBounds, SessionDirectory, SessionNotice, SharedSessionRecord } from './session-directory.ts';

// A session is a hash: `record` (its JSON), `kind`, `holder` (the tag of the process holding its
// stream) and `eventBytes` (the size of its event log, a stream of its own). Both keys expire
// together; `sessions`, a sorted set scored by expiry, indexes the live ones for list changes.

// KEYS: the session, the index of live sessions; ARGV: record, kind, ttl, expiry, id, holder.
const SAVE = `
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'kind', ARGV[2])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'holder', ARGV[6]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 1`;

// KEYS: the session, its events, the index, its subscriptions; ARGV: ttl, expiry, id.
const TOUCH = `
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[3], 'XX', ARGV[2], ARGV[3])
return 1`;

const HOLD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local previous = redis.call('HGET', KEYS[1], 'holder')
redis.call('HSET', KEYS[1], 'holder', ARGV[1])
return previous or ''`;

// KEYS: the session, its subscriptions; ARGV: the URI.
const ADD_SUBSCRIPTION = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return false end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return redis.call('HGET', KEYS[1], 'holder') or ''`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('HDEL', KEYS[1], 'holder') end
return 1`;

// Logs an event of a session's server stream (oldest dropped past the bounds; one larger than the
// whole log is sent with no id, not kept) and publishes it to the holder when that is another
// process (`self`), in one step. Returns the event's id and the holder.
const APPEND_FUNCTION = `
local function append(prefix, sessionId, json, maxEvents, maxBytes, ttl, self)
  local key, events = prefix .. 'session:' .. sessionId, prefix .. 'events:' .. sessionId
  local kind = redis.call('HGET', key, 'kind')
  if not kind then return nil end
  local id = ''
  if kind == 'http' and #json <= maxBytes then
    id = redis.call('XADD', events, '*', 'j', json)
    local bytes = redis.call('HINCRBY', key, 'eventBytes', #json)
    while bytes > maxBytes or redis.call('XLEN', events) > maxEvents do
      local first = redis.call('XRANGE', events, '-', '+', 'COUNT', 1)
      if #first == 0 then break end
      redis.call('XDEL', events, first[1][1])
      bytes = redis.call('HINCRBY', key, 'eventBytes', -#first[1][2][2])
    end
    redis.call('PEXPIRE', events, ttl)
  end
  local holder = redis.call('HGET', key, 'holder')
  if holder and holder ~= self then
    redis.call('PUBLISH', prefix .. 'sessions:' .. holder, 'd' .. sessionId .. ' ' .. id .. '\\n' .. json)
  end
  return { id, holder or '' }
end`;

// ARGV: prefix, session id, json, max events, max bytes, ttl, this process's tag.
const APPEND_EVENT = `${APPEND_FUNCTION}
local appended = append(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6], ARGV[7])
if not appended then return false end
return { appended[1], appended[2] == ARGV[7] and 1 or 0 }`;

// Sends messages to one page of the live sessions (ARGV: prefix, now, first, last, max events,
// max bytes, ttl, then the messages); returns how many sessions the page held.
const ANNOUNCE = `${APPEND_FUNCTION}
redis.call('ZREMRANGEBYSCORE', ARGV[1] .. 'sessions', '-inf', ARGV[2])
local ids = redis.call('ZRANGE', ARGV[1] .. 'sessions', ARGV[3], ARGV[4])
for _, sessionId in ipairs(ids) do
  for i = 8, #ARGV do append(ARGV[1], sessionId, ARGV[i], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], '') end
end
return #ids`;

/** Sessions told of a list change per store round trip. */
const ANNOUNCE_PAGE = 500;

/** Sessions in Redis: see {@link SessionDirectory}. Made by the Redis store, on its connections. */
export class RedisSessionDirectory implements SessionDirectory {
  readonly processTag: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;
  #onNotice: (notice: SessionNotice) => void = () => undefined;

  constructor(redis: Redis, prefix: string, processTag: string, logger: Logger) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.processTag = processTag;
    this.#logger = logger;
  }

  /** The channels whose messages {@link receive} takes: this process's own, and the one to all. */
  get channels(): [string, string] {
    return [this.#channel(this.processTag), this.#channel('all')];
  }

  /** Takes a message from one of {@link channels}. */
  receive(message: string): void {
    if (message.startsWith('d')) {
      const space = message.indexOf(' ');
      const newline = message.indexOf('\n', space);
      if (space === -1 || newline === -1) return;
      this.#onNotice({ type: 'deliver', sessionId: message.slice(1, space), eventId: message.slice(space + 1, newline), json: message.slice(newline + 1) });
      return;
    }
    let notice: SessionNotice;
    try {
      notice = JSON.parse(message) as SessionNotice;
    } catch (error) {
      this.#logger.warn('ignored a malformed session notice from the store', { error: (error as Error).message });
      return;
    }
    this.#onNotice(notice);
  }

  async save(sessionId: string, record: SharedSessionRecord, ttlMs: number, holdHere = false): Promise<void> {
    await this.#redis.eval(SAVE, 2, this.#key(sessionId), this.#index, JSON.stringify(record), record.kind, ttlMs, Date.now() + ttlMs, sessionId, holdHere ? this.processTag : '');
  }

  async get(sessionId: string): Promise<{ record: SharedSessionRecord; holder: string | undefined } | undefined> {
    const [record, holder] = await this.#redis.hmget(this.#key(sessionId), 'record', 'holder');
    if (!record) return undefined;
    return { record: JSON.parse(record) as SharedSessionRecord, holder: holder ?? undefined };
  }

  async touch(sessionId: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.eval(TOUCH, 4, this.#key(sessionId), this.#eventsKey(sessionId), this.#index, this.#subsKey(sessionId), ttlMs, Date.now() + ttlMs, sessionId)) === 1;
  }

  async end(sessionId: string): Promise<void> {
    await this.#redis.multi().del(this.#key(sessionId), this.#eventsKey(sessionId), this.#subsKey(sessionId)).zrem(this.#index, sessionId).exec();
    await this.broadcast({ type: 'end', sessionId });
  }

  async hold(sessionId: string): Promise<string | undefined | null> {
    const previous = (await this.#redis.eval(HOLD, 1, this.#key(sessionId), this.processTag)) as string | null;
    if (previous === null) return null;
    return previous === '' ? undefined : previous;
  }

  async release(sessionId: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#key(sessionId), this.processTag);
  }

  async appendEvent(sessionId: string, json: string, bounds: EventLogBounds, ttlMs: number): Promise<{ eventId: string; heldHere: boolean } | undefined> {
    const reply = (await this.#redis.eval(APPEND_EVENT, 0, this.#prefix, sessionId, json, bounds.maxEvents, bounds.maxBytes, ttlMs, this.processTag)) as [string, number] | null;
    return reply ? { eventId: reply[0], heldHere: reply[1] === 1 } : undefined;
  }

  async announce(jsons: string[], bounds: EventLogBounds, ttlMs: number): Promise<number> {
    let told = 0;
    for (let first = 0; ; first += ANNOUNCE_PAGE) {
      const page = (await this.#redis.eval(ANNOUNCE, 0, this.#prefix, Date.now(), first, first + ANNOUNCE_PAGE - 1, bounds.maxEvents, bounds.maxBytes, ttlMs, ...jsons)) as number;
      told += page;
      if (page < ANNOUNCE_PAGE) return told;
    }
  }

  async addSubscription(sessionId: string, uri: string): Promise<string | undefined | null> {
    const holder = (await this.#redis.eval(ADD_SUBSCRIPTION, 2, this.#key(sessionId), this.#subsKey(sessionId), uri)) as string | null;
    return holder === null ? null : holder || undefined;
  }

  async removeSubscription(sessionId: string, uri: string): Promise<void> {
    await this.#redis.srem(this.#subsKey(sessionId), uri);
  }

  subscriptionsOf(sessionId: string): Promise<string[]> {
    return this.#redis.smembers(this.#subsKey(sessionId));
  }

  async eventsAfter(sessionId: string, eventId: string): Promise<{ eventId: string; json: string }[]> {
    // `(` excludes the event the client already has; a malformed id reads nothing.
    if (!/^\d+-\d+$/.test(eventId)) return [];
    const entries = await this.#redis.xrange(this.#eventsKey(sessionId), `(${eventId}`, '+');
    return entries.map(([id, fields]) => ({ eventId: id, json: fields[1] ?? '' }));
  }

  async send(processTag: string, notice: SessionNotice): Promise<boolean> {
    return (await this.#redis.publish(this.#channel(processTag), encode(notice))) > 0;
  }

  async broadcast(notice: SessionNotice): Promise<void> {
    await this.#redis.publish(this.#channel('all'), JSON.stringify(notice));
  }

  onNotice(handler: (notice: SessionNotice) => void): void {
    this.#onNotice = handler;
  }

  #key(sessionId: string): string {
    return `${this.#prefix}session:${sessionId}`;
  }

  get #index(): string {
    return `${this.#prefix}sessions`;
  }

  #subsKey(sessionId: string): string {
    return `${this.#prefix}subscriptions:${sessionId}`;
  }

  #eventsKey(sessionId: string): string {
    return `${this.#prefix}events:${sessionId}`;
  }

  #channel(processTag: string): string {
    return `${this.#prefix}sessions:${processTag}`;
  }
}

/**
 * A notice as it travels. A message for a stream (most of them: every answer of a legacy SSE
 * session that another process serves) is `d<session> <event id>\n<json>`: its JSON is sent as it
 * is, neither escaped into another JSON text nor parsed on the way.
 */
function encode(notice: SessionNotice): string {
  return notice.type === 'deliver' ? `d${notice.sessionId} ${notice.eventId ?? ''}\n${notice.json}` : JSON.stringify(notice);
}
