import { createRequire } from 'node:module';

import type { JsonSchema } from '@mcp-cli/core';
import { z } from 'zod';

/** The keywords of JSON Schema (draft 2020-12 and earlier) an object schema may use. */
const SCHEMA_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', '$comment', '$anchor', '$dynamicRef', '$dynamicAnchor', '$vocabulary', 'definitions',
  'type', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'enum', 'const',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'dependentRequired', 'dependentSchemas', 'dependencies', 'unevaluatedProperties', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'items', 'prefixItems', 'format', 'nullable', 'x-mcp-header',
]);

/** A schema ready for listing and for checking values. */
export interface CompiledSchema {
  /** The JSON Schema sent to clients: verbatim for JSON Schema input, converted for zod. */
  jsonSchema: JsonSchema;
  /** Validates a value and fills in its defaults (zod also coerces); JSON Schema validation changes the value in place. */
  parse(value: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; message: string };
}

type AjvValidate = ((value: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params: Record<string, unknown> }[] | null;
};

/**
 * Compiles a tool's `input` or `output`: a zod shape or object schema, or a JSON Schema object.
 * JSON Schemas are validated with ajv (draft 2020-12 when `$schema` says so), compiled lazily on
 * first use so that start-up stays fast. What is listed is always an object schema, as MCP
 * clients require: `{}` means no arguments, and a schema with only `properties` gets its type.
 *
 * @throws Error when the schema describes something other than an object.
 */
export function compileSchema(input: unknown): CompiledSchema {
  if (input === undefined) return compileZod(z.object({}));
  if (isZodSchema(input)) return checkObject(compileZod(input as z.ZodType));
  const values = Object.values(input as object);
  if (values.length > 0 && values.every(isZodSchema)) {
    return compileZod(z.object(input as z.ZodRawShape));
  }
  if (values.length === 0) return compileZod(z.object({}));
  const schema = input as JsonSchema;
  const unknownKeys = Object.keys(schema).filter((key) => !SCHEMA_KEYWORDS.has(key));
  if (unknownKeys.length > 0) {
    // `{ msg: { type: 'string' } }` is properties without the object around them, not a schema.
    const [first] = unknownKeys;
    throw new Error(`is neither a zod shape nor a JSON Schema ("${first}" is not a JSON Schema keyword): write a zod shape ({ ${first}: z.string() }) or { type: 'object', properties: { ${first}: … } }`);
  }
  if (schema.type === undefined && schema.$ref === undefined && schema.anyOf === undefined && schema.oneOf === undefined && schema.allOf === undefined) {
    return compileJsonSchema({ type: 'object', ...schema });
  }
  return checkObject(compileJsonSchema(schema));
}

function checkObject(compiled: CompiledSchema): CompiledSchema {
  const type = compiled.jsonSchema.type;
  if (type !== 'object') {
    throw new Error(`must describe an object (MCP lists arguments and structured results as "type": "object"), but its type is ${JSON.stringify(type ?? 'unset')}: use a zod shape, z.object(…), or { type: 'object', properties: … }`);
  }
  return compiled;
}

function isZodSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && ('_zod' in value || '_def' in value);
}

function compileZod(schema: z.ZodType): CompiledSchema {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return {
    jsonSchema,
    parse(value) {
      const result = schema.safeParse(value ?? {});
      if (result.success) return { ok: true, value: result.data as Record<string, unknown> };
      return { ok: false, message: result.error.issues.map(describeZodIssue).join('; ') };
    },
  };
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  const message = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'unrecognized_keys') return `unknown argument ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return path ? `argument "${path}": ${message}` : message;
}

function compileJsonSchema(schema: JsonSchema): CompiledSchema {
  let validate: AjvValidate | undefined;
  return {
    jsonSchema: schema,
    parse(value) {
      validate ??= createAjvValidator(schema);
      // Validated in place (ajv fills in defaults): the arguments were parsed from this request's
      // own JSON, so nothing else holds them, and copying them cost more than the validation.
      const args = (value ?? {}) as Record<string, unknown>;
      if (validate(args)) return { ok: true, value: args };
      return { ok: false, message: (validate.errors ?? []).map(describeAjvError).join('; ') };
    },
  };
}

function describeAjvError(error: NonNullable<AjvValidate['errors']>[number]): string {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = error.params.missingProperty;
  if (typeof missing === 'string') {
    return `missing required argument "${path ? `${path}.` : ''}${missing}"`;
  }
  const extra = error.params.additionalProperty;
  if (typeof extra === 'string') return `unknown argument "${extra}"`;
  return path ? `argument "${path}" ${error.message ?? 'is invalid'}` : (error.message ?? 'invalid arguments');
}

// --- internal ---

const require = createRequire(import.meta.url);
const ajvCache = new Map<string, { compile(schema: object): AjvValidate }>();

function createAjvValidator(schema: JsonSchema): AjvValidate {
  const draft2020 = String(schema.$schema ?? '').includes('2020-12');
  const key = draft2020 ? '2020' : '07';
  let ajv = ajvCache.get(key);
  if (!ajv) {
    // ajv is CommonJS; loading it with require keeps it out of start-up until a schema needs it.
    const Ajv = (draft2020 ? require('ajv/dist/2020') : require('ajv')) as {
      default: new (options: object) => { compile(schema: object): AjvValidate };
    };
    ajv = new Ajv.default({ strict: false, allErrors: true, useDefaults: true, coerceTypes: false });
    ajvCache.set(key, ajv);
  }
  return ajv.compile(schema);
}
