import { ConfigError, type Definition } from '@mcp-cli/core';

const NAME_PATTERN = /^[A-Za-z0-9_.\-/]{1,128}$/;

/**
 * Checks that an exported object is a complete definition and fills in a missing `kind` from its
 * shape (a plain object with `handler` is a tool).
 *
 * @throws ConfigError naming `where`, the field and what it must be.
 */
export function validateDefinition(value: Record<string, unknown>, where: string): Definition {
  const kind = value.kind ?? inferKind(value);
  const fail = (what: string): never => {
    throw new ConfigError(`${where}: ${String(kind)} ${what}`, 'E_MODULE_INVALID');
  };
  const requireString = (key: string, label = `needs a non-empty string "${key}"`) => {
    if (typeof value[key] !== 'string' || !(value[key] as string).trim()) fail(label);
  };
  // MCP makes descriptions optional; one given must be text.
  const optionalString = (key: string) => {
    if (value[key] !== undefined && typeof value[key] !== 'string') fail(`"${key}" must be a string`);
  };
  if (value.scopes !== undefined && (!Array.isArray(value.scopes) || !value.scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))) {
    fail('"scopes" must be an array of OAuth scope names (no spaces or quotes)');
  }
  switch (kind) {
    case 'tool':
      requireString('name');
      if (!NAME_PATTERN.test(value.name as string)) {
        fail(`name "${String(value.name)}" must be 1-128 letters, digits, "_", "-", "." or "/"`);
      }
      optionalString('description');
      if (typeof value.handler !== 'function') fail('needs a "handler" function');
      if (value.input !== undefined && (typeof value.input !== 'object' || value.input === null)) {
        fail('"input" must be a zod shape or a JSON Schema object');
      }
      if (value.task !== undefined && value.task !== 'optional' && value.task !== 'required') fail('"task" must be "optional" or "required"');
      break;
    case 'resource':
      requireString('uri');
      requireString('name');
      if (!URL.canParse(value.uri as string)) fail(`uri "${String(value.uri)}" is not a valid URI`);
      if (value.text === undefined && value.file === undefined && typeof value.read !== 'function') {
        fail('needs "text", "file" or a "read" function');
      }
      break;
    case 'resourceTemplate':
      requireString('uriTemplate');
      requireString('name');
      if (typeof value.read !== 'function') fail('needs a "read" function');
      break;
    case 'prompt':
      requireString('name');
      optionalString('description');
      if (typeof value.get !== 'function') fail('needs a "get" function');
      break;
    default:
      throw new ConfigError(
        `${where}: unknown kind "${String(kind)}" (use defineTool, defineResource, defineResourceTemplate or definePrompt)`,
        'E_MODULE_INVALID',
      );
  }
  return { ...value, kind } as Definition;
}

function inferKind(value: Record<string, unknown>): string | undefined {
  if (typeof value.handler === 'function') return 'tool';
  if (typeof value.uriTemplate === 'string') return 'resourceTemplate';
  if (typeof value.uri === 'string') return 'resource';
  if (typeof value.get === 'function') return 'prompt';
  return undefined;
}
