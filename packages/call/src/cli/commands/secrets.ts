import { ExitCode, UsageError } from '@mcp-cli/core';

import type { CommandContext } from '../session-runner.ts';
import { writeNone, writeOut } from '../terminal-text.ts';

/** What `mcp-call secrets` does. */
export const SECRET_ACTIONS = ['set', 'delete', 'list'] as const;
/** The capability and methods of a gateway that keeps per-user secrets (mcp-serve's). */
const CAPABILITY = 'mcp-serve/secrets';
const METHODS = { set: 'mcp-serve/secrets/set', delete: 'mcp-serve/secrets/delete', list: 'mcp-serve/secrets/list' } as const;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** The gateway takes values up to 8 KiB; one byte more read tells a longer one apart. */
const MAX_VALUE_BYTES = 8 * 1024;

/**
 * `secrets set SERVER NAME` (the value from standard input, or typed unseen at a terminal; never
 * an argument, which other users of the machine can see), `secrets delete SERVER NAME` and
 * `secrets list`: the caller's own secrets at a gateway whose `scope: "user"` servers use
 * `${user.secrets.NAME}`. Sent over the authenticated connection, like a call; values never come
 * back.
 */
export async function secretsCommand(context: CommandContext, action: string, server: string | undefined, name: string | undefined): Promise<number> {
  const { connection, signal, opts, ui } = context;
  if (!(SECRET_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`Unknown secrets action "${action}": use set, delete or list`, 'E_INVALID_OPTION');
  if (action === 'list' ? server !== undefined : server === undefined || name === undefined) {
    throw new UsageError(action === 'list' ? 'mcp-call secrets list takes no arguments' : `mcp-call secrets ${action} needs the server and the secret's name: mcp-call secrets ${action} SERVER NAME`, 'E_MISSING_ARGUMENT');
  }
  if (name !== undefined && !NAME.test(name)) throw new UsageError(`"${name.slice(0, 80)}" is not a secret name: 1 to 64 letters, digits, "_", "-" or "."`, 'E_INVALID_OPTION');
  const { capabilities } = await connection.describe();
  const offered = (capabilities.experimental as Record<string, { servers?: Record<string, string[]> }> | undefined)?.[CAPABILITY]?.servers;
  if (!offered) throw new UsageError(`${connection.url} keeps no secrets: it is not an mcp-serve gateway with a scope: "user" server that uses \${user.secrets.NAME}`, 'E_NO_SECRETS');
  if (server !== undefined && !(server in offered)) {
    throw new UsageError(`Server "${server}" takes no secrets here; these do: ${Object.keys(offered).join(', ')}`, 'E_INVALID_OPTION');
  }
  const { session } = connection;
  if (action === 'list') {
    const { servers } = (await session.request(METHODS.list, {}, { signal })) as { servers: { server: string; uses: string[]; set: string[] }[] };
    if (opts.json) writeOut(`${JSON.stringify(servers, null, 2)}\n`);
    else if (servers.length === 0) writeNone('(no servers take secrets)');
    else writeOut(servers.map(({ server: s, uses, set }) => `${s}: ${uses.map((secret) => `${secret} (${set.includes(secret) ? 'set' : 'not set'})`).join(', ')}\n`).join(''));
    return ExitCode.ok;
  }
  if (action === 'delete') {
    const { deleted } = (await session.request(METHODS.delete, { server, name }, { signal })) as { deleted?: boolean };
    ui.note(deleted ? `deleted your secret ${name} for ${server}` : `you had no secret ${name} for ${server}`);
    return ExitCode.ok;
  }
  const value = await readSecretValue(`${name} for ${server!}`, signal);
  await session.request(METHODS.set, { server, name, value }, { signal });
  ui.note(`set your secret ${name} for ${server}; your upstream of ${server} starts again with it`);
  return ExitCode.ok;
}

/** The value: typed at a terminal without echo, else the whole of standard input less one final newline. */
async function readSecretValue(what: string, signal: AbortSignal): Promise<string> {
  const text = process.stdin.isTTY ? await typeUnseen(`value of ${what} (not shown): `, signal) : await readAll(signal);
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`No value for ${what}: pipe it in (mcp-call secrets set SERVER NAME < file) or type it when asked`, 'E_MISSING_ARGUMENT');
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new UsageError(`The value of ${what} is longer than ${MAX_VALUE_BYTES} bytes`, 'E_INVALID_OPTION');
  return value;
}

async function readAll(signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin.iterator({ destroyOnReturn: false })) {
    if (signal.aborted) break;
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > MAX_VALUE_BYTES + 2) break; // too long whatever follows: said so by the caller
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A line typed at the terminal with echo off (raw mode): Enter ends it, Backspace takes back, Ctrl-C or Ctrl-D gives up. */
function typeUnseen(prompt: string, signal: AbortSignal): Promise<string> {
  const { stdin, stderr } = process;
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onAbort = (): void => finish(new UsageError('No value given: interrupted', 'E_INTERRUPTED'));
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new UsageError('No value given', 'E_INTERRUPTED'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (typed.length <= MAX_VALUE_BYTES) typed += char;
      }
    };
    stdin.on('data', onData);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
