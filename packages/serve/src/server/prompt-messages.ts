import type { PromptMessage, PromptReturn } from '@mcp-cli/core';

/** Normalises what a prompt's `get` returned into a `prompts/get` result. */
export function toPromptResult(value: PromptReturn): { description?: string; messages: PromptMessage[] } {
  if (typeof value === 'string') {
    return { messages: [{ role: 'user', content: { type: 'text', text: value } }] };
  }
  if (Array.isArray(value)) return { messages: value };
  return value;
}
