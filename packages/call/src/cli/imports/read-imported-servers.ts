import { open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import type { ParseError } from 'jsonc-parser';

import { expandDeep, type VariableContext } from './expand-variables.ts';
import { IMPORT_FORMATS, type ImportFormat, type Places, type ServerEntry } from './import-formats.ts';
import type { WorkspaceTrust } from '../workspace-trust.ts';

/** A server found in another tool's config file. */
export interface ImportedServer {
  name: string;
  tool: string;
  file: string;
  scope: 'project' | 'user';
  /** The directory the entry belongs to (the project, or the home directory). */
  project: string;
  /** A user's entry, or a project's in a directory the user has trusted (`mcp-call trust`). */
  trusted: boolean;
  /** stdio, http, sse or auto (a URL whose transport is detected). */
  transport: string;
  /** VS Code `inputs` the entry refers to (`${input:id}`), with their descriptions. */
  inputs: { id: string; description: string }[];
  /** The entry with the format's variables expanded (VS Code inputs are asked for here). */
  resolve(context: Pick<VariableContext, 'env' | 'input'>): ServerEntry;
}

/** Everything the imports found, in precedence order (project files first, then the user's). */
export interface Imports {
  servers: ImportedServer[];
  /** Files that could not be read as their format, and entries that cannot be used. */
  problems: string[];
  filesRead: string[];
}

/**
 * Reads the MCP server definitions people already keep for Claude Code, Claude Desktop, Cursor,
 * VS Code, Windsurf, Gemini CLI and Codex: the project's files (searched from `cwd` upwards)
 * before the user's. A broken file or entry is reported and skipped; it never hides the others.
 */
export async function readImportedServers(options: { cwd: string; places: Places; trust: WorkspaceTrust }): Promise<Imports> {
  const result: Imports = { servers: [], problems: [], filesRead: [] };
  // A file is read once: under the home directory, a project file can be a user file too (~/.cursor/mcp.json).
  const read = new Set<string>();
  for (const format of IMPORT_FORMATS) {
    for (const relative of format.projectFiles) {
      const found = await findUpwards(options.cwd, relative);
      if (!found) continue;
      read.add(resolve(found.file));
      await readFormatFile(format, found.file, found.project, 'project', options.places, result, await options.trust.isTrusted(found.project));
    }
  }
  for (const format of IMPORT_FORMATS) {
    for (const file of format.userFiles(options.places)) {
      if (read.has(resolve(file))) continue;
      read.add(resolve(file));
      await readFormatFile(format, file, options.cwd, 'user', options.places, result, true);
    }
  }
  return result;
}

/** The largest config file read; a config is a few kilobytes. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** The deepest nesting of arrays and objects read (parsing and expanding variables recurse). */
const MAX_DEPTH = 64;

async function readFormatFile(format: ImportFormat, file: string, project: string, scope: 'project' | 'user', places: Places, result: Imports, trusted: boolean): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (!found) return; // not there: nothing to import
  result.filesRead.push(file);
  let document: Record<string, unknown>;
  try {
    // A FIFO, a device (a symlink to /dev/zero) or a huge file is refused before it is opened.
    if (!found.isFile()) throw new Error('is not a regular file');
    const text = await readBounded(file, MAX_CONFIG_BYTES);
    if (nestingDepth(text) > MAX_DEPTH) throw new Error(`nests arrays and objects more than ${MAX_DEPTH} levels deep`);
    document = await parseDocument(text, format.parser);
  } catch (error) {
    result.problems.push(`${file}: ${(error as Error).message}`);
    return;
  }
  const servers = format.serversOf(document, project);
  const described = new Map<string, string>();
  for (const spec of Array.isArray(document.inputs) ? (document.inputs as { id?: unknown; description?: unknown }[]) : []) {
    if (typeof spec?.id === 'string') described.set(spec.id, typeof spec.description === 'string' ? spec.description : spec.id);
  }
  for (const [name, raw] of Object.entries(servers)) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      result.problems.push(`${file}: server "${name}" must be an object with "command" or a URL`);
      continue;
    }
    const plain = format.toEntry(raw as Record<string, unknown>, places.env);
    if (typeof plain === 'string') {
      result.problems.push(`${file}: server "${name}" ${plain}`);
      continue;
    }
    const workspace = scope === 'project' ? project : places.home;
    result.servers.push({
      name,
      tool: format.tool,
      file,
      scope,
      project: workspace,
      trusted,
      transport: plain.command !== undefined ? 'stdio' : (plain.transport ?? 'auto'),
      inputs: format.syntax === 'vscode' ? [...new Set([...JSON.stringify(raw).matchAll(/\$\{input:([^}]+)\}/g)].map((m) => m[1]!))].map((id) => ({ id, description: described.get(id) ?? id })) : [],
      resolve: ({ env, input }) => {
        const unset = new Set<string>();
        const expanded = expandDeep(raw as Record<string, unknown>, format.syntax, { env, input, home: places.home, workspace, unset });
        const entry = format.toEntry(expanded, env) as ServerEntry;
        const missing = [...unset, ...(entry.unsetVariables ?? [])];
        if (missing.length > 0) entry.unsetVariables = [...new Set(missing)];
        // Relative working directories are the project's; project servers run in the project.
        if (entry.command !== undefined) entry.cwd = entry.cwd ? (isAbsolute(entry.cwd) ? entry.cwd : resolve(workspace, entry.cwd)) : scope === 'project' ? project : undefined;
        return entry;
      },
    });
  }
}

async function parseDocument(text: string, parser: ImportFormat['parser']): Promise<Record<string, unknown>> {
  if (parser === 'toml') {
    const { parse } = await import('smol-toml');
    try {
      return parse(text) as Record<string, unknown>;
    } catch (error) {
      const { line, column, message } = error as { line?: number; column?: number; message: string };
      throw new Error(`TOML syntax error${line ? ` at line ${line}, column ${column}` : ''}: ${message.split('\n')[0]}`);
    }
  }
  if (parser === 'jsonc') {
    const { parse, printParseErrorCode } = await import('jsonc-parser');
    const errors: ParseError[] = [];
    const value = parse(text, errors, { allowTrailingComma: true }) as unknown;
    if (errors.length > 0) {
      const { line, column } = position(text, errors[0]!.offset);
      throw new Error(`JSON syntax error at line ${line}, column ${column}: ${printParseErrorCode(errors[0]!.error)}`);
    }
    return expectObject(value);
  }
  try {
    return expectObject(JSON.parse(text));
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message);
    const where = at ? (({ line, column }) => ` at line ${line}, column ${column}`)(position(text, Number(at[1]))) : '';
    throw new Error(`JSON syntax error${where}: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

function expectObject(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object at the top');
  return value as Record<string, unknown>;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** The nearest `relative` file from `dir` upwards, and the project directory it belongs to (found by its entry, never read to see). */
async function findUpwards(dir: string, relative: string): Promise<{ file: string; project: string } | undefined> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const file = join(current, relative);
    if (await stat(file).then(() => true, () => false)) return { file, project: current };
    if (dirname(current) === current) return undefined;
  }
}

/** A file's text, refused past `maxBytes` (read at most one byte more to know). */
async function readBounded(file: string, maxBytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length <= maxBytes; length += read) ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length, null));
    if (length > maxBytes) throw new Error(`is larger than ${maxBytes} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** How deep arrays and objects (or TOML tables) nest, counted over the text; brackets in strings count too, which only errs on the safe side. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth = Math.max(0, depth - 1);
  }
  return deepest;
}
