import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import type { Logger } from '../logger.ts';
import { negotiateVersion, type SessionProtocol } from './mcp-session.ts';
import { createMethodHandlers, SERVER_CAPABILITIES } from './method-handlers.ts';
import type { Registry } from './registry.ts';
import type { SubscriptionHub } from './subscription-hub.ts';
import { toRpcError, unsendableError } from './to-rpc-error.ts';

/**
 * What every session of one server shares, whatever carries it (HTTP, SSE or stdio): the method
 * table over the current registry, the initialize answer and the error mapping.
 */
export function createProtocol(config: ResolvedServeConfig, getRegistry: () => Registry, subscriptions: SubscriptionHub, logger: Logger): SessionProtocol {
  const info = { name: config.name, version: config.version };
  return {
    methods: createMethodHandlers({ getRegistry, callTimeoutMs: config.limits.callTimeoutMs, logger, subscriptions }),
    initializeResult: (requested) => ({
      protocolVersion: negotiateVersion(requested),
      capabilities: SERVER_CAPABILITIES,
      serverInfo: info,
      ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
    }),
    onError: (error, method) => toRpcError(error, logger, method),
    onUnsendable: (error, method, name) => unsendableError(error, logger, method, name),
  };
}
