import type { McpSession } from './mcp-session.ts';
import { PER_SUBSCRIBER, type Registry } from './registry.ts';

/** Sends `notifications/resources/updated` for one URI to one session. */
export type UpdateSender = (uri: string) => void;

type Stop = (() => void) | void;
type WatchFor = (notify: () => void, subscriber: McpSession) => Stop;
type TemplateWatchFor = (uri: string, notify: () => void, subscriber: McpSession) => Stop;

interface Watch {
  subscribers: Set<UpdateSender>;
  stop: (() => void) | undefined;
}

/**
 * Tracks which sessions subscribed to which resource. The resource's own `subscribe` runs when
 * the first session subscribes and its stop function when the last one leaves, so a module
 * watches only while someone listens. A gateway's resource (marked {@link PER_SUBSCRIBER}) is
 * watched once per session instead, on that session's own upstream.
 */
export class SubscriptionHub {
  readonly #watches = new Map<string, Watch>();
  /** Each session's own watches of per-subscriber resources: the stop function of each URI. */
  readonly #own = new Map<UpdateSender, Map<string, (() => void) | undefined>>();

  /** What a session may watch: a session on a server route (`/mcp/<server>`) that server's resources alone. */
  readonly #getRegistry: (subscriber: McpSession | undefined) => Registry;

  constructor(getRegistry: (subscriber: McpSession | undefined) => Registry) {
    this.#getRegistry = getRegistry;
  }

  /**
   * Adds a subscriber; returns false when the URI names no resource: neither a fixed one nor one
   * of a template that can be watched (the first template it matches, as a read takes).
   */
  subscribe(uri: string, send: UpdateSender, subscriber?: McpSession): boolean {
    const watchable = this.#watchable(uri, subscriber);
    if (!watchable) return false;
    const { resource, template } = watchable;
    const def = (resource ?? template!).def as { [PER_SUBSCRIBER]?: boolean };
    if (def[PER_SUBSCRIBER] === true && subscriber) {
      let own = this.#own.get(send);
      if (!own) this.#own.set(send, (own = new Map()));
      if (own.has(uri)) return true;
      const notify = (): void => send(uri);
      // Such a definition takes the subscriber after the arguments every resource takes.
      const stop = resource ? (resource.def.subscribe as WatchFor | undefined)?.(notify, subscriber) : (template!.def.subscribe as TemplateWatchFor)(uri, notify, subscriber);
      own.set(uri, typeof stop === 'function' ? stop : undefined);
      return true;
    }
    let watch = this.#watches.get(uri);
    if (!watch) {
      watch = { subscribers: new Set(), stop: undefined };
      this.#watches.set(uri, watch);
      const current = watch;
      const notify = (): void => {
        for (const subscriber of current.subscribers) subscriber(uri);
      };
      const stop = resource ? resource.def.subscribe?.(notify) : template!.def.subscribe!(uri, notify);
      watch.stop = typeof stop === 'function' ? stop : undefined;
    }
    watch.subscribers.add(send);
    return true;
  }

  /** True when `uri` names a resource a session may subscribe to. */
  canWatch(uri: string, subscriber?: McpSession): boolean {
    return this.#watchable(uri, subscriber) !== undefined;
  }

  #watchable(uri: string, subscriber: McpSession | undefined): { resource: ReturnType<Registry['resources']['get']>; template: Registry['templates'][number] | undefined } | undefined {
    const registry = this.#getRegistry(subscriber);
    const resource = registry.resources.get(uri);
    const template = resource ? undefined : registry.templates.find((t) => t.template.match(uri));
    return resource || template?.def.subscribe ? { resource, template } : undefined;
  }

  /** Removes a subscriber of one URI, or of every URI when `uri` is undefined. */
  unsubscribe(send: UpdateSender, uri?: string): void {
    const own = this.#own.get(send);
    if (own) {
      for (const [watched, stop] of uri === undefined ? [...own] : [[uri, own.get(uri)] as const]) {
        if (!own.delete(watched)) continue;
        stop?.();
      }
      if (own.size === 0) this.#own.delete(send);
    }
    const entries = uri === undefined ? [...this.#watches] : [[uri, this.#watches.get(uri)] as const];
    for (const [key, watch] of entries) {
      if (!watch || !watch.subscribers.delete(send) || watch.subscribers.size > 0) continue;
      watch.stop?.();
      this.#watches.delete(key);
    }
  }

  /** Watches open: one per URI, and one per session and URI of a per-subscriber resource (for leak checks). */
  get size(): number {
    let own = 0;
    for (const watches of this.#own.values()) own += watches.size;
    return this.#watches.size + own;
  }
}
