import {
  ConfigError,
  type Definition,
  type PromptDefinition,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ToolDefinition,
} from '@mcp-cli/core';

import type { LoadedModule } from '../config/load-modules.ts';
import { type CompiledSchema, compileSchema } from './compile-schema.ts';
import type { ServerRoute } from './server-routes.ts';
import type { SkillCatalog } from './skills.ts';
import { compileUriTemplate, sampleUri, type UriTemplateMatcher } from './uri-template.ts';

/** A tool with its schemas compiled. */
export interface RegisteredTool {
  def: ToolDefinition;
  file: string;
  input: CompiledSchema;
  output: CompiledSchema | undefined;
  /** Arguments and results are checked by the server that runs the tool (an upstream), not again here. */
  checkedElsewhere: boolean;
}

/**
 * Marks a tool definition whose own server checks its arguments and results against its schemas
 * (a gateway's upstream): mcp-serve shows the schemas but does not check them a second time.
 */
export const CHECKED_ELSEWHERE = Symbol('mcp-serve.checkedElsewhere');

/**
 * Marks a resource or template whose `subscribe` is called once per subscribing session, with the
 * session as its last argument: a gateway watches on that session's own upstream, whose updates
 * then reach that session's subscriptions alone.
 */
export const PER_SUBSCRIBER = Symbol('mcp-serve.perSubscriber');

/** A resource and the module it came from (file-backed resources resolve from there). */
export interface RegisteredResource {
  def: ResourceDefinition;
  file: string;
}

/** A resource template with its parsed URI template. */
export interface RegisteredTemplate {
  def: ResourceTemplateDefinition;
  file: string;
  template: UriTemplateMatcher;
}

/** A prompt and its module. */
export interface RegisteredPrompt {
  def: PromptDefinition;
  file: string;
  /** The compiled `input`, when the prompt checks its arguments. */
  input: CompiledSchema | undefined;
  /** The arguments as listed: the prompt's own, or derived from its `input`. */
  arguments: { name: string; description?: string; required?: boolean }[];
}

/** Everything a server serves, indexed by name or URI. Immutable: `--watch` swaps whole registries. */
export interface Registry {
  tools: ReadonlyMap<string, RegisteredTool>;
  resources: ReadonlyMap<string, RegisteredResource>;
  templates: readonly RegisteredTemplate[];
  prompts: ReadonlyMap<string, RegisteredPrompt>;
  /** The skills served (the skills extension), when the config names a folder of them. */
  skills?: SkillCatalog | undefined;
  /** The gateway's servers, each served alone at `/mcp/<server>`, by name. */
  routes?: ReadonlyMap<string, ServerRoute> | undefined;
}

/**
 * Indexes the definitions of loaded modules and compiles tool schemas.
 *
 * @throws ConfigError when a name or URI is defined twice, naming both files.
 */
export function buildRegistry(modules: LoadedModule[]): Registry {
  const tools = new Map<string, RegisteredTool>();
  const resources = new Map<string, RegisteredResource>();
  const templates = new Map<string, RegisteredTemplate>();
  const prompts = new Map<string, RegisteredPrompt>();
  for (const { file, definitions } of modules) {
    for (const def of definitions) addDefinition(def, file);
  }
  refuseOverlaps([...templates.values()], [...resources.values()]);
  return { tools, resources, templates: [...templates.values()], prompts };

  function addDefinition(def: Definition, file: string): void {
    switch (def.kind) {
      case 'tool':
        checkUnique(tools, def.name, 'tool name', file);
        tools.set(def.name, {
          def,
          file,
          input: compileToolSchema(def.input, `tool "${def.name}" input`, file),
          output: def.output === undefined ? undefined : compileToolSchema(def.output, `tool "${def.name}" output`, file),
          checkedElsewhere: (def as ToolDefinition & { [CHECKED_ELSEWHERE]?: boolean })[CHECKED_ELSEWHERE] === true,
        });
        break;
      case 'resource':
        checkUnique(resources, def.uri, 'resource URI', file);
        resources.set(def.uri, { def, file });
        break;
      case 'resourceTemplate':
        checkUnique(templates, def.uriTemplate, 'resource template', file);
        templates.set(def.uriTemplate, { def, file, template: parseTemplate(def, file) });
        break;
      case 'prompt':
        checkUnique(prompts, def.name, 'prompt name', file);
        prompts.set(def.name, registerPrompt(def, file));
        break;
    }
  }
}

function registerPrompt(def: PromptDefinition, file: string): RegisteredPrompt {
  if (def.input === undefined) return { def, file, input: undefined, arguments: def.arguments ?? [] };
  let input: CompiledSchema;
  try {
    input = compileSchema(def.input);
  } catch (error) {
    throw new ConfigError(`${file}: prompt "${def.name}" has an invalid input: ${(error as Error).message}`, 'E_MODULE_INVALID');
  }
  const properties = (input.jsonSchema.properties ?? {}) as Record<string, { description?: unknown }>;
  const required = new Set(Array.isArray(input.jsonSchema.required) ? (input.jsonSchema.required as string[]) : []);
  const derived = Object.entries(properties).map(([name, property]) => ({
    name,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    required: required.has(name),
  }));
  return { def, file, input, arguments: def.arguments ?? derived };
}

/**
 * Refuses a resource template that produces URIs of another source's template or resource: the
 * first registered would answer them, so one upstream could answer for another. Within one file,
 * overlaps are the author's choice.
 */
function refuseOverlaps(templates: RegisteredTemplate[], resources: RegisteredResource[]): void {
  for (const a of templates) {
    const sample = sampleUri(a.def.uriTemplate);
    for (const b of templates) {
      if (a === b || a.file === b.file || !b.template.match(sample)) continue;
      throw overlap(`resource template "${a.def.uriTemplate}" in ${a.file}`, `resource template "${b.def.uriTemplate}" in ${b.file}`);
    }
    for (const resource of resources) {
      if (resource.file !== a.file && a.template.match(resource.def.uri)) throw overlap(`resource "${resource.def.uri}" in ${resource.file}`, `resource template "${a.def.uriTemplate}" in ${a.file}`);
    }
  }
}

function overlap(one: string, other: string): ConfigError {
  return new ConfigError(`Overlapping resources: the ${one} names URIs of the ${other}, so one would answer for the other: change one of them, or serve them from separate mcp-serve processes`, 'E_DUPLICATE_NAME');
}

function checkUnique(map: Map<string, { file: string }>, key: string, what: string, file: string): void {
  const existing = map.get(key);
  if (existing) {
    throw new ConfigError(
      `Duplicate ${what} "${key}" in ${file} (already defined in ${existing.file}): ${file.startsWith('upstream server') ? 'give one of the servers a "prefix", or leave the name out with "deny"' : 'rename one of them'}`,
      'E_DUPLICATE_NAME',
    );
  }
}

function parseTemplate(def: ResourceTemplateDefinition, file: string): UriTemplateMatcher {
  try {
    return compileUriTemplate(def.uriTemplate);
  } catch (error) {
    throw new ConfigError(
      `${file}: invalid uriTemplate "${def.uriTemplate}": ${(error as Error).message}`,
      'E_MODULE_INVALID',
    );
  }
}

function compileToolSchema(schema: unknown, what: string, file: string): CompiledSchema {
  try {
    return compileSchema(schema);
  } catch (error) {
    throw new ConfigError(`${file}: ${what}: ${(error as Error).message}`, 'E_MODULE_INVALID');
  }
}
