import type { LogLevel } from '@mcp-cli/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

import type { Logger } from '../logger.ts';
import { complete } from './complete.ts';
import { guard } from './guard.ts';
import { setValidatedHandler } from './validated-handler.ts';
import { createHandlerContext, type SessionState } from './handler-context.ts';
import { toPromptResult } from './prompt-messages.ts';
import type { Registry } from './registry.ts';
import { readResource } from './read-resource.ts';
import type { SubscriptionHub } from './subscription-hub.ts';
import { runTool } from './run-tool.ts';

/** What every session of one server shares. */
export interface ServerCore {
  info: { name: string; version: string };
  instructions: string | undefined;
  getRegistry(): Registry;
  callTimeoutMs: number;
  logger: Logger;
  subscriptions: SubscriptionHub;
  /** Live sessions, for list-changed broadcasts and leak checks. */
  sessions: Set<Server>;
}

/**
 * Creates the SDK protocol server of one session, with every handler wired to the shared
 * registry. The caller connects it to a transport.
 */
export function createSessionServer(core: ServerCore): Server {
  const server = new Server(core.info, {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
    instructions: core.instructions,
  });
  const session: SessionState = { logLevel: undefined };
  const sendUpdate = (uri: string): void => {
    server.sendResourceUpdated({ uri }).catch(() => undefined);
  };

  setValidatedHandler(server, 'logging/setLevel', SetLevelRequestSchema, (request) => {
    session.logLevel = request.params.level as LogLevel;
    return {};
  });

  setValidatedHandler(server, 'tools/list', ListToolsRequestSchema, () => ({
    tools: [...core.getRegistry().tools.values()].map(({ def, input, output }) => ({
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      description: def.description,
      inputSchema: input.jsonSchema as { type: 'object' },
      ...(output ? { outputSchema: output.jsonSchema as { type: 'object' } } : {}),
      ...(def.annotations ? { annotations: def.annotations } : {}),
    })),
  }));

  setValidatedHandler(server, 'tools/call', CallToolRequestSchema, (request, extra) => {
    const tool = core.getRegistry().tools.get(request.params.name);
    if (!tool) {
      const names = [...core.getRegistry().tools.keys()].join(', ') || 'none';
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${request.params.name}" (tools: ${names})`);
    }
    return runTool(tool, request.params.arguments, extra, session, core) as never;
  });

  setValidatedHandler(server, 'resources/list', ListResourcesRequestSchema, async () => {
    const registry = core.getRegistry();
    const listed = [...registry.resources.values()].map(({ def }) => ({
      uri: def.uri,
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      ...(def.description === undefined ? {} : { description: def.description }),
      ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
    }));
    for (const { def } of registry.templates) {
      if (def.list) listed.push(...(await def.list()));
    }
    return { resources: listed };
  });

  setValidatedHandler(server, 'resources/templates/list', ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: core.getRegistry().templates.map(({ def }) => ({
      uriTemplate: def.uriTemplate,
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      ...(def.description === undefined ? {} : { description: def.description }),
      ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
    })),
  }));

  setValidatedHandler(server, 'resources/read', ReadResourceRequestSchema, async (request, extra) => ({
    contents: await readResource(core.getRegistry(), request.params.uri, extra, session, core.logger),
  }));

  setValidatedHandler(server, 'resources/subscribe', SubscribeRequestSchema, (request) => {
    if (!core.subscriptions.subscribe(request.params.uri, sendUpdate)) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown resource "${request.params.uri}"`);
    }
    return {};
  });

  setValidatedHandler(server, 'resources/unsubscribe', UnsubscribeRequestSchema, (request) => {
    core.subscriptions.unsubscribe(sendUpdate, request.params.uri);
    return {};
  });

  setValidatedHandler(server, 'prompts/list', ListPromptsRequestSchema, () => ({
    prompts: [...core.getRegistry().prompts.values()].map(({ def }) => ({
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      description: def.description,
      arguments: def.arguments ?? [],
    })),
  }));

  setValidatedHandler(server, 'prompts/get', GetPromptRequestSchema, async (request, extra) => {
    const prompt = core.getRegistry().prompts.get(request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt "${request.params.name}"`);
    const args = request.params.arguments ?? {};
    const missing = (prompt.def.arguments ?? []).filter((a) => a.required && args[a.name] === undefined);
    if (missing.length > 0) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Missing required argument ${missing.map((a) => `"${a.name}"`).join(', ')} for prompt "${prompt.def.name}"`,
      );
    }
    const ctx = createHandlerContext(extra, session, extra.signal);
    return toPromptResult(await guard(() => prompt.def.get(args, ctx), core.logger, 'prompt')) as never;
  });

  setValidatedHandler(server, 'completion/complete', CompleteRequestSchema, async (request) => ({
    completion: await complete(core.getRegistry(), request.params),
  }));

  core.sessions.add(server);
  server.onclose = () => {
    core.sessions.delete(server);
    core.subscriptions.unsubscribe(sendUpdate);
  };
  return server;
}
