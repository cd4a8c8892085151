import { isDeepStrictEqual } from 'node:util';

/** One change between two JSON schemas of a tool, and whether it breaks a client. */
export interface SchemaChange {
  severity: 'breaking' | 'compatible';
  change: string;
}

type Schema = Record<string, unknown>;
type Report = (change: SchemaChange) => void;

/** Bounds whose rise narrows what a schema accepts, and whose fall widens it. */
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
/** Constraints that cannot be ordered: adding or changing one may refuse what was accepted. */
const OTHER_CONSTRAINTS = ['pattern', 'format', 'multipleOf'];
/** How deep nested properties and items are followed (schemas are peer data). */
const MAX_DEPTH = 16;

/**
 * A tool's input schema: what the server accepts. It breaks a client when it accepts less: a new
 * required argument, an argument removed, a type, its values or its bounds narrowed.
 */
export function compareInputSchema(before: unknown, after: unknown, report: Report): void {
  if (!isSchema(before) || !isSchema(after)) return;
  compareAccepted(before, after, undefined, report, 0);
}

/**
 * A tool's output schema: what the server promises. It breaks a client when it promises less: an
 * output property removed or no longer required, a type or its values widened, no schema at all.
 */
export function compareOutputSchema(before: unknown, after: unknown, report: Report): void {
  if (!isSchema(before)) {
    if (isSchema(after)) report({ severity: 'compatible', change: 'declares an output schema' });
    return;
  }
  if (!isSchema(after)) return report({ severity: 'breaking', change: 'no longer declares an output schema' });
  comparePromised(before, after, undefined, report, 0);
}

function compareAccepted(before: Schema, after: Schema, at: string | undefined, report: Report, depth: number): void {
  const name = at === undefined ? 'the arguments' : `argument "${at}"`;
  compareTypes(before, after, name, report, 'input');
  compareValues(before, after, name, report, 'input');
  compareBounds(before, after, name, report);
  const { was, is, wasRequired, isRequired } = objectParts(before, after);
  for (const key of Object.keys(was)) {
    const path = at === undefined ? key : `${at}.${key}`;
    if (!(key in is)) report({ severity: 'breaking', change: `argument "${path}" removed` });
    else if (isRequired.has(key) && !wasRequired.has(key)) report({ severity: 'breaking', change: `argument "${path}" is now required` });
    else if (!isRequired.has(key) && wasRequired.has(key)) report({ severity: 'compatible', change: `argument "${path}" is now optional` });
    if (key in is && depth < MAX_DEPTH) compareAccepted(was[key]!, is[key]!, path, report, depth + 1);
  }
  for (const key of Object.keys(is)) {
    if (key in was) continue;
    const path = at === undefined ? key : `${at}.${key}`;
    const required = isRequired.has(key);
    report({ severity: required ? 'breaking' : 'compatible', change: `new ${required ? 'required' : 'optional'} argument "${path}"` });
  }
  if (before.additionalProperties !== false && after.additionalProperties === false && Object.keys(was).length + Object.keys(is).length > 0) {
    report({ severity: 'breaking', change: `${name} no longer take properties they do not list (additionalProperties: false)` });
  }
  if (isSchema(before.items) && isSchema(after.items) && depth < MAX_DEPTH) compareAccepted(before.items, after.items, `${at ?? ''}[]`, report, depth + 1);
}

function comparePromised(before: Schema, after: Schema, at: string | undefined, report: Report, depth: number): void {
  const name = at === undefined ? 'the output' : `output property "${at}"`;
  compareTypes(before, after, name, report, 'output');
  compareValues(before, after, name, report, 'output');
  const { was, is, wasRequired, isRequired } = objectParts(before, after);
  for (const key of Object.keys(was)) {
    const path = at === undefined ? key : `${at}.${key}`;
    if (!(key in is)) report({ severity: 'breaking', change: `output property "${path}" removed` });
    else if (wasRequired.has(key) && !isRequired.has(key)) report({ severity: 'breaking', change: `output property "${path}" may now be absent` });
    if (key in is && depth < MAX_DEPTH) comparePromised(was[key]!, is[key]!, path, report, depth + 1);
  }
  for (const key of Object.keys(is)) {
    if (!(key in was)) report({ severity: 'compatible', change: `new output property "${at === undefined ? key : `${at}.${key}`}"` });
  }
  if (isSchema(before.items) && isSchema(after.items) && depth < MAX_DEPTH) comparePromised(before.items, after.items, `${at ?? ''}[]`, report, depth + 1);
}

