import { type ResourceContents, RpcCode, RpcError } from '@mcp-cli/core';

import { createHandlerContext } from './handler-context.ts';
import type { RequestContext } from './mcp-session.ts';
import type { Registry } from './registry.ts';
import { readResourceFile, toResourceContents } from './resource-contents.ts';
import { skillFileContents } from './skills.ts';

/**
 * Reads a resource: a fixed URI first, then the first template that matches.
 *
 * @throws RpcError -32002 when nothing matches the URI.
 */
export async function readResource(registry: Registry, uri: string, ctx: RequestContext): Promise<ResourceContents[]> {
  const fixed = registry.resources.get(uri);
  if (fixed) {
    const { def, file } = fixed;
    if (def.text !== undefined) return [{ uri, mimeType: def.mimeType ?? 'text/plain', text: def.text }];
    if (def.file !== undefined) return readResourceFile(uri, def.file, file, def.mimeType);
    if (def.read) return toResourceContents(uri, await def.read(new URL(uri), createHandlerContext(ctx)), def.mimeType);
  }
  for (const { def, template } of registry.templates) {
    const variables = template.match(uri);
    if (!variables) continue;
    return toResourceContents(uri, await def.read(new URL(uri), variables, createHandlerContext(ctx)), def.mimeType);
  }
  const skillFile = registry.skills?.files.get(uri);
  if (skillFile) return [skillFileContents(skillFile) as unknown as ResourceContents];
  // 2026-07-28 answers an unknown URI as invalid params; earlier versions with their own -32002.
  throw new RpcError(ctx.session.modern ? RpcCode.invalidParams : RpcCode.resourceNotFound, `Resource not found: ${uri}`, { uri });
}
