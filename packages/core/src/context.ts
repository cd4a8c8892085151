import type { ContentPart } from './content.ts';

/** Log levels of `notifications/message`, lowest first (RFC 5424 names, as MCP uses them). */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the client answered to an elicitation request. */
export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
}

/** A message of a sampling request or reply. */
export interface SamplingMessage {
  role: 'user' | 'assistant';
  content: ContentPart;
}

/** Parameters of `sampling/createMessage`. */
export interface CreateMessageParams {
  messages: SamplingMessage[];
  maxTokens: number;
  systemPrompt?: string;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: Record<string, unknown>;
  includeContext?: 'none' | 'thisServer' | 'allServers';
  metadata?: Record<string, unknown>;
  /** Tools the model may use (2025-11-25); needs a client that declares `sampling.tools`. */
  tools?: { name: string; title?: string; description?: string; inputSchema: Record<string, unknown> }[];
  /** How the model uses `tools`: `auto` (default), `required` or `none`. */
  toolChoice?: { mode?: 'auto' | 'required' | 'none' };
}

/** The client's reply to `sampling/createMessage`. */
export interface CreateMessageResult {
  role: 'user' | 'assistant';
  content: ContentPart;
  model: string;
  stopReason?: string;
}

/** A root the client shares: a directory or file the server may work in. */
export interface Root {
  uri: string;
  name?: string;
}

/** How a question to the client is named. */
export interface AskOptions {
  /**
   * Its key in a 2026-07-28 input-required result (default: `elicitation-1`, `sampling-1`,
   * `roots-1`, counted per kind in the order the handler asks). Ignored in earlier versions.
   */
  key?: string;
}

/**
 * What a handler gets besides its arguments: everything is tied to the request being served, so
 * log messages and progress ride that request's stream.
 */
export interface HandlerContext {
  /** Fires when the client cancels the request, disconnects, or the per-call timeout passes. */
  signal: AbortSignal;
  /** The MCP session the request belongs to (undefined in stateless mode). */
  sessionId: string | undefined;
  /**
   * The verified claims of the client's OAuth access token (`sub`, `client_id`, `scope`, …), when
   * mcp-serve validates tokens with `auth`; undefined otherwise. Never the token itself.
   */
  auth: Readonly<Record<string, unknown>> | undefined;
  /** The JSON-RPC id of the request. */
  requestId: string | number;
  /** Sends `notifications/message`, unless the client set a higher level with `logging/setLevel`. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends `notifications/progress` when the client asked for progress (a `progressToken`). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** What the client declared it can do (`sampling`, `elicitation`, `roots`, …). */
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  /**
   * Asks the client's user for input (`elicitation/create`). Over 2026-07-28 the question goes
   * out in an input-required result and the handler runs again with the answer, so everything a
   * handler does before asking must be safe to repeat.
   */
  elicit(message: string, requestedSchema: Record<string, unknown>, options?: AskOptions): Promise<ElicitResult>;
  /**
   * Asks the user to visit a URL (URL-mode elicitation: sign-in, payment, anything the client must
   * not see). Needs a client that declares `elicitation.url`. In a 2025-11-25 session the answer
   * carries the `elicitationId` to pass to `elicitationComplete` once the step is done; over
   * 2026-07-28 the client simply sends the request again when the user is done.
   */
  elicitUrl(message: string, url: string, options?: AskOptions): Promise<ElicitResult & { elicitationId?: string }>;
  /** Tells the client that the URL step of `elicitationId` is done (2025-11-25 sessions; a no-op over 2026-07-28). */
  elicitationComplete(elicitationId: string): Promise<void>;
  /** Asks the client for an LLM completion (`sampling/createMessage`); over 2026-07-28 as `elicit` does. */
  sample(params: CreateMessageParams, options?: AskOptions): Promise<CreateMessageResult>;
  /** Asks the client for its roots (`roots/list`); over 2026-07-28 as `elicit` does. */
  roots(options?: AskOptions): Promise<Root[]>;
  /**
   * Tells every client that follows list changes that the server's tools, prompts or resources
   * changed (for lists a module builds itself; a `--watch` reload announces its own).
   */
  listChanged(list: 'tools' | 'prompts' | 'resources'): void;
  /** Sends any other request to the client and awaits its result. */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