/** Input: fewer types accepted breaks. Output: more types sent breaks. */
function compareTypes(before: Schema, after: Schema, name: string, report: Report, side: 'input' | 'output'): void {
  const was = typesOf(before);
  const is = typesOf(after);
  if (isDeepStrictEqual(was, is)) return;
  const narrowed = !covers(is, was);
  const widened = !covers(was, is);
  const breaks = side === 'input' ? narrowed : widened;
  const how = narrowed && widened ? 'changed' : narrowed ? 'narrowed' : 'widened';
  report({ severity: breaks ? 'breaking' : 'compatible', change: `${name}: type ${how} from ${describeTypes(was)} to ${describeTypes(is)}` });
}

/** `enum` and `const`: the values allowed. Input: values dropped break. Output: values added break. */
function compareValues(before: Schema, after: Schema, name: string, report: Report, side: 'input' | 'output'): void {
  const was = valuesOf(before);
  const is = valuesOf(after);
  if (was === undefined && is === undefined) return;
  const removed = was === undefined ? undefined : was.filter((v) => !is?.some((w) => isDeepStrictEqual(v, w)));
  const added = is === undefined ? undefined : is.filter((v) => !was?.some((w) => isDeepStrictEqual(v, w)));
  const dropped = is !== undefined && (was === undefined || (removed?.length ?? 0) > 0);
  const grown = was !== undefined && (is === undefined || (added?.length ?? 0) > 0);
  if (!dropped && !grown) return;
  const detail = [
    was === undefined ? 'now limited to listed values' : is === undefined ? 'no longer limited to listed values' : '',
    removed?.length && is !== undefined ? `values removed: ${removed.map((v) => JSON.stringify(v)).join(', ')}` : '',
    added?.length && was !== undefined ? `values added: ${added.map((v) => JSON.stringify(v)).join(', ')}` : '',
  ].filter(Boolean);
  const breaks = side === 'input' ? dropped : grown;
  report({ severity: breaks ? 'breaking' : 'compatible', change: `${name}: ${detail.join('; ')}` });
}

/** Bounds raised or lowered, and other constraints added, changed or dropped (input only). */
function compareBounds(before: Schema, after: Schema, name: string, report: Report): void {
  for (const key of [...LOWER_BOUNDS, ...UPPER_BOUNDS, ...OTHER_CONSTRAINTS]) {
    const was = before[key];
    const is = after[key];
    if (isDeepStrictEqual(was, is)) continue;
    let breaks: boolean;
    if (is === undefined) breaks = false;
    else if (was === undefined || typeof was !== 'number' || typeof is !== 'number' || OTHER_CONSTRAINTS.includes(key)) breaks = true;
    else breaks = LOWER_BOUNDS.includes(key) ? is > was : is < was;
    const change = was === undefined ? `${key} ${JSON.stringify(is)} added` : is === undefined ? `${key} removed` : `${key} changed from ${JSON.stringify(was)} to ${JSON.stringify(is)}`;
    report({ severity: breaks ? 'breaking' : 'compatible', change: `${name}: ${change}` });
  }
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The properties and required names of two object schemas, side by side. */
function objectParts(before: Schema, after: Schema): { was: Record<string, Schema>; is: Record<string, Schema>; wasRequired: Set<string>; isRequired: Set<string> } {
  return { was: properties(before), is: properties(after), wasRequired: requiredOf(before), isRequired: requiredOf(after) };
}

function properties(schema: Schema): Record<string, Schema> {
  const listed = schema.properties;
  if (!isSchema(listed)) return {};
  return Object.fromEntries(Object.entries(listed).filter(([, value]) => isSchema(value))) as Record<string, Schema>;
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((v): v is string => typeof v === 'string') : []);
}

/** The JSON types a schema allows, or undefined for any. */
function typesOf(schema: Schema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string').sort();
  return undefined;
}

/** Whether every type of `inner` is allowed by `outer` (an integer is a number; undefined is any). */
function covers(outer: string[] | undefined, inner: string[] | undefined): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return inner.every((type) => outer.includes(type) || (type === 'integer' && outer.includes('number')));
}

function describeTypes(types: string[] | undefined): string {
  return types === undefined ? 'any' : types.join(' or ');
}

function valuesOf(schema: Schema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  return 'const' in schema ? [schema.const] : undefined;
}
