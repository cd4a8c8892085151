import { isDeepStrictEqual } from 'node:util';

import { type CallToolResult, UsageError } from '@mcp-cli/core';

/**
 * One `--expect` check: a path into the result, then `=` and a JSON value (equal), or `~` and a
 * regex (matches). `text` is the result's text content joined; any other path starts at the
 * result (`.structuredContent.total`, `content[0].text`, `.isError`).
 */
export interface Expectation {
  /** As written, for messages. */
  source: string;
  path: (string | number)[];
  /** `text`: the joined text parts, not a property. */
  joinedText: boolean;
  test: { kind: 'equal'; value: unknown } | { kind: 'match'; regex: RegExp };
}

/** A check that did not hold: what was expected, and what the result had there. */
export interface ExpectationFailure {
  expectation: string;
  expected: string;
  actual: string;
}

/** What a call came back with, as the expectations see it: a result, or the server's JSON-RPC error. */
export type CallOutcome = { kind: 'result'; result: CallToolResult } | { kind: 'rpc-error'; code: number; message: string; data?: unknown };

/** How much of a value a failure message shows. */
const SHOWN_CHARS = 200;

/**
 * Parses `--expect` text.
 *
 * @throws UsageError naming the text and the form it should take.
 */
export function parseExpectation(source: string): Expectation {
  const operator = /^[^=~]*?([=~])/.exec(source);
  const pathText = operator ? source.slice(0, operator[0].length - 1).trim() : '';
  if (!operator || pathText === '') {
    throw new UsageError(`Invalid expectation "${source}": write PATH=JSON or PATH~/REGEX/ (for example '.structuredContent.total=3' or 'text~/Hello/')`, 'E_INVALID_EXPECTATION');
  }
  const rest = source.slice(operator[0].length);
  const joinedText = pathText === 'text';
  const path = joinedText ? [] : parsePath(pathText, source);
  if (operator[1] === '~') return { source, path, joinedText, test: { kind: 'match', regex: parseRegex(rest, source) } };
  return { source, path, joinedText, test: { kind: 'equal', value: parseValue(rest) } };
}

/** `.a.b[0]`, `a.b.0` or `a[0].b` as property names and indexes. */
function parsePath(text: string, source: string): (string | number)[] {
  const path: (string | number)[] = [];
  const pattern = /\.?([^.[\]]+)|\[(\d+)\]/gy;
  let match: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (match = pattern.exec(text)) !== null) {
    const index = match[2] ?? (/^\d+$/.test(match[1]!) ? match[1] : undefined);
    path.push(index === undefined ? match[1]! : Number(index));
    at = pattern.lastIndex;
  }
  if (at !== text.length) {
    throw new UsageError(`Invalid path "${text}" in expectation "${source}": use property names and [index], as .structuredContent.items[0].id`, 'E_INVALID_EXPECTATION');
  }
  return path;
}

/** `/pattern/flags`, or a bare pattern. */
function parseRegex(text: string, source: string): RegExp {
  const slashed = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  try {
    return slashed ? new RegExp(slashed[1]!, slashed[2]!.replace(/[gy]/g, '')) : new RegExp(text);
  } catch (error) {
    throw new UsageError(`Invalid regex in expectation "${source}": ${(error as Error).message}`, 'E_INVALID_EXPECTATION');
  }
}

/** A JSON value; text that is not JSON is a string, so `text=Hello` needs no quotes. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The checks that do not hold for `outcome`, in order; empty when all do. */
export function checkExpectations(outcome: CallOutcome, expectations: readonly Expectation[]): ExpectationFailure[] {
  const subject = outcomeAsObject(outcome);
  const failures: ExpectationFailure[] = [];
  for (const expectation of expectations) {
    const actual = expectation.joinedText ? joinedText(subject) : valueAt(subject, expectation.path);
    const { test } = expectation;
    const holds = test.kind === 'equal' ? isDeepStrictEqual(actual, test.value) : actual !== undefined && test.regex.test(typeof actual === 'string' ? actual : JSON.stringify(actual));
    if (!holds) {
      failures.push({
        expectation: expectation.source,
        expected: test.kind === 'equal' ? show(test.value) : `a match for ${String(test.regex)}`,
        actual: actual === undefined ? '(nothing there)' : show(actual),
      });
    }
  }
  return failures;
}

/** A JSON-RPC error is judged as an error result whose text is its message, plus `error`. */
function outcomeAsObject(outcome: CallOutcome): Record<string, unknown> {
  if (outcome.kind === 'result') return outcome.result as unknown as Record<string, unknown>;
  const error = { code: outcome.code, message: outcome.message, ...(outcome.data === undefined ? {} : { data: outcome.data }) };
  return { isError: true, content: [{ type: 'text', text: outcome.message }], error };
}

function joinedText(subject: Record<string, unknown>): string {
  const content = Array.isArray(subject.content) ? (subject.content as { type?: unknown; text?: unknown }[]) : [];
  return content
    .filter((part) => part?.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text as string)
    .join('\n');
}

function valueAt(subject: unknown, path: readonly (string | number)[]): unknown {
  let value = subject;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    // Own properties only: a path never reaches the prototype (`__proto__`, `constructor`).
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)` : text;
}
