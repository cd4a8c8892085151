import { createHash } from 'node:crypto';

import { canonicalJson } from '@mcp-cli/core';

import type { StateStore } from '../store/state-store.ts';
import type { DescribedUpstream } from './upstream.ts';

/** A listing larger than this is not kept (the server is listed at each start instead). */
const MAX_CACHED_BYTES = 4 * 1024 * 1024;

/**
 * The last listing of each lazy per-user server, kept in the store: a process that starts finds
 * it there and starts no listing run, and every process of a shared store lists alike. Kept by
 * the server's name and a digest of its config, so a changed config lists again; replaced by what
 * a user's upstream lists.
 */
export class ListingCache {
  readonly #store: StateStore;

  constructor(store: StateStore) {
    this.#store = store;
  }

  async read(server: string, spec: unknown): Promise<DescribedUpstream | undefined> {
    const { value } = await this.#store.getFields(keyOf(server, spec));
    if (value === undefined) return undefined;
    try {
      const described = JSON.parse(value) as DescribedUpstream;
      return Array.isArray(described.listing?.tools) && typeof described.capabilities === 'object' ? described : undefined;
    } catch {
      return undefined;
    }
  }

  async write(server: string, spec: unknown, described: DescribedUpstream): Promise<void> {
    const value = JSON.stringify(described);
    if (value.length > MAX_CACHED_BYTES) return;
    await this.#store.setField(keyOf(server, spec), 'value', value, 1);
  }
}

function keyOf(server: string, spec: unknown): string {
  return `listing:${server}:${createHash('sha256').update(canonicalJson(spec)).digest('base64url').slice(0, 22)}`;
}
