import type { Registry } from './registry.ts';

/** Sends `notifications/resources/updated` for one URI to one session. */
export type UpdateSender = (uri: string) => void;

interface Watch {
  subscribers: Set<UpdateSender>;
  stop: (() => void) | undefined;
}

/**
 * Tracks which sessions subscribed to which resource. The resource's own `subscribe` runs when
 * the first session subscribes and its stop function when the last one leaves, so a module
 * watches only while someone listens.
 */
export class SubscriptionHub {
  readonly #watches = new Map<string, Watch>();

  readonly #getRegistry: () => Registry;

  constructor(getRegistry: () => Registry) {
    this.#getRegistry = getRegistry;
  }

  /**
   * Adds a subscriber; returns false when the URI names no resource: neither a fixed one nor one
   * of a template that can be watched (the first template it matches, as a read takes).
   */
  subscribe(uri: string, send: UpdateSender): boolean {
    const watchable = this.#watchable(uri);
    if (!watchable) return false;
    const { resource, template } = watchable;
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
  canWatch(uri: string): boolean {
    return this.#watchable(uri) !== undefined;
  }

  #watchable(uri: string): { resource: ReturnType<Registry['resources']['get']>; template: Registry['templates'][number] | undefined } | undefined {
    const registry = this.#getRegistry();
    const resource = registry.resources.get(uri);
    const template = resource ? undefined : registry.templates.find((t) => t.template.match(uri));
    return resource || template?.def.subscribe ? { resource, template } : undefined;
  }

  /** Removes a subscriber of one URI, or of every URI when `uri` is undefined. */
  unsubscribe(send: UpdateSender, uri?: string): void {
    const entries = uri === undefined ? [...this.#watches] : [[uri, this.#watches.get(uri)] as const];
    for (const [key, watch] of entries) {
      if (!watch || !watch.subscribers.delete(send) || watch.subscribers.size > 0) continue;
      watch.stop?.();
      this.#watches.delete(key);
    }
  }

  /** Number of URIs being watched (for leak checks). */
  get size(): number {
    return this.#watches.size;
  }
}
