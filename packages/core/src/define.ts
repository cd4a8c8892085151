import type { z } from 'zod';

import type { CallToolResult, ContentPart, ResourceContents } from './content.ts';
import type { HandlerContext } from './context.ts';

type MaybePromise<T> = T | Promise<T>;

/** A JSON Schema object, listed to clients verbatim. */
export type JsonSchema = { type?: string; [key: string]: unknown };

/** A tool's input: a zod shape (`{ name: z.string() }`) or a JSON Schema object. */
export type ToolInput = z.ZodRawShape | JsonSchema;

/** The arguments a handler receives for a given input declaration. */
export type ToolArgs<I> = I extends z.ZodRawShape
  ? z.infer<z.ZodObject<I>>
  : Record<string, unknown>;

/**
 * What a tool handler may return: a string, one content part, a list of parts, a whole
 * `CallToolResult`, or any other object, which is sent as `structuredContent`.
 */
export type ToolReturn = string | ContentPart | ContentPart[] | CallToolResult | object;

/** An icon a client may show next to a tool, resource, prompt or the server (MCP 2025-11-25). */
export interface Icon {
  /** An https: or data: URL. */
  src: string;
  mimeType?: string;
  /** Such as "48x48", or "any" for a scalable icon. */
  sizes?: string[];
  theme?: 'light' | 'dark';
}

/** What clients show of a definition; mcp-serve passes it on as given. */
export interface Presentation {
  icons?: Icon[];
  /** Free-form metadata for clients (the protocol's `_meta`). */
  _meta?: Record<string, unknown>;
}

/**
 * OAuth scopes a client's access token must hold to use a definition (when mcp-serve validates
 * tokens with `auth`); one missing is 403 `insufficient_scope`, so the client can ask for more.
 */
export interface Guarded {
  scopes?: string[];
}

/** Hints about a resource (the MCP spec's Annotations). */
export interface ResourceAnnotations {
  audience?: ('user' | 'assistant')[];
  priority?: number;
  /** ISO 8601, as in "2025-01-12T15:00:58Z". */
  lastModified?: string;
}

/** Hints about a tool's behaviour (see the MCP spec's ToolAnnotations). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** A tool, as a module exports it. */
export interface ToolDefinition<I extends ToolInput = ToolInput> extends Presentation, Guarded {
  kind: 'tool';
  name: string;
  title?: string;
  description?: string;
  input?: I;
  output?: z.ZodRawShape | JsonSchema;
  annotations?: ToolAnnotations;
  /**
   * Runs as a task for 2026-07-28 clients that declare the tasks extension: the call answers with
   * a task when the handler is still running at the end of its first turn, and the client polls
   * `tasks/get`. `required`: clients without the extension are refused (-32021).
   */
  task?: 'optional' | 'required';
  // Method syntax keeps the parameter bivariant, so a typed tool is still a `Definition`.
  handler(args: ToolArgs<I>, ctx: HandlerContext): MaybePromise<ToolReturn>;
}

/** Completes one argument: gets the typed prefix, the other arguments and the request's context, returns suggestions. */
export type ArgumentCompleter = (
  value: string,
  context: { arguments: Record<string, string> },
  ctx?: HandlerContext,
) => MaybePromise<string[]>;

/** What a resource read may return: text, bytes, or whole contents. */
export type ResourceReturn = string | Uint8Array | ResourceContents | ResourceContents[];

/**
 * How long a 2026-07-28 client (or a shared cache, for `public`) may keep what a read returned
 * (SEP-2549). Without it a read is not to be cached (`ttlMs: 0`).
 */
export interface CacheHints {
  ttlMs: number;
  scope?: 'public' | 'private';
}

/** A resource at a fixed URI. Give `text`, `file` (relative to the module) or `read`. */
export interface ResourceDefinition extends Presentation, Guarded {
  kind: 'resource';
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: ResourceAnnotations;
  /** The size in bytes, when known before reading. */
  size?: number;
  /** Caching hints for its reads (2026-07-28). */
  cache?: CacheHints;
  text?: string;
  file?: string;
  read?: (uri: URL, ctx: HandlerContext) => MaybePromise<ResourceReturn>;
  /**
   * Called when a client subscribes; call `notify()` whenever the resource changes. Return a
   * function that stops watching; it runs when the last subscriber leaves.
   */
  subscribe?: (notify: () => void) => (() => void) | void;
}

