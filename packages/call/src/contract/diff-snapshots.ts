import { isDeepStrictEqual } from 'node:util';

import type { Entry, Snapshot } from './snapshot.ts';
import { compareInputSchema, compareOutputSchema, type SchemaChange } from './schema-changes.ts';

/** One difference between a snapshot and the live server, and whether it breaks a client. */
export interface ContractChange {
  severity: 'breaking' | 'compatible';
  /** What changed: `tool "greet"`, `resource "file:///a"`, `capabilities`, `server`. */
  subject: string;
  change: string;
}

/**
 * The changes from `before` to `after`, breaking first. Breaking: a client written against
 * `before` may fail against `after` (a tool, prompt or resource removed; a new required argument;
 * an argument's type or values narrowed; an output property removed or made optional; a
 * capability removed; a tool no longer read-only). Anything else is compatible.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): ContractChange[] {
  const changes: ContractChange[] = [];
  const add = (severity: ContractChange['severity'], subject: string, change: string): number => changes.push({ severity, subject, change });
  compareEntries('tool', before.tools, after.tools, 'name', add, compareTools);
  compareEntries('prompt', before.prompts, after.prompts, 'name', add, comparePrompts);
  compareEntries('resource', before.resources, after.resources, 'uri', add, compareResources);
  compareEntries('resource template', before.resourceTemplates, after.resourceTemplates, 'uriTemplate', add, compareResources);
  compareCapabilities(before.capabilities, after.capabilities, add);
  if (before.server.name !== after.server.name) add('compatible', 'server', `name changed from "${before.server.name}" to "${after.server.name}"`);
  if (before.server.version !== after.server.version) add('compatible', 'server', `version changed from ${before.server.version} to ${after.server.version}`);
  if (before.instructions !== after.instructions) add('compatible', 'server', 'instructions changed');
  return [...changes.filter((c) => c.severity === 'breaking'), ...changes.filter((c) => c.severity === 'compatible')];
}

type Add = (severity: ContractChange['severity'], subject: string, change: string) => void;
type CompareEntry = (before: Entry, after: Entry, subject: string, add: Add) => void;

function compareEntries(kind: string, before: Entry[] = [], after: Entry[] = [], key: string, add: Add, compare: CompareEntry): void {
  const keyOf = (entry: Entry): string => String(entry[key] ?? entry.name);
  const now = new Map(after.map((entry) => [keyOf(entry), entry]));
  const then = new Set(before.map(keyOf));
  for (const entry of before) {
    const subject = `${kind} "${keyOf(entry)}"`;
    const current = now.get(keyOf(entry));
    if (current) compare(entry, current, subject, add);
    else add('breaking', subject, 'removed');
  }
  for (const entry of after) if (!then.has(keyOf(entry))) add('compatible', `${kind} "${keyOf(entry)}"`, 'added');
}

const compareTools: CompareEntry = (before, after, subject, add) => {
  const report = (change: SchemaChange): void => add(change.severity, subject, change.change);
  compareInputSchema(before.inputSchema, after.inputSchema, report);
  compareOutputSchema(before.outputSchema, after.outputSchema, report);
  const was = (before.annotations ?? {}) as Record<string, unknown>;
  const is = (after.annotations ?? {}) as Record<string, unknown>;
  // A client may call a read-only or non-destructive tool without asking: losing that breaks it.
  if (was.readOnlyHint === true && is.readOnlyHint !== true) add('breaking', subject, 'no longer read-only (readOnlyHint)');
  if (was.destructiveHint === false && is.destructiveHint !== false) add('breaking', subject, 'may now be destructive (destructiveHint)');
  const otherHints = (hints: Record<string, unknown>) => Object.fromEntries(Object.entries(hints).filter(([k]) => k !== 'readOnlyHint' && k !== 'destructiveHint'));
  if (!isDeepStrictEqual(otherHints(was), otherHints(is)) || (is.readOnlyHint === true && was.readOnlyHint !== true) || (is.destructiveHint === false && was.destructiveHint !== false)) {
    add('compatible', subject, 'annotations changed');
  }
  const support = (entry: Entry): string => String((entry.execution as { taskSupport?: unknown } | undefined)?.taskSupport ?? 'forbidden');
  if (support(before) !== support(after)) {
    // A task-required tool fails a plain call; a task-forbidden one fails a task call.
    const breaks = support(after) === 'required' || (support(before) === 'required' && support(after) === 'forbidden');
    add(breaks ? 'breaking' : 'compatible', subject, `task support changed from ${support(before)} to ${support(after)}`);
  }
  compareTexts(before, after, subject, add);
};

const comparePrompts: CompareEntry = (before, after, subject, add) => {
  type Argument = { name: string; required?: boolean };
  const args = (entry: Entry): Map<string, Argument> => new Map(((entry.arguments as Argument[] | undefined) ?? []).map((a) => [a.name, a]));
  const was = args(before);
  const is = args(after);
  for (const [name, argument] of was) {
    const now = is.get(name);
    if (!now) add('breaking', subject, `argument "${name}" removed`);
    else if (now.required === true && argument.required !== true) add('breaking', subject, `argument "${name}" is now required`);
    else if (now.required !== true && argument.required === true) add('compatible', subject, `argument "${name}" is now optional`);
  }
  for (const [name, argument] of is) {
    if (!was.has(name)) add(argument.required === true ? 'breaking' : 'compatible', subject, `new ${argument.required === true ? 'required' : 'optional'} argument "${name}"`);
  }
  compareTexts(before, after, subject, add);
};

const compareResources: CompareEntry = (before, after, subject, add) => {
  if (before.mimeType !== after.mimeType) add('breaking', subject, `MIME type changed from ${String(before.mimeType ?? 'none')} to ${String(after.mimeType ?? 'none')}`);
  compareTexts(before, after, subject, add);
};

function compareTexts(before: Entry, after: Entry, subject: string, add: Add): void {
  for (const key of ['title', 'description'] as const) if (before[key] !== after[key]) add('compatible', subject, `${key} changed`);
}

/** A capability (or one of its flags) the server had and no longer has breaks its users. */
function compareCapabilities(before: Record<string, unknown>, after: Record<string, unknown>, add: Add): void {
  const was = leaves(before);
  const is = leaves(after);
  for (const [path, value] of was) if (value !== false && (is.get(path) ?? false) === false) add('breaking', 'capabilities', `${path} removed`);
  for (const [path, value] of is) if (value !== false && (was.get(path) ?? false) === false) add('compatible', 'capabilities', `${path} added`);
}

/** `{ resources: { subscribe: true } }` → `resources` → true, `resources.subscribe` → true. */
function leaves(value: Record<string, unknown>, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isObject = inner !== null && typeof inner === 'object' && !Array.isArray(inner);
    into.set(path, isObject || inner === null ? true : inner);
    if (isObject) leaves(inner as Record<string, unknown>, path, into);
  }
  return into;
}
