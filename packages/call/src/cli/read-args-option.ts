import { UsageError } from '@mcp-cli/core';

/**
 * Reads `--args`: inline JSON, `@file.json`, or `-` for stdin. The result must be a JSON object.
 *
 * @throws UsageError naming the source and the JSON problem.
 */
export async function readArgsOption(value: string | undefined): Promise<Record<string, unknown>> {
  if (value === undefined) return {};
  let text: string;
  let source: string;
  if (value === '-') {
    source = 'stdin';
    text = await readStdin();
  } else if (value.startsWith('@')) {
    source = value.slice(1);
    try {
      const { readFile } = await import('node:fs/promises');
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read --args file ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'E_ARGS_FILE');
    }
  } else {
    source = '--args';
    text = value;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Invalid JSON in ${source}: ${(error as Error).message}`, 'E_ARGS_JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${source} must hold a JSON object such as {"name":"Ada"}`, 'E_ARGS_JSON');
  }
  return parsed as Record<string, unknown>;
}

/** Reads all of stdin as UTF-8. */
export async function readStdin(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}
