import type { ResourceContents } from '@mcp-cli/core';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ErrorCode,
  McpError,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';

import type { Logger } from '../logger.ts';
import { guard } from './guard.ts';
import { createHandlerContext, type SessionState } from './handler-context.ts';
import type { Registry } from './registry.ts';
import { readResourceFile, toResourceContents } from './resource-contents.ts';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Resource not found, as the spec numbers it. */
const RESOURCE_NOT_FOUND = -32002;

/**
 * Reads a resource: a fixed URI first, then the first template that matches.
 *
 * @throws McpError -32002 when nothing matches the URI.
 */
export async function readResource(
  registry: Registry,
  uri: string,
  extra: Extra,
  session: SessionState,
  logger: Logger,
): Promise<ResourceContents[]> {
  const ctx = createHandlerContext(extra, session, extra.signal);
  const fixed = registry.resources.get(uri);
  if (fixed) {
    const { def, file } = fixed;
    if (def.text !== undefined) return [{ uri, mimeType: def.mimeType ?? 'text/plain', text: def.text }];
    if (def.file !== undefined) {
      const path = def.file;
      return guard(() => readResourceFile(uri, path, file, def.mimeType), logger, 'resource read');
    }
    const read = def.read;
    if (read) {
      const value = await guard(() => read(new URL(uri), ctx), logger, 'resource read');
      return toResourceContents(uri, value, def.mimeType);
    }
  }
  for (const { def, template } of registry.templates) {
    const variables = template.match(uri);
    if (!variables) continue;
    const flat = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, Array.isArray(value) ? value.join(',') : value]),
    );
    const value = await guard(() => def.read(new URL(uri), flat, ctx), logger, 'resource read');
    return toResourceContents(uri, value, def.mimeType);
  }
  throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
}
