import { type CallToolResult, type ContentPart, isContentPart } from '@mcp-cli/core';

/**
 * Turns what a handler returned into a `CallToolResult`: a string becomes one text part, parts
 * pass through, a result object passes through, and any other object is sent as
 * `structuredContent` with its JSON as text for clients that only read `content`.
 */
export function toToolResult(value: unknown): CallToolResult {
  if (value === undefined || value === null) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (typeof value !== 'object') {
    return { content: [{ type: 'text', text: String(value) }] };
  }
  if (Array.isArray(value) && value.every(isContentPart)) return { content: value as ContentPart[] };
  if (isContentPart(value)) return { content: [value] };
  if (isCallToolResult(value)) return value;
  return {
    content: [{ type: 'text', text: JSON.stringify(value) }],
    structuredContent: value as Record<string, unknown>,
  };
}

function isCallToolResult(value: unknown): value is CallToolResult {
  const content = (value as { content?: unknown }).content;
  return Array.isArray(content) && content.every(isContentPart);
}

/** A tool result that reports a failure in words the model and the user can act on. */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