/** A family of resources described by an RFC 6570 URI template such as `users://{id}`. */
export interface ResourceTemplateDefinition extends Presentation, Guarded {
  kind: 'resourceTemplate';
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: ResourceAnnotations;
  /** Caching hints for its reads (2026-07-28). */
  cache?: CacheHints;
  read: (
    uri: URL,
    variables: Record<string, string>,
    ctx: HandlerContext,
  ) => MaybePromise<ResourceReturn>;
  /** Lists concrete resources of this template in `resources/list`. */
  list?: () => MaybePromise<{ uri: string; name: string; description?: string; mimeType?: string }[]>;
  /** Completers for the template's variables (`completion/complete`). */
  complete?: Record<string, ArgumentCompleter>;
  /**
   * Watches one resource of the template while someone is subscribed to its URI: call `notify`
   * when it changes; return a function that stops watching. Without it, the template's URIs
   * cannot be subscribed to.
   */
  subscribe?: (uri: string, notify: () => void) => (() => void) | void;
}

/** One argument of a prompt. */
export interface PromptArgument {
  name: string;
  description?: string;
  required?: boolean;
}

/** A message of a prompt. */
export interface PromptMessage {
  role: 'user' | 'assistant';
  content: ContentPart;
}

/** What a prompt's `get` may return: a string (one user message), messages, or both with a description. */
export type PromptReturn = string | PromptMessage[] | { description?: string; messages: PromptMessage[] };

/** A prompt template. */
export interface PromptDefinition<I extends ToolInput = ToolInput> extends Presentation, Guarded {
  kind: 'prompt';
  name: string;
  title?: string;
  description?: string;
  /** The arguments as listed; derived from `input` when that is given and this is not. */
  arguments?: PromptArgument[];
  /**
   * A zod shape or JSON Schema the arguments are checked against (values arrive as strings:
   * `z.coerce.number()` takes a number); a call that fails it gets -32602 naming the argument.
   */
  input?: I;
  // Method syntax keeps the parameter bivariant, so a typed prompt is still a `Definition`.
  get(args: I extends z.ZodRawShape ? z.infer<z.ZodObject<I>> : Record<string, string>, ctx: HandlerContext): MaybePromise<PromptReturn>;
  /** Completers for the prompt's arguments (`completion/complete`). */
  complete?: Record<string, ArgumentCompleter>;
}

/** Anything a module may export for mcp-serve to serve. */
export type Definition =
  | ToolDefinition
  | ResourceDefinition
  | ResourceTemplateDefinition
  | PromptDefinition;

/**
 * Declares a tool. With a zod shape as `input`, the handler's arguments are typed.
 *
 * @example
 * export default defineTool({
 *   name: 'greet',
 *   description: 'Greets someone',
 *   input: { name: z.string().default('world') },
 *   handler: ({ name }) => `Hello Hello, ${name}!`,
 * });
 */
export function defineTool<I extends ToolInput = Record<string, never>>(
  tool: Omit<ToolDefinition<I>, 'kind'>,
): ToolDefinition<I> {
  return { kind: 'tool', ...tool };
}

/** Declares a resource at a fixed URI. */
export function defineResource(resource: Omit<ResourceDefinition, 'kind'>): ResourceDefinition {
  return { kind: 'resource', ...resource };
}

/** Declares a resource template. */
export function defineResourceTemplate(
  template: Omit<ResourceTemplateDefinition, 'kind'>,
): ResourceTemplateDefinition {
  return { kind: 'resourceTemplate', ...template };
}

/** Declares a prompt. With a zod shape as `input`, its arguments are checked and typed. */
export function definePrompt<I extends ToolInput = ToolInput>(prompt: Omit<PromptDefinition<I>, 'kind'>): PromptDefinition<I> {
  return { kind: 'prompt', ...prompt } as PromptDefinition<I>;
}
