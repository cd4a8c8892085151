import { RpcError } from '../client/json-rpc.ts';
import { listAll } from '../client/operations.ts';
import type { Connection } from '../client/connect.ts';

/** The format of `mcp.lock.json`; a later format that reads differently gets a new number. */
export const SNAPSHOT_FORMAT = 1;

/**
 * A server's surface, as `mcp-call snapshot` writes it: what a client can rely on. Lists are
 * sorted by name (resources by URI) and every object's keys sorted, so that two snapshots of one
 * surface are the same bytes and a change is a small diff.
 */
export interface Snapshot {
  mcpSnapshot: typeof SNAPSHOT_FORMAT;
  server: { name: string; version: string; title?: string };
  capabilities: Record<string, unknown>;
  instructions?: string;
  tools: Entry[];
  prompts: Entry[];
  resources: Entry[];
  resourceTemplates: Entry[];
}

/** One listed tool, prompt, resource or template, as the server describes it. */
export type Entry = Record<string, unknown> & { name: string };

/** Lists fields that describe one moment of the server, not its surface: left out. */
const MOMENTARY_KEYS = new Set(['_meta', 'icons', 'size']);

/** Reads the whole surface of a connected server. */
export async function takeSnapshot(connection: Connection, signal: AbortSignal): Promise<Snapshot> {
  const { serverInfo, capabilities, instructions } = await connection.describe();
  // A server without a capability may still answer its list; one that refuses it has none.
  const list = (method: string, key: string): Promise<Entry[]> =>
    listAll<Entry>(connection, method, key, signal).catch((error: unknown) => (error instanceof RpcError ? [] : Promise.reject(error)));
  const [tools, prompts, resources, resourceTemplates] = [
    await list('tools/list', 'tools'),
    capabilities.prompts ? await list('prompts/list', 'prompts') : [],
    capabilities.resources ? await list('resources/list', 'resources') : [],
    capabilities.resources ? await list('resources/templates/list', 'resourceTemplates') : [],
  ];
  const title = typeof serverInfo.title === 'string' ? serverInfo.title : undefined;
  // The top level in reading order; everything below it with sorted keys.
  return {
    mcpSnapshot: SNAPSHOT_FORMAT,
    server: sortedKeys({ name: serverInfo.name, version: serverInfo.version, ...(title ? { title } : {}) }) as Snapshot['server'],
    capabilities: sortedKeys(capabilities) as Snapshot['capabilities'],
    ...(instructions ? { instructions } : {}),
    tools: sortedEntries(tools, 'name'),
    prompts: sortedEntries(prompts, 'name'),
    resources: sortedEntries(resources, 'uri'),
    resourceTemplates: sortedEntries(resourceTemplates, 'uriTemplate'),
  };
}

/** The snapshot as the file holds it: two-space JSON and a final newline. */
export function formatSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

function sortedEntries(entries: Entry[], key: string): Entry[] {
  const kept = entries
    .filter((entry) => entry !== null && typeof entry === 'object')
    .map((entry) => sortedKeys(Object.fromEntries(Object.entries(entry).filter(([k]) => !MOMENTARY_KEYS.has(k)))) as Entry);
  return kept.sort((a, b) => String(a[key] ?? a.name).localeCompare(String(b[key] ?? b.name)));
}

/** A copy with every object's keys in order; a schema's `required` list too, as its order means nothing. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(
    entries.map(([key, inner]) => [key, key === 'required' && Array.isArray(inner) && inner.every((v) => typeof v === 'string') ? [...inner].sort() : sortedKeys(inner)]),
  );
}
