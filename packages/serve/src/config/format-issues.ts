import type { z } from 'zod';

/** Formats zod issues as one line: each names its key, what was found and what is expected. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], knownKeys: string[] = []): string {
  return issues.map((issue) => formatIssue(issue, knownKeys)).join('; ');
}

function formatIssue(issue: z.core.$ZodIssue, knownKeys: string[]): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key ? ` in "${key}"` : '';
    const names = issue.keys.map((k) => `"${k}"`).join(', ');
    const expected = knownKeys.length > 0 && !key ? ` (known keys: ${knownKeys.join(', ')})` : '';
    return `unknown key ${names}${where}${expected}`;
  }
  const found = 'input' in issue && issue.input !== undefined ? ` (found ${describe(issue.input)})` : '';
  return `key "${key || '(root)'}": ${issue.message.replace(/^Invalid input: /, '')}${found}`;
}

function describe(value: unknown): string {
  const json = JSON.stringify(value);
  return json && json.length <= 60 ? json : typeof value;
}
