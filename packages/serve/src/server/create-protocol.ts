import { TASKS_EXTENSION } from '@mcp-cli/core';

import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import { ALL_PROTOCOL_VERSIONS } from '../http/request-metadata.ts';
import type { Logger } from '../logger.ts';
import { negotiateVersion, type SessionProtocol } from './mcp-session.ts';
import { stateSecret } from './input-round.ts';
import { createMethodHandlers, SERVER_CAPABILITIES } from './method-handlers.ts';
import { SKILLS_EXTENSION } from './skills.ts';
import type { Registry } from './registry.ts';
import type { SubscriptionHub } from './subscription-hub.ts';
import type { TaskProvider } from './task-provider.ts';
import { toRpcError, unsendableError } from './to-rpc-error.ts';

/** What a 2026-07-28 client is told the server does: list changes and resource updates come through `subscriptions/listen`. */
const MODERN_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
  extensions: { [TASKS_EXTENSION]: {} },
} as const;

/**
 * What every session of one server shares, whatever carries it (HTTP, SSE or stdio): the method
 * table over the current registry, the initialize answer and the error mapping.
 */
export function createProtocol(config: ResolvedServeConfig, getRegistry: () => Registry, subscriptions: SubscriptionHub, logger: Logger, tasks?: TaskProvider): SessionProtocol {
  const info = {
    name: config.name,
    version: config.version,
    ...(config.title === undefined ? {} : { title: config.title }),
    ...(config.websiteUrl === undefined ? {} : { websiteUrl: config.websiteUrl }),
    ...(config.icons === undefined ? {} : { icons: config.icons }),
  };
  return {
    methods: createMethodHandlers({ getRegistry, callTimeoutMs: config.limits.callTimeoutMs, pageSize: config.limits.pageSize, logger, subscriptions, tasks }),
    initializeResult: (requested) => {
      const taskCapability = tasks?.capability();
      return {
        protocolVersion: negotiateVersion(requested),
        capabilities: taskCapability ? { ...SERVER_CAPABILITIES, tasks: taskCapability } : SERVER_CAPABILITIES,
        serverInfo: info,
        ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
      };
    },
    discoverResult: () => ({
      supportedVersions: ALL_PROTOCOL_VERSIONS,
      capabilities: getRegistry().skills ? { ...MODERN_CAPABILITIES, extensions: { ...MODERN_CAPABILITIES.extensions, [SKILLS_EXTENSION]: { directoryRead: true } } } : MODERN_CAPABILITIES,
      ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
    }),
    serverInfo: info,
    cacheScope: config.tokens.length > 0 ? 'private' : 'public',
    stateSecret: stateSecret(config.stateSecret),
    onError: (error, method) => toRpcError(error, logger, method),
    onUnsendable: (error, method, name) => unsendableError(error, logger, method, name),
  };
}
