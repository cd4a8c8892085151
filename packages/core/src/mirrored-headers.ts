/**
 * What a 2026-07-28 HTTP request mirrors of its body into headers (SEP-2243), shared by the
 * client that writes the headers and the server that checks them.
 */

/** Methods whose target the `Mcp-Name` header mirrors, and the param it mirrors. */
export const MCP_NAME_PARAM: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** One `x-mcp-header` annotation: the header's name, the argument's path, and its property schema. */
export interface HeaderParam {
  name: string;
  path: string[];
  property: Record<string, unknown>;
}

/** Each schema's annotations, found once: a server checks them on every call of its tool. */
const FOUND = new WeakMap<object, readonly HeaderParam[]>();

/** The `x-mcp-header` annotations of a schema reachable from its root through `properties` alone. */
export function headerParams(schema: Record<string, unknown>): readonly HeaderParam[] {
  let found = FOUND.get(schema);
  if (!found) FOUND.set(schema, (found = annotationsBelow(schema, [])));
  return found;
}

function annotationsBelow(schema: Record<string, unknown>, path: string[]): HeaderParam[] {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null || path.length > 16) return [];
  return Object.entries(properties as Record<string, unknown>).flatMap(([key, value]) => {
    if (typeof value !== 'object' || value === null) return [];
    const property = value as Record<string, unknown>;
    const name = property['x-mcp-header'];
    const here = typeof name === 'string' ? [{ name, path: [...path, key], property }] : [];
    return [...here, ...annotationsBelow(property, [...path, key])];
  });
}

/** The argument at a header parameter's path, if the arguments hold one. */
export function argumentAt(args: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), args);
}
