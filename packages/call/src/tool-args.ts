import { closestNames, UsageError } from '@mcp-cli/core';

/** A JSON Schema as tools/list gives it (only the parts flags need). */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  definitions?: Record<string, Schema>;
  const?: unknown;
}

/** One generated flag. */
export interface ToolFlag {
  property: string;
  flag: string;
  alias: string | undefined;
  kind: FlagKind;
  schema: Schema;
  required: boolean;
}

/** How a flag's value is read. */
export type FlagKind = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'json';

/** Result of parsing: the arguments, and the tokens that were not the tool's. */
export interface ParsedToolArgs {
  args: Record<string, unknown>;
  /** Tokens that belong to the caller (global options), in order. */
  unclaimed: string[];
}

/**
 * Derives the flags of a tool from its input schema: `--<property>`, plus a kebab-case alias for
 * camelCase and snake_case names.
 */
export function toolFlags(schema: Schema): ToolFlag[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([property, raw]) => {
    const prop = nonNullBranch(resolveRef(raw, schema), schema);
    const kebab = property.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
    return {
      property,
      flag: `--${property}`,
      alias: kebab !== property ? `--${kebab}` : undefined,
      kind: kindOf(prop, schema),
      schema: prop,
      required: required.has(property),
    };
  });
}

/** The values a flag takes from a fixed set, for shell completion: its enum's, or true and false. */
export function flagValues(flag: ToolFlag): string[] {
  if (flag.kind === 'boolean') return ['true', 'false'];
  const choices = enumOf(flag.schema) ?? (flag.kind === 'array' && flag.schema.items ? enumOf(flag.schema.items) : undefined);
  return (choices ?? []).filter((c) => ['string', 'number', 'boolean'].includes(typeof c)).map(String);
}

/** The flag that sets a boolean to false: `--no-` before the flag's name (`--no-loud`). */
export function negatedFlag(flag: ToolFlag): string {
  return `--no-${flag.flag.slice(2)}`;
}

/**
 * Parses tool flags against the schema. Values are converted and checked by type; enums list
 * their choices; arrays take a repeated flag or JSON; objects take JSON. Tokens that are not the
 * tool's (global options, positionals) are returned as `unclaimed` for the caller, which knows
 * which of them take a value through `takesValue`.
 *
 * @throws UsageError naming the flag and what it expects.
 */
