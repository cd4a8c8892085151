import type { Readable, Writable } from 'node:stream';

import { ConfigError } from '@mcp-cli/core';

import type { ResolvedServeConfig } from './config/resolve-config.ts';
import { type Logger, silentLogger } from './logger.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createRateLimits } from './rate-limit/rate-limits.ts';
import { createProtocol } from './server/create-protocol.ts';
import { MemoryStore } from './store/memory-store.ts';
import type { TaskProvider } from './server/task-provider.ts';
import { announceListChanges } from './server/method-handlers.ts';
import type { SessionProtocol } from './server/mcp-session.ts';
import { openSession } from './server/open-session.ts';
import type { Registry } from './server/registry.ts';
import { SubscriptionHub } from './server/subscription-hub.ts';
import { serveStdioSession } from './transports/stdio.ts';
import { openTracing } from './tracing/open-tracing.ts';
import type { ProtocolExtension } from './server/protocol-extension.ts';
import type { StateStore } from './store/state-store.ts';
import { combineObservers } from './server/request-observers.ts';

/** Options of {@link serveStdio}. */
export interface ServeStdioOptions {
  config: ResolvedServeConfig;
  registry: Registry;
  logger?: Logger;
  /** Where requests come from and answers go: the process's stdin and stdout by default. */
  input?: Readable;
  output?: Writable;
  /** A client's notification (a gateway passes roots changes upstream). */
  onClientNotification?: (method: string, params: Record<string, unknown>, sessionId: string | undefined) => void;
  /** Runs tools as tasks (a gateway's upstreams). */
  tasks?: TaskProvider;
  /** Methods beyond MCP's, kept in the server's store (the gateway's per-user secrets). */
  extension?: (store: StateStore) => ProtocolExtension | undefined;
}

/** A server running over stdio. */
export interface StdioHandle {
  /** Settles, with the reason, when the client closes stdin or stdout or stops reading (the session has then been closed). */
  done: Promise<string>;
  /** Swaps in a new registry and tells the client that the lists changed. */
  replaceRegistry(registry: Registry): Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves a registry to one client over stdio (newline-delimited JSON-RPC), as desktop clients
 * start local servers. The same protocol session, methods and limits as over HTTP.
 *
 * @example
 * const handle = await serveStdio({ config, registry });
 * await handle.done;
 */
export async function serveStdio(options: ServeStdioOptions): Promise<StdioHandle> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  let registry = options.registry;
  const subscriptions = new SubscriptionHub(() => registry);
  // One client, one process: its tasks need no shared store.
  const store = new MemoryStore();
  if (config.auditLog === '-') throw new ConfigError('--audit-log - writes to standard output, which --stdio keeps for the protocol: name a file', 'E_AUDIT_LOG');
  const audit = config.auditLog === undefined ? undefined : await AuditLog.open(config.auditLog, () => registry);
  const rateLimits = await createRateLimits(config.limits, { kind: 'memory' });
  const protocol = createProtocol(config, { getRegistry: () => registry, subscriptions, logger, tasks: options.tasks, store, rateLimits, extension: options.extension?.(store) });
  const tracing = await openTracing(config, () => registry, () => 'stdio', logger);
  protocol.observer = combineObservers(tracing?.observer, audit);
  const announce: SessionProtocol['announceListChanged'] = (list) => announceListChanges(session, [list]);
  protocol.announceListChanged = announce;
  const { session, done } = serveStdioSession({
    input: options.input ?? process.stdin,
    output: options.output ?? process.stdout,
    maxMessageBytes: config.limits.maxBodyBytes,
    maxBatch: config.limits.maxBatchSize,
    maxUnsentBytes: config.limits.maxStreamBufferBytes,
    logger,
    createSession: (id, sink) => {
      const opened = openSession(id, sink, { protocol, subscriptions, logger, onClientNotification: options.onClientNotification });
      opened.clientAddress = 'stdio';
      return opened;
    },
  });
  return {
    done,
    async replaceRegistry(next) {
      registry = next;
      announceListChanges(session);
    },
    async close() {
      session.close();
      await audit?.close();
      await tracing?.tracing.shutdown();
      await store.close();
    },
  };
}
