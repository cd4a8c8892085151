import { type CallToolResult, copyWith, LOG_LEVELS, type LogLevel, META, type Presentation, type ResourceDefinition, type ResourceTemplateDefinition, RpcCode, RpcError, TASKS_EXTENSION } from '@mcp-cli/core';

import { paramHeaderMismatch } from '../http/request-metadata.ts';
import type { Logger } from '../logger.ts';
import type { StateStore } from '../store/state-store.ts';
import { complete } from './complete.ts';
import { createHandlerContext } from './handler-context.ts';
import type { McpSession, MethodHandler, RequestContext } from './mcp-session.ts';
import { toPromptResult } from './prompt-messages.ts';
import { readResource } from './read-resource.ts';
import type { RegisteredTool, Registry } from './registry.ts';
import { contentFor, hasAllContentTypes } from './content-compat.ts';
import { ModuleTasks } from './module-tasks.ts';
import { runTool } from './run-tool.ts';
import { type SkillCatalog, skillEntry } from './skills.ts';
import type { SubscriptionHub } from './subscription-hub.ts';
import type { TaskProvider } from './task-provider.ts';

/** What the method handlers read: the current registry and server-wide settings. */
export interface MethodContext {
  getRegistry(): Registry;
  callTimeoutMs: number;
  /** Most entries in one page of a list method. */
  pageSize: number;
  logger: Logger;
  subscriptions: SubscriptionHub;
  /** Who runs tools as tasks (the gateway's upstreams), if anyone. */
  tasks?: TaskProvider | undefined;
  /** Where module tasks live. */
  store: StateStore;
  /** Subscribes a session that several processes serve (`--store`): its subscriptions follow its stream. */
  subscribeShared?: ((session: McpSession, uri: string) => Promise<boolean>) | undefined;
}

/** Most resources one subscriptions/listen may watch. */
const MAX_LISTENED_RESOURCES = 256;

/** The capabilities every session announces. */
export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
} as const;

/**
 * The MCP methods mcp-serve answers, as one table shared by every session. Params are checked by
 * hand (cheaper than a schema per request); a bad one is answered with -32602 naming the field.
 */
