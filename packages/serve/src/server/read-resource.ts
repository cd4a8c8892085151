import { type CacheHints, type ResourceContents, RpcCode, RpcError } from '@mcp-cli/core';

import { createHandlerContext } from './handler-context.ts';
import type { RequestContext } from './mcp-session.ts';
import type { Registry } from './registry.ts';
import { readResourceFile, toResourceContents } from './resource-contents.ts';
import { skillFileContents } from './skills.ts';

/**
 * Reads a resource: a fixed URI first, then the first template that matches, then a skill's
 * file; with the caching hints its definition sets, if any.
 *
 * @throws RpcError -32002 when nothing matches the URI (-32602 over 2026-07-28).
 */
export async function readResource(registry: Registry, uri: string, ctx: RequestContext): Promise<{ contents: ResourceContents[]; cache?: CacheHints | undefined }> {
  const fixed = registry.resources.get(uri);
  if (fixed) {
    const { def, file } = fixed;
    if (def.text !== undefined) return { contents: [{ uri, mimeType: def.mimeType ?? 'text/plain', text: def.text }], cache: def.cache };
    if (def.file !== undefined) return { contents: await readResourceFile(uri, def.file, file, def.mimeType), cache: def.cache };
    if (def.read) return { contents: await toResourceContents(uri, await def.read(new URL(uri), createHandlerContext(ctx)), def.mimeType), cache: def.cache };
  }
  for (const { def, template } of registry.templates) {
    const variables = template.match(uri);
    if (!variables) continue;
    return { contents: await toResourceContents(uri, await def.read(new URL(uri), variables, createHandlerContext(ctx)), def.mimeType), cache: def.cache };
  }
  const skillFile = registry.skills?.files.get(uri);
  if (skillFile) return { contents: [skillFileContents(skillFile) as unknown as ResourceContents] };
  // 2026-07-28 answers an unknown URI as invalid params; earlier versions with their own -32002.
  throw new RpcError(ctx.session.modern ? RpcCode.invalidParams : RpcCode.resourceNotFound, `Resource not found: ${uri}`, { uri });
}
