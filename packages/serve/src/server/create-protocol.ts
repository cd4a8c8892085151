import { META, TASKS_EXTENSION } from '@mcp-cli/core';

import type { ResolvedServeConfig } from '../config/resolve-config.ts';
import { ALL_PROTOCOL_VERSIONS } from '../http/request-metadata.ts';
import type { Logger } from '../logger.ts';
import { type MethodHandler, negotiateVersion, type SessionProtocol } from './mcp-session.ts';
import { stateSecret } from './input-round.ts';
import { limitRates, type RateLimits } from '../rate-limit/rate-limits.ts';
import { createMethodHandlers, type MethodContext, SERVER_CAPABILITIES } from './method-handlers.ts';
import { SKILLS_EXTENSION } from './skills.ts';
import type { Registry } from './registry.ts';
import type { StateStore } from '../store/state-store.ts';
import type { SubscriptionHub } from './subscription-hub.ts';
import type { ProtocolExtension } from './protocol-extension.ts';
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

/** What a protocol is made of besides its config. */
export interface ProtocolParts {
  getRegistry: () => Registry;
  subscriptions: SubscriptionHub;
  logger: Logger;
  /** Where module tasks live: in memory, or shared by several processes. */
  store: StateStore;
  /** Who runs tools as 2025-11-25 tasks (a gateway's upstreams). */
  tasks?: TaskProvider | undefined;
  /** Rate limits per identity (`--rate-limit`), counted before the methods they cover run. */
  rateLimits?: RateLimits | undefined;
  /** Subscribes a session several processes serve; see {@link MethodContext.subscribeShared}. */
  subscribeShared?: MethodContext['subscribeShared'];
  /** Methods beyond MCP's (the gateway's per-user secrets), announced as an experimental capability. */
  extension?: ProtocolExtension | undefined;
}

/**
 * What every session of one server shares, whatever carries it (HTTP, SSE or stdio): the method
 * table over the current registry, the initialize answer and the error mapping.
 */
export function createProtocol(config: ResolvedServeConfig, parts: ProtocolParts): SessionProtocol {
  const { getRegistry, subscriptions, logger, tasks, store, subscribeShared, rateLimits, extension } = parts;
  const methods = createMethodHandlers({ getRegistry, callTimeoutMs: config.limits.callTimeoutMs, pageSize: config.limits.pageSize, logger, subscriptions, tasks, store, subscribeShared });
  for (const [name, handler] of extension?.methods ?? []) methods.set(name, handler);
  const experimental = extension && { experimental: extension.experimental };
  const info = {
    name: config.name,
    version: config.version,
    ...(config.title === undefined ? {} : { title: config.title }),
    ...(config.websiteUrl === undefined ? {} : { websiteUrl: config.websiteUrl }),
    ...(config.icons === undefined ? {} : { icons: config.icons }),
  };
  // A configured secret wins; else the one every process of a shared store agrees on now (it is
  // agreed again after the store restarts empty), else one of this process's own.
  const own = stateSecret(config.stateSecret);
  let shared: { text: string; key: Buffer } | undefined;
  const currentSecret = (): Buffer => {
    const text = config.stateSecret === undefined ? store.sharedSecret : undefined;
    if (text === undefined) return own;
    if (shared?.text !== text) shared = { text, key: stateSecret(text) };
    return shared.key;
  };
  return {
    methods: limited(methods, rateLimits),
    initializeResult: (requested) => {
      const taskCapability = tasks?.capability();
      return {
        protocolVersion: negotiateVersion(requested),
        capabilities: taskCapability || experimental ? { ...SERVER_CAPABILITIES, ...(taskCapability ? { tasks: taskCapability } : {}), ...experimental } : SERVER_CAPABILITIES,
        serverInfo: info,
        ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
      };
    },
    discoverResult: () => ({
      supportedVersions: ALL_PROTOCOL_VERSIONS,
      capabilities: {
        ...MODERN_CAPABILITIES,
        ...(getRegistry().skills ? { extensions: { ...MODERN_CAPABILITIES.extensions, [SKILLS_EXTENSION]: { directoryRead: true } } } : {}),
        ...experimental,
      },
      ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
    }),
    serverMeta: Object.freeze({ [META.serverInfo]: info }),
    // A result that needed a credential is that client's: no shared cache may keep it.
    cacheScope: config.tokens.length > 0 || config.auth !== undefined ? 'private' : 'public',
    get stateSecret() {
      return currentSecret();
    },
    onError: (error, method) => toRpcError(error, logger, method),
    onUnsendable: (error, method, name) => unsendableError(error, logger, method, name),
  };
}

function limited(methods: Map<string, MethodHandler>, rateLimits: RateLimits | undefined): Map<string, MethodHandler> {
  return rateLimits ? limitRates(methods, rateLimits) : methods;
}
