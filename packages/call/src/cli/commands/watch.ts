import { ConnectionError } from '@mcp-cli/core';

import { renderResult } from '../../render.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeOut } from '../terminal-text.ts';

/**
 * `watch <uri>`: prints the resource, subscribes, and prints it again on every
 * `notifications/resources/updated`, until Ctrl-C (exit 130) or the server goes away (exit 3).
 */
export async function watchCommand(context: CommandContext, uri: string, interrupt: AbortSignal): Promise<number> {
  const { connection } = context;
  const print = async (): Promise<void> => {
    const result = await connection.session.request('resources/read', { uri }, { signal: interrupt });
    if (context.opts.json) {
      writeOut(`${JSON.stringify(result)}\n`);
      return;
    }
    const contents = (result.contents ?? []) as never[];
    const text = await renderResult({ content: contents.map((resource) => ({ type: 'resource', resource })) }, { outDir: context.opts.outDir, baseName: 'resource' });
    writeOut(`${text}\n`);
  };
  let queue = Promise.resolve();
  const previous = connection.session.onNotification;
  connection.session.onNotification = (method, params) => {
    previous(method, params);
    if (method === 'notifications/resources/updated' && params.uri === uri) queue = queue.then(print).catch(() => undefined);
  };
  const closed = new Promise<never>((_, reject) => {
    const original = connection.session.transport.onClose;
    connection.session.transport.onClose = (error) => {
      original(error);
      reject(error instanceof ConnectionError ? error : new ConnectionError(error.message));
    };
  });
  let ended: Promise<never> | undefined;
  if (connection.session.modern) {
    ended = await listen(context, uri, interrupt, print);
  } else {
    await connection.session.transport.listen(interrupt);
    await print();
    await connection.session.request('resources/subscribe', { uri }, { signal: interrupt });
  }
  context.ui.stop();
  context.ui.note(`watching ${uri} (Ctrl-C to stop)`);
  // Watching has no deadline: only Ctrl-C or a lost connection ends it.
  await Promise.race([
    closed,
    ...(ended ? [ended] : []),
    new Promise<never>((_, reject) => interrupt.addEventListener('abort', () => reject(interrupt.reason as Error), { once: true })),
  ]);
  return 0;
}

/**
 * Protocol 2026-07-28: one `subscriptions/listen` request whose open response stream carries the
 * resource's updates. Resolves once the server acknowledged watching `uri`, with a promise that
 * rejects when the subscription ends.
 */
async function listen(context: CommandContext, uri: string, interrupt: AbortSignal, print: () => Promise<void>): Promise<Promise<never>> {
  const { session } = context.connection;
  const acknowledged = new Promise<Record<string, unknown>>((resolve) => {
    const previous = session.onNotification;
    session.onNotification = (method, params) => {
      previous(method, params);
      if (method === 'notifications/subscriptions/acknowledged') resolve((params.notifications ?? {}) as Record<string, unknown>);
    };
  });
  const ended = session.request('subscriptions/listen', { notifications: { resourceSubscriptions: [uri] } }, { signal: interrupt }).then(
    () => Promise.reject(new ConnectionError(`The server ended the subscription to ${uri}`, 'E_STREAM_CLOSED')),
    (error: unknown) => Promise.reject(error),
  );
  ended.catch(() => undefined);
  const agreed = await Promise.race([acknowledged, ended]);
  const watched = Array.isArray(agreed.resourceSubscriptions) ? agreed.resourceSubscriptions : [];
  if (!watched.includes(uri)) throw new ConnectionError(`The server does not offer updates of ${uri}`, 'E_NOT_WATCHABLE');
  await print();
  return ended;
}
