import { join } from 'node:path';

import type { CallToolResult, ContentPart, ResourceContents } from '@mcp-cli/core';

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
  'application/json': 'json',
  'text/plain': 'txt',
};

/** Options of {@link renderResult}. */
export interface RenderOptions {
  /** Where images, audio and binary resources are written; summarised when undefined. */
  outDir: string | undefined;
  /** File name prefix of written files (the tool name). */
  baseName: string;
}

/**
 * Renders a tool result as the text stdout carries: text parts as they are, one per line;
 * binary parts written to files (with `outDir`) or summarised; resource links as `name <uri>`.
 * A result with only structured content prints that as JSON.
 */
export async function renderResult(result: CallToolResult, options: RenderOptions): Promise<string> {
  const lines: string[] = [];
  let index = 0;
  for (const part of result.content ?? []) lines.push(await renderPart(part, options, ++index));
  if (lines.length === 0 && result.structuredContent !== undefined) lines.push(JSON.stringify(result.structuredContent, null, 2));
  return lines.join('\n');
}

async function renderPart(part: ContentPart, options: RenderOptions, index: number): Promise<string> {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
    case 'audio':
      return renderBinary(part.type, part.data, part.mimeType, options, index);
    case 'resource':
      return renderResource(part.resource, options, index);
    case 'resource_link':
      return `[resource link] ${part.name} <${part.uri}>${part.description ? ` ${part.description}` : ''}`;
    default:
      return JSON.stringify(part);
  }
}

async function renderResource(resource: ResourceContents, options: RenderOptions, index: number): Promise<string> {
  if ('text' in resource) return resource.text;
  return renderBinary('resource', resource.blob, resource.mimeType ?? 'application/octet-stream', options, index, resource.uri);
}

async function renderBinary(
  kind: string,
  base64: string,
  mimeType: string,
  options: RenderOptions,
  index: number,
  uri?: string,
): Promise<string> {
  const bytes = Buffer.from(base64, 'base64');
  const label = `${kind}${uri ? ` ${uri}` : ''}, ${mimeType}, ${bytes.length} bytes`;
  if (!options.outDir) return `[${label}] (save it with --out-dir DIR)`;
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, `${options.baseName}-${index}.${EXTENSIONS[mimeType] ?? 'bin'}`);
  await writeFile(file, bytes);
  return `[${label}] saved to ${file}`;
}

/** Text of the parts of an error result, for the one-line diagnostic. */
export function errorText(result: CallToolResult): string {
  const text = (result.content ?? [])
    .filter((p): p is Extract<ContentPart, { type: 'text' }> => p.type === 'text')
    .map((p) => p.text)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text || 'no details given';
}