export function createMethodHandlers(context: MethodContext): Map<string, MethodHandler> {
  const { getRegistry, logger, tasks, pageSize } = context;
  // One page of a list method's answer: `{ [key]: entries, nextCursor? }`.
  const page = <T>(key: string, items: readonly T[], params: Record<string, unknown>, shown: (item: T) => unknown = (item) => item) => {
    const { items: entries, nextCursor } = paginate(items, params.cursor, pageSize);
    return { [key]: entries.map(shown), ...(nextCursor ? { nextCursor } : {}) };
  };
  const methods = new Map<string, MethodHandler>(tasks?.methods);
  // 2026-07-28 requests use module tasks; sessions the gateway's (2025-11-25), where there is one.
  const moduleTasks = new ModuleTasks(context.store, logger);
  for (const [name, modern] of moduleTasks.methods) {
    const legacy = methods.get(name);
    methods.set(name, (params, ctx) => {
      if (ctx.session.modern) return modern(params, ctx);
      if (!legacy) throw new RpcError(RpcCode.methodNotFound, `Method not found: ${name}`);
      return legacy(params, ctx);
    });
  }

  methods.set('logging/setLevel', (params, ctx) => {
    const level = params.level;
    if (!LOG_LEVELS.includes(level as LogLevel)) invalid(`"level" must be one of ${LOG_LEVELS.join(', ')}`);
    ctx.session.logLevel = level as LogLevel;
    return {};
  });

  // The listing only changes with the registry (--watch swaps it whole), so it is built once per registry.
  const toolListings = new WeakMap<Registry, { tools: Record<string, unknown>[] }>();
  methods.set('tools/list', (params, ctx) => {
    const registry = getRegistry();
    let listing = toolListings.get(registry);
    if (!listing) {
      listing = {
        tools: [...registry.tools.values()].map(({ def, input, output }) => {
          const taskSupport = tasks?.taskSupport(def);
          return {
            name: def.name,
            ...(def.title === undefined ? {} : { title: def.title }),
            description: def.description,
            inputSchema: input.jsonSchema,
            ...(output ? { outputSchema: output.jsonSchema } : {}),
            ...(def.annotations ? { annotations: def.annotations } : {}),
            ...(taskSupport ? { execution: { taskSupport } } : {}),
            ...presentation(def),
          };
        }),
      };
      toolListings.set(registry, listing);
    }
    const selection = ctx.session.toolSelection;
    return page('tools', selection ? listing.tools.filter((tool) => selection.has(tool.name as string)) : listing.tools, params);
  });

  // A task tool for a 2026-07-28 client: a task when it declares the extension; else a plain call, or -32021 when only a task will do.
  const runModernTask = (tool: RegisteredTool, support: 'optional' | 'required', ctx: RequestContext, work: () => unknown): unknown => {
    if (ModuleTasks.declared(ctx)) return moduleTasks.run(work, ctx);
    if (support === 'required') {
      throw new RpcError(RpcCode.missingRequiredClientCapability, `Tool "${tool.def.name}" runs only as a task: declare the ${TASKS_EXTENSION} extension in clientCapabilities.extensions`, { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
    return work();
  };

  methods.set('tools/call', (params, ctx) => {
    const name = requireString(params, 'name');
    const args = params.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) invalid('"arguments" must be an object');
    // A tool outside the client's selection does not exist for it.
    const selection = ctx.session.toolSelection;
    const tool = !selection || selection.has(name) ? getRegistry().tools.get(name) : undefined;
    if (!tool) {
      const names = [...getRegistry().tools.keys()].filter((known) => !selection || selection.has(known)).join(', ') || 'none';
      throw new RpcError(RpcCode.invalidParams, `Unknown tool "${name}" (tools: ${names})`);
    }
    const taskSupport = tasks?.taskSupport(tool.def);
    if (ctx.session.modern) {
      const headers = ctx.session.requestHeaders;
      const mismatch = headers && paramHeaderMismatch(tool.input.jsonSchema, (args as Record<string, unknown> | undefined) ?? {}, headers);
      if (mismatch) throw new RpcError(RpcCode.headerMismatch, `Header mismatch: ${mismatch}`);
      // 2026-07-28 has no task-augmented calls: the server decides, for module and upstream task tools alike.
      if (taskSupport && tasks) return runModernTask(tool, taskSupport, ctx, () => tasks.runToEnd(tool.def, params, ctx));
      if (tool.def.task) return runModernTask(tool, tool.def.task, ctx, () => runTool(tool, args as Record<string, unknown> | undefined, ctx, undefined, logger));
    } else if (params.task !== undefined && tasks?.capability()) {
      // Task-augmented calls (MCP 2025-11-25), where a task provider is; -32601 is what the spec names for a mismatch.
      if (!taskSupport) throw new RpcError(RpcCode.methodNotFound, `Tool "${name}" does not run as a task: call it without "task"`);
      return tasks.callAsTask(tool.def, params, ctx);
    }
    if (taskSupport === 'required') throw new RpcError(RpcCode.methodNotFound, `Tool "${name}" runs only as a task: call it with "task": {} in its params`);
    const ran = runTool(tool, args as Record<string, unknown> | undefined, ctx, context.callTimeoutMs, logger);
    const version = ctx.session.protocolVersion;
    // Only an older client needs its content converted: the usual call takes no extra step.
    if (hasAllContentTypes(version)) return ran;
    const compatible = (result: CallToolResult): CallToolResult => copyWith(result, { content: result.content.map((part, index) => contentFor(part, version, index)) });
    return ran instanceof Promise ? ran.then(compatible) : compatible(ran);
  });

  methods.set('resources/list', async (params) => {
    const registry = getRegistry();
    const listed: Record<string, unknown>[] = [...registry.resources.values()].map(({ def }) => describe(def, { uri: def.uri }));
    for (const { def } of registry.templates) if (def.list) for (const entry of await def.list()) listed.push(entry);
    // Each skill's SKILL.md is listed; its other files are read by URI from the skill's manifest.
    for (const skill of registry.skills?.skills ?? []) listed.push({ uri: skill.uri, name: skill.name, description: skill.frontmatter.description, mimeType: 'text/markdown' });
    return page('resources', listed, params);
  });

  const skillsOf = (): SkillCatalog => {
    const skills = getRegistry().skills;
    if (!skills) throw new RpcError(RpcCode.methodNotFound, 'Method not found: this server serves no skills (set "skills" in its config)');
    return skills;
  };
  methods.set('skills/list', (params) => page('skills', skillsOf().skills, params, skillEntry));
  methods.set('skills/get', (params) => {
    const uri = requireString(params, 'uri');
    const skill = skillsOf().skills.find((s) => s.uri === uri);
    if (!skill) throw new RpcError(RpcCode.invalidParams, `Unknown skill "${uri.slice(0, 200)}"`, { uri });
    return { skill: skillEntry(skill) };
  });
  methods.set('resources/directory/read', (params) => {
    const uri = requireString(params, 'uri');
    const children = skillsOf().directories.get(uri);
    if (!children) throw new RpcError(RpcCode.invalidParams, `Not a directory: ${uri.slice(0, 200)}`, { uri });
    return page('resources', children, params);
  });

  methods.set('resources/templates/list', (params) => page('resourceTemplates', getRegistry().templates, params, ({ def }) => describe(def, { uriTemplate: def.uriTemplate })));

  methods.set('resources/read', async (params, ctx) => {
    const { contents, cache } = await readResource(getRegistry(), requireString(params, 'uri'), ctx);
    // A definition's caching hints reach 2026-07-28 clients; the others never see them.
    return cache && ctx.session.modern ? { contents, ttlMs: Math.max(0, Math.floor(cache.ttlMs)), ...(cache.scope ? { cacheScope: cache.scope } : {}) } : { contents };
  });

  methods.set('resources/subscribe', async (params, ctx) => {
    const uri = requireString(params, 'uri');
    const subscribed = context.subscribeShared && ctx.session.id ? await context.subscribeShared(ctx.session, uri) : context.subscriptions.subscribe(uri, updateSender(ctx.session), ctx.session);
    if (!subscribed) {
      throw new RpcError(RpcCode.invalidParams, `Unknown resource "${uri}"`);
    }
    return {};
  });

  // 2026-07-28: one long-lived request carries the change notifications a client asks for.
  methods.set('subscriptions/listen', (params, ctx) => {
    if (!ctx.session.modern) throw new RpcError(RpcCode.methodNotFound, 'Method not found: subscriptions/listen is protocol 2026-07-28; a session follows changes on its GET stream and with resources/subscribe');
    const asked = (typeof params.notifications === 'object' && params.notifications !== null ? params.notifications : {}) as Record<string, unknown>;
    const notifications: Record<string, unknown> = {};
    for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged']) if (asked[key] === true) notifications[key] = true;
    ctx.session.listening = { id: ctx.requestId, notifications };
    const uris = Array.isArray(asked.resourceSubscriptions) ? asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string').slice(0, MAX_LISTENED_RESOURCES) : [];
    const watched = uris.filter((uri) => context.subscriptions.subscribe(uri, updateSender(ctx.session), ctx.session));
    if (watched.length > 0) notifications.resourceSubscriptions = watched;
    void ctx.notify('notifications/subscriptions/acknowledged', { _meta: { [META.subscriptionId]: ctx.requestId }, notifications });
    // Open until the client closes the stream; the session's close ends its subscriptions.
    return new Promise((resolve) => ctx.onAbort(() => resolve({})));
  });

  methods.set('resources/unsubscribe', (params, ctx) => {
    context.subscriptions.unsubscribe(updateSender(ctx.session), requireString(params, 'uri'));
    return {};
  });

  methods.set('prompts/list', (params) =>
    page('prompts', [...getRegistry().prompts.values()], params, ({ def, arguments: listed }) => ({
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      description: def.description,
      arguments: listed,
      ...presentation(def),
    })),
  );

  methods.set('prompts/get', async (params, ctx) => {
    const name = requireString(params, 'name');
    const prompt = getRegistry().prompts.get(name);
    if (!prompt) throw new RpcError(RpcCode.invalidParams, `Unknown prompt "${name}"`);
    const args = (params.arguments ?? {}) as Record<string, string>;
    if (typeof args !== 'object' || args === null || Array.isArray(args) || !Object.values(args).every((v) => typeof v === 'string')) {
      invalid('"arguments" must be an object of strings');
    }
    const missing = prompt.arguments.filter((a) => a.required && !Object.hasOwn(args, a.name));
    if (missing.length > 0) {
      invalid(`missing required argument ${missing.map((a) => `"${a.name}"`).join(', ')} for prompt "${name}"`);
    }
    let values: Record<string, unknown> = args;
    if (prompt.input) {
      // A copy: checking fills in defaults, and the client's params stay as they were.
      const checked = prompt.input.parse({ ...args });
      if (!checked.ok) invalid(`invalid arguments for prompt "${name}": ${checked.message}`);
      else values = checked.value;
    }
    const result = toPromptResult(await prompt.def.get(values as Record<string, string>, createHandlerContext(ctx)));
    const version = ctx.session.protocolVersion;
    if (hasAllContentTypes(version)) return result;
    return copyWith(result, { messages: result.messages.map((message, index) => copyWith(message, { content: contentFor(message.content, version, index) })) });
  });

  methods.set('completion/complete', async (params, ctx) => {
    const ref = params.ref as { type?: unknown } | undefined;
    const argument = params.argument as { name?: unknown; value?: unknown } | undefined;
    if (typeof ref?.type !== 'string') invalid('"ref.type" must be a string');
    if (typeof argument?.name !== 'string' || typeof argument.value !== 'string') invalid('"argument" needs string "name" and "value"');
    // With the request's context: a gateway asks the caller's own upstream (scope: "user").
    return { completion: await complete(getRegistry(), params as never, createHandlerContext(ctx)) };
  });

  return methods;
}

/** Tells a session that the tool, resource and prompt lists changed (after a reload). */
export function announceListChanges(session: McpSession, lists: readonly ('tools' | 'prompts' | 'resources')[] = ['tools', 'resources', 'prompts']): void {
  if (!session.modern) {
    for (const list of lists) session.notify(`notifications/${list}/list_changed`, {});
    return;
  }
  // A 2026-07-28 client hears of changes only on a subscriptions/listen stream, and only those it asked for.
  const listening = session.listening;
  if (!listening) return;
  for (const list of lists) {
    if (listening.notifications[`${list}ListChanged`] !== true) continue;
    session.notify(`notifications/${list}/list_changed`, { _meta: { [META.subscriptionId]: listening.id } }, listening.id);
  }
}

// One sender per session, so subscribe and unsubscribe see the same function.
const senders = new WeakMap<McpSession, (uri: string) => void>();

/** The session's update sender if it ever subscribed: most sessions never do, and make none. */
export function existingUpdateSender(session: McpSession): ((uri: string) => void) | undefined {
  return senders.get(session);
}

/** The function that tells one session a resource changed. */
export function updateSender(session: McpSession): (uri: string) => void {
  let send = senders.get(session);
  if (!send) {
    send = (uri) => {
      const listening = session.listening;
      if (!listening) return void session.notify('notifications/resources/updated', { uri });
      void session.notify('notifications/resources/updated', { uri, _meta: { [META.subscriptionId]: listening.id } }, listening.id);
    };
    senders.set(session, send);
  }
  return send;
}

function describe(def: (ResourceDefinition | ResourceTemplateDefinition) & Partial<Pick<ResourceDefinition, 'size'>>, key: Record<string, string>): Record<string, unknown> {
  return {
    ...key,
    name: def.name,
    ...(def.title === undefined ? {} : { title: def.title }),
    ...(def.description === undefined ? {} : { description: def.description }),
    ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
    ...(def.annotations === undefined ? {} : { annotations: def.annotations }),
    ...(def.size === undefined ? {} : { size: def.size }),
    ...presentation(def),
  };
}

/** Icons and `_meta`, when a definition gives them. */
function presentation(def: Presentation): Presentation {
  return { ...(def.icons === undefined ? {} : { icons: def.icons }), ...(def._meta === undefined ? {} : { _meta: def._meta }) };
}

function requireString(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') invalid(`"${key}" must be a string`);
  return value as string;
}

function invalid(message: string): never {
  throw new RpcError(RpcCode.invalidParams, `Invalid params: ${message}`);
}

/**
 * One page of a list and the cursor of the next. The cursor is opaque to clients (an offset,
 * encoded); one that was not handed out gets -32602.
 */
export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { items: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const offset = typeof cursor === 'string' ? /^o(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'))?.[1] : undefined;
    if (offset === undefined || Number(offset) > items.length) throw new RpcError(RpcCode.invalidParams, 'Invalid cursor: pass the nextCursor of the previous page, or none for the first');
    start = Number(offset);
  }
  const end = start + pageSize;
  return { items: items.slice(start, end), ...(end < items.length ? { nextCursor: Buffer.from(`o${end}`, 'latin1').toString('base64url') } : {}) };
}
