import { ConfigError } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';
import { MemoryStore } from './memory-store.ts';
import type { StateStore } from './state-store.ts';

/**
 * Opens the store `--store` names: `memory` (the default) or `redis://…` / `rediss://…`. Redis's
 * client is loaded only when a Redis store is asked for.
 * @throws ConfigError for another scheme, or a Redis that cannot be reached.
 */
export async function openStore(spec: string | undefined, logger: Logger): Promise<StateStore> {
  if (spec === undefined || spec === 'memory') return new MemoryStore();
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ConfigError(`Invalid --store "${spec.slice(0, 100)}": use memory, or a Redis URL such as redis://127.0.0.1:6379`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`Unsupported --store scheme "${url.protocol}": use memory, or a Redis URL such as redis://127.0.0.1:6379`);
  }
  const { RedisStore } = await import('./redis-store.ts');
  return RedisStore.open(url, logger);
}
