import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { UsageError } from '@mcp-cli/core';

import { type Expectation, parseExpectation } from './expectation.ts';

/** One case of a test file: a tool call and what it must do. */
export interface TestCase {
  /** Where it was written: `FILE` and its place, for messages and the report. */
  file: string;
  name: string;
  tool: string;
  args: Record<string, unknown>;
  expectations: Expectation[];
  expectError: boolean;
  /** Seconds; undefined means the run's `--timeout`. */
  timeoutSeconds: number | undefined;
  /** A URL or a configured server name; undefined means the command line's server. */
  server: string | undefined;
}

/** Largest test file read. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const KNOWN_FIELDS = new Set(['name', 'tool', 'args', 'expect', 'expectError', 'timeout', 'server']);

/**
 * Reads the cases of a test file: YAML (`.yaml`, `.yml`: a list of cases, or `cases:` with a
 * default `server:`), JSON lines (`.jsonl`, `.ndjson`: one case per line) or JSON (a list).
 *
 * @throws UsageError naming the file, the case and the field that is wrong.
 */
export async function readTestFile(file: string): Promise<TestCase[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read test file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 'E_TEST_FILE');
  });
  if (text.length > MAX_FILE_BYTES) throw new UsageError(`Test file ${file} is larger than ${MAX_FILE_BYTES} bytes`, 'E_TEST_FILE');
  const extension = extname(file).toLowerCase();
  let raw: { where: string; value: unknown }[];
  let defaultServer: unknown;
  if (extension === '.jsonl' || extension === '.ndjson') {
    raw = text.split('\n').flatMap((line, i) => (line.trim() ? [{ where: `line ${i + 1}`, value: parseJson(line, `${file}: line ${i + 1}`) }] : []));
  } else {
    const document = extension === '.json' ? parseJson(text, file) : await parseYaml(text, file);
    const list = Array.isArray(document) ? document : (document as { cases?: unknown } | null)?.cases;
    if (!Array.isArray(list)) throw new UsageError(`${file}: expected a list of cases (or "cases:" with a list)`, 'E_TEST_FILE');
    defaultServer = Array.isArray(document) ? undefined : (document as { server?: unknown }).server;
    raw = list.map((value, i) => ({ where: `case ${i + 1}`, value }));
  }
  if (raw.length === 0) throw new UsageError(`${file}: no cases`, 'E_TEST_FILE');
  return raw.map(({ where, value }) => toCase(file, where, value, defaultServer));
}

function toCase(file: string, where: string, value: unknown, defaultServer: unknown): TestCase {
  const fail = (problem: string): never => {
    throw new UsageError(`${file}: ${where}: ${problem}`, 'E_TEST_FILE');
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('a case is an object with at least "tool"');
  const c = value as Record<string, unknown>;
  const unknown = Object.keys(c).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length) fail(`unknown field "${unknown[0]}" (a case has ${[...KNOWN_FIELDS].join(', ')})`);
  if (typeof c.tool !== 'string' || c.tool === '') fail('"tool" must be the name of a tool');
  if (c.name !== undefined && typeof c.name !== 'string') fail('"name" must be a string');
  const args = c.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) fail('"args" must be an object of the tool\'s arguments');
  const expects = c.expect === undefined ? [] : Array.isArray(c.expect) ? c.expect : [c.expect];
  if (!expects.every((e): e is string => typeof e === 'string')) fail('"expect" must be a string or a list of strings, as --expect takes');
  if (c.expectError !== undefined && typeof c.expectError !== 'boolean') fail('"expectError" must be true or false');
  if (c.timeout !== undefined && !(typeof c.timeout === 'number' && c.timeout > 0 && c.timeout <= 86_400)) fail('"timeout" must be a number of seconds above 0');
  const server = c.server ?? defaultServer;
  if (server !== undefined && (typeof server !== 'string' || server === '')) fail('"server" must be a URL or a configured server name');
  let expectations: Expectation[] = [];
  try {
    expectations = (expects as string[]).map(parseExpectation);
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    file,
    name: (c.name as string | undefined) ?? `${c.tool as string} (${where})`,
    tool: c.tool as string,
    args: args as Record<string, unknown>,
    expectations,
    expectError: c.expectError === true,
    timeoutSeconds: c.timeout as number | undefined,
    server: server as string | undefined,
  };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message})`, 'E_TEST_FILE');
  }
}

async function parseYaml(text: string, file: string): Promise<unknown> {
  const { parse } = await import('yaml');
  try {
    // Aliases are bounded: a file of nested aliases cannot expand without end.
    return parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(`${file}: not YAML (${(error as Error).message.split('\n')[0]})`, 'E_TEST_FILE');
  }
}