export function parseToolArgs(
  toolName: string,
  schema: Schema,
  argv: string[],
  takesValue: (flag: string) => boolean | undefined,
  kind: 'tool' | 'prompt' = 'tool',
): ParsedToolArgs {
  const flags = toolFlags(schema);
  const byName = new Map<string, ToolFlag>();
  for (const f of flags) {
    byName.set(f.flag, f);
    if (f.alias) byName.set(f.alias, f);
  }
  const args: Record<string, unknown> = {};
  const unclaimed: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      unclaimed.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith('--') || token === '--') {
      unclaimed.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token : token.slice(0, eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const negated = name.startsWith('--no-') ? byName.get(`--${name.slice(5)}`) : undefined;
    const flag = byName.get(name) ?? (negated?.kind === 'boolean' ? negated : undefined);
    if (!flag) {
      const global = takesValue(name);
      if (global === undefined) {
        const known = flags.map((f) => f.alias ?? f.flag);
        const hint = closestNames(name, [...byName.keys()]);
        throw new UsageError(
          `Unknown argument ${name} for ${kind} "${toolName}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}; its arguments: ${known.join(', ') || 'none'} (see mcp-call ${kind === 'prompt' ? 'prompt ' : ''}${toolName} --help)`,
          'E_UNKNOWN_ARGUMENT',
        );
      }
      unclaimed.push(token);
      if (global && inline === undefined && i + 1 < argv.length) unclaimed.push(argv[++i]!);
      continue;
    }
    if (flag.kind === 'boolean') {
      if (flag === negated) {
        args[flag.property] = false;
        continue;
      }
      const next = argv[i + 1];
      const value = inline ?? (next === 'true' || next === 'false' ? argv[++i] : 'true');
      args[flag.property] = convert(flag, value!);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${flag.flag} needs a value (${describeKind(flag)})`, 'E_MISSING_VALUE');
      // A flag is never taken as the value of the one before it (`--name --json`).
      const next = argv[i + 1]!;
      const nextName = next.split('=')[0]!;
      if (next.startsWith('-') && (byName.has(nextName) || takesValue(nextName) !== undefined || nextName === '-h' || nextName === '--help')) {
        throw new UsageError(`${flag.alias ?? flag.flag} needs a value (${describeKind(flag)}), but ${next} follows it: give the value, or write ${flag.alias ?? flag.flag}=${next} if that is the value`, 'E_MISSING_VALUE');
      }
      value = argv[++i]!;
    }
    const converted = convert(flag, value);
    if (flag.kind === 'array' && !value.trimStart().startsWith('[')) {
      const list = (args[flag.property] as unknown[] | undefined) ?? [];
      for (const item of converted as unknown[]) list.push(item);
      args[flag.property] = list;
    } else {
      args[flag.property] = converted;
    }
  }
  return { args, unclaimed };
}

/**
 * Fills schema defaults and checks required arguments.
 *
 * @throws UsageError naming each missing flag.
 */
export function completeToolArgs(toolName: string, schema: Schema, args: Record<string, unknown>): Record<string, unknown> {
  const flags = toolFlags(schema);
  const missing = flags.filter((f) => f.required && args[f.property] === undefined && f.schema.default === undefined);
  if (missing.length > 0) {
    throw new UsageError(
      `Missing required argument ${missing.map((f) => `${f.alias ?? f.flag} <${describeKind(f)}>`).join(', ')} for tool "${toolName}"`,
      'E_MISSING_ARGUMENT',
    );
  }
  const complete = { ...args };
  for (const f of flags) {
    if (complete[f.property] === undefined && f.schema.default !== undefined) complete[f.property] = f.schema.default;
  }
  return complete;
}

/** A short description of what a flag takes, for errors and help. */
export function describeKind(flag: ToolFlag): string {
  const choices = enumOf(flag.schema);
  if (choices) return `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
  if (flag.kind === 'array') {
    const item = flag.schema.items ? kindOf(flag.schema.items, {}) : 'json';
    return `${item === 'json' ? 'value' : item}, repeatable, or a JSON array`;
  }
  if (flag.kind === 'object') return 'JSON object';
  if (flag.kind === 'json') return 'JSON value';
  return flag.kind;
}

// --- internal ---

function convert(flag: ToolFlag, raw: string): unknown {
  const fail = (expected: string): never => {
    throw new UsageError(`${flag.alias ?? flag.flag} must be ${expected} (got ${JSON.stringify(raw)})`, 'E_INVALID_ARGUMENT');
  };
  const choices = enumOf(flag.schema);
  if (choices && flag.kind !== 'array') {
    const match = choices.find((c) => String(c) === raw);
    if (match === undefined) fail(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    return match;
  }
  switch (flag.kind) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) fail('a number');
      return n;
    }
    case 'integer': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(n)) fail('an integer');
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') fail('true or false');
      return raw === 'true';
    case 'object': {
      const value = parseJson(raw, fail, 'a JSON object');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('a JSON object');
      return value;
    }
    case 'array': {
      if (raw.trimStart().startsWith('[')) {
        const value = parseJson(raw, fail, 'a JSON array');
        if (!Array.isArray(value)) fail('a JSON array');
        return value;
      }
      const items = flag.schema.items ?? {};
      const itemFlag: ToolFlag = { ...flag, kind: kindOf(items, {}), schema: items };
      return [convert(itemFlag, raw)];
    }
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
  }
}

function parseJson(raw: string, fail: (expected: string) => never, expected: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return fail(expected);
  }
}

function kindOf(schema: Schema, root: Schema): FlagKind {
  const resolved = resolveRef(schema, root);
  const types = Array.isArray(resolved.type) ? resolved.type.filter((t) => t !== 'null') : resolved.type ? [resolved.type] : [];
  if (types.length === 1) {
    const type = types[0]!;
    if (['string', 'number', 'integer', 'boolean', 'array', 'object'].includes(type)) return type as FlagKind;
  }
  const choices = enumOf(resolved);
  if (choices && choices.every((c) => typeof c === 'string')) return 'string';
  return 'json';
}

function enumOf(schema: Schema): unknown[] | undefined {
  if (schema.enum) return schema.enum;
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants && variants.length > 0 && variants.every((v) => 'const' in v)) return variants.map((v) => v.const);
  return undefined;
}

/**
 * A nullable union (`anyOf: [{ type: 'array', … }, { type: 'null' }]`, as pydantic writes
 * `Optional[list[str]]`) as its one branch that is not null, so it gets the flags of that type;
 * the outer keywords (description, default) are kept. Any other union stays as it is.
 */
function nonNullBranch(schema: Schema, root: Schema): Schema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  const kept = variants.filter((variant) => resolveRef(variant, root).type !== 'null');
  if (kept.length !== 1 || kept.length === variants.length) return schema;
  const { anyOf: _anyOf, oneOf: _oneOf, ...outer } = schema;
  return { ...resolveRef(kept[0]!, root), ...outer };
}

function resolveRef(schema: Schema, root: Schema): Schema {
  if (!schema.$ref?.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const part of schema.$ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as Schema | undefined) ?? schema;
}
