import type { ElicitSchema } from '../client/server-requests.ts';
import { nextLine } from './stdin-lines.ts';
import { outputStream, writeErr } from './terminal-text.ts';

/**
 * Asks the person at the terminal for each field of an elicitation, showing types, defaults and
 * choices. An empty answer takes the default; answering "!" declines the whole request.
 */
export async function askUser(message: string, schema: ElicitSchema, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
  // The server withdrew its question: stop asking.
  const withdraw = (): void => writeErr('\n(the server withdrew its question)\n');
  signal?.addEventListener('abort', withdraw, { once: true });
  const ask = (prompt: string): Promise<string | undefined> => {
    writeErr(prompt);
    return nextLine(signal);
  };
  try {
    writeErr(`\nThe server asks: ${message}\n(Enter keeps the default, "!" declines)\n`);
    const content: Record<string, unknown> = {};
    const required = new Set(schema.required ?? []);
    for (const [key, prop] of Object.entries(schema.properties ?? {})) {
      const choices = prop.enum ?? prop.oneOf?.map((o) => o.const) ?? prop.items?.enum ?? prop.items?.anyOf?.map((o) => o.const);
      const hint = [prop.type ?? 'string', choices ? `one of ${choices.join('/')}` : '', prop.default !== undefined ? `default ${JSON.stringify(prop.default)}` : '']
        .filter(Boolean)
        .join(', ');
      for (;;) {
        const line = await ask(`${prop.title ?? key}${required.has(key) ? '*' : ''} (${hint}): `);
        if (line === undefined) return undefined; // end of input: decline
        const answer = line.trim();
        if (answer === '!') return undefined;
        if (answer === '') {
          if (prop.default !== undefined) content[key] = prop.default;
          if (prop.default !== undefined || !required.has(key)) break;
          continue;
        }
        const value = convertAnswer(answer, prop.type, prop.type === 'array');
        if (value === undefined || (choices && !(Array.isArray(value) ? value : [value]).every((v) => choices.includes(v)))) {
          outputStream(process.stderr).write(`  not a valid ${hint}\n`);
          continue;
        }
        content[key] = value;
        break;
      }
    }
    return content;
  } finally {
    signal?.removeEventListener('abort', withdraw);
  }
}

function convertAnswer(answer: string, type: string | undefined, isArray: boolean): unknown {
  if (isArray) return answer.split(',').map((s) => s.trim()).filter(Boolean);
  if (type === 'number' || type === 'integer') {
    const n = Number(answer);
    return Number.isFinite(n) && (type === 'number' || Number.isInteger(n)) ? n : undefined;
  }
  if (type === 'boolean') return /^(y|yes|true)$/i.test(answer) ? true : /^(n|no|false)$/i.test(answer) ? false : undefined;
  return answer;
}
