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
}

/** The client's reply to `sampling/createMessage`. */
export interface CreateMessageResult {
  role: 'user' | 'assistant';
  content: ContentPart;
  model: string;
  stopReason?: string;
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
  /** The JSON-RPC id of the request. */
  requestId: string | number;
  /** Sends `notifications/message`, unless the client set a higher level with `logging/setLevel`. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Sends `notifications/progress` when the client asked for progress (a `progressToken`). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Asks the client's user for input (`elicitation/create`). */
  elicit(message: string, requestedSchema: Record<string, unknown>): Promise<ElicitResult>;
  /** Asks the client for an LLM completion (`sampling/createMessage`). */
  sample(params: CreateMessageParams): Promise<CreateMessageResult>;
  /** Sends any other request to the client and awaits its result. */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
