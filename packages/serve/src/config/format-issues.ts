import { closestNames } from '@mcp-cli/core';
import type { z } from 'zod';

/**
 * Formats zod issues as one line: each names its key, what was found and what is expected. An
 * unknown key is matched against `knownKeys` of its object (by dot path, "" for the root).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], knownKeysAt: (path: string) => string[] = () => []): string {
  return issues.map((issue) => formatIssue(issue, knownKeysAt(issue.path.map(String).join('.')))).join('; ');
}

function formatIssue(issue: z.core.$ZodIssue, knownKeys: string[]): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key ? ` in "${key}"` : '';
    const names = issue.keys.map((k) => `"${k}"`).join(', ');
    const close = knownKeys.length > 0 ? issue.keys.flatMap((k) => closestNames(k, knownKeys).slice(0, 1)) : [];
    const suggestion = close.length > 0 ? `; did you mean ${close.map((k) => `"${k}"`).join(', ')}?` : '';
    const expected = knownKeys.length > 0 ? ` (known keys: ${knownKeys.join(', ')})` : '';
    return `unknown key ${names}${where}${suggestion}${expected}`;
  }
  const found = 'input' in issue && issue.input !== undefined ? ` (found ${describe(issue.input)})` : '';
  return `key "${key || '(root)'}": ${issue.message.replace(/^Invalid input: /, '')}${found}`;
}

function describe(value: unknown): string {
  const json = JSON.stringify(value);
  return json && json.length <= 60 ? json : typeof value;
}
