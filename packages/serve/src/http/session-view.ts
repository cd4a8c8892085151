/**
 * What a client's URL selects of the server, for the whole life of the session it opens: one
 * upstream served alone (`/mcp/<server>`), and the tools it wants (`?tools=a,b`).
 */
export interface SessionView {
  /** The gateway server this session serves alone, under the upstream's own names; undefined for all. */
  route?: string | undefined;
  /** The tools the client asked for; undefined for all. */
  tools?: ReadonlySet<string> | undefined;
}

/** A session restored from the store sees what its record says it selected. */
export function viewOfRecord(record: { route?: string | undefined; tools?: string[] | undefined }): SessionView {
  return { route: record.route, tools: record.tools && new Set(record.tools) };
}
