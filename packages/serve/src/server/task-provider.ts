import type { Definition } from '@mcp-cli/core';

import type { MethodHandler, RequestContext } from './mcp-session.ts';

/** How a tool takes task-augmented calls (MCP 2025-11-25 tasks): as `tools/list` shows it. */
export type TaskSupport = 'optional' | 'required';

/**
 * Whoever runs tools as tasks for a server. Today that is the gateway, whose upstream servers
 * run them; the session's method table asks it which tools take tasks and hands it the calls.
 */
export interface TaskProvider {
  /** The `tasks` capability to announce, or undefined while no tool can run as a task. */
  capability(): Record<string, unknown> | undefined;
  /** Whether a tool takes task-augmented calls. */
  taskSupport(def: Definition): TaskSupport | undefined;
  /**
   * Runs a task tool for a 2026-07-28 client: starts it as a 2025-11-25 task where it runs, and
   * resolves with its result once it ends (cancelled there when the request is aborted).
   */
  runToEnd(def: Definition, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>>;
  /** Starts a task-augmented `tools/call`; resolves with its CreateTaskResult. */
  callAsTask(def: Definition, params: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>>;
  /** `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel`. */
  methods: ReadonlyMap<string, MethodHandler>;
}
