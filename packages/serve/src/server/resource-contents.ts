import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';

import { copyWith, type ResourceContents, type ResourceReturn } from '@mcp-cli/core';

const TEXT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.json': 'application/json',
  '.html': 'text/html',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.js': 'text/javascript',
  '.ts': 'text/typescript',
};

const BINARY_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

/** Normalises what a read returned into the `contents` list of `resources/read`. */
export function toResourceContents(
  uri: string,
  value: ResourceReturn,
  mimeType: string | undefined,
): ResourceContents[] {
  if (typeof value === 'string') return [{ uri, mimeType: mimeType ?? 'text/plain', text: value }];
  if (value instanceof Uint8Array) {
    return [
      { uri, mimeType: mimeType ?? 'application/octet-stream', blob: Buffer.from(value).toString('base64') },
    ];
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry) => copyWith(entry, { mimeType: entry.mimeType ?? mimeType }));
}

/**
 * Reads a file-backed resource. `file` is relative to the module that declared it; known binary
 * types are sent as base64 blobs, everything else as UTF-8 text.
 */
export async function readResourceFile(
  uri: string,
  file: string,
  moduleFile: string,
  mimeType: string | undefined,
): Promise<ResourceContents[]> {
  const path = resolve(dirname(moduleFile), file);
  const ext = extname(path).toLowerCase();
  const type = mimeType ?? TEXT_TYPES[ext] ?? BINARY_TYPES[ext];
  const bytes = await readFile(path);
  if (type && !type.startsWith('text/') && !TEXT_TYPES[ext] && BINARY_TYPES[ext]) {
    return [{ uri, mimeType: type, blob: bytes.toString('base64') }];
  }
  return [{ uri, mimeType: type ?? 'text/plain', text: bytes.toString('utf8') }];
}
