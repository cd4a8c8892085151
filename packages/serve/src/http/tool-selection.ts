/** Most tool names one selection may hold, and the longest name kept. */
const MAX_SELECTED = 1000;
const MAX_NAME = 128;

/**
 * The tools a client asked for in its URL (`/mcp?tools=a,b`, `/sse?tools=a,b`), so one server can
 * serve several agents each with the tools it needs; undefined when it asked for none (all tools).
 * Bounded whatever the URL holds.
 */
export function toolSelectionOf(url: string | undefined): ReadonlySet<string> | undefined {
  const queryAt = url?.indexOf('?') ?? -1;
  if (queryAt === -1) return undefined;
  const tools = new URLSearchParams(url!.slice(queryAt + 1)).get('tools');
  if (tools === null) return undefined;
  const names = tools.split(',').map((name) => name.trim()).filter((name) => name.length > 0 && name.length <= MAX_NAME);
  return new Set(names.slice(0, MAX_SELECTED));
}
