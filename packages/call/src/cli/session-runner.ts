import { readPackageVersion, TimeoutError } from '@mcp-cli/core';

import { connect, type Connection } from '../client/connect.ts';
import { clientCapabilities, createServerRequestHandler, type ElicitMode, type ElicitSchema } from '../client/server-requests.ts';
import { type ConnectionSettings, resolveConnectionSettings } from './connection-settings.ts';
import type { GlobalOptions } from './global-options.ts';
import { createUi, type Ui } from './ui.ts';

/** What a command gets: an initialized connection, the UI and the deadline signal. */
export interface CommandContext {
  connection: Connection;
  ui: Ui;
  signal: AbortSignal;
  opts: GlobalOptions;
  settings: ConnectionSettings;
}

/**
 * Connects with the global options, runs `fn`, and always closes the connection. The signal
 * fires on Ctrl-C or when `--timeout` passes, whichever comes first.
 */
export async function withConnection<T>(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv,
  interrupt: AbortSignal,
  fn: (context: CommandContext) => Promise<T>,
  positionalUrl?: string,
): Promise<T> {
  const settings = await resolveConnectionSettings(opts, env, positionalUrl);
  const ui = await createUi({ quiet: opts.quiet === true, verbose: opts.verbose === true, env });
  const signal = AbortSignal.any([interrupt, deadline(settings.timeoutMs)]);
  const elicit: ElicitMode = opts.elicit ?? (process.stdin.isTTY && process.stderr.isTTY ? 'prompt' : 'decline');
  const requests = {
    elicit,
    samplingCommand: opts.samplingCommand,
    askUser: async (message: string, schema: ElicitSchema) => {
      ui.stop();
      return (await import('./ask-user.ts')).askUser(message, schema);
    },
  };
  ui.status(`connecting to ${settings.url}`);
  let connection: Connection | undefined;
  try {
    connection = await connect({
      url: settings.url,
      transport: settings.transport,
      headers: settings.headers,
      signal,
      waitMs: settings.waitMs,
      capabilities: clientCapabilities(requests),
      clientInfo: { name: 'mcp-call', version: readPackageVersion(import.meta.url) },
      onServerRequest: createServerRequestHandler(requests),
      onNotification: (method, params) => {
        if (method === 'notifications/message') {
          const data = typeof params.data === 'string' ? params.data : JSON.stringify(params.data);
          ui.note(`[server ${String(params.level)}${params.logger ? ` ${String(params.logger)}` : ''}] ${data}`);
        }
      },
      debug: (message) => ui.debug(message),
    });
    ui.debug(`connected over ${connection.transport === 'http' ? 'Streamable HTTP' : 'SSE'} to ${connection.url} (protocol ${connection.protocolVersion})`);
    return await fn({ connection, ui, signal, opts, settings });
  } finally {
    ui.stop();
    await connection?.close().catch(() => undefined);
  }
}

function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`Timed out after ${ms / 1000} s (raise it with --timeout SECONDS)`)),
    ms,
  );
  timer.unref();
  return controller.signal;
}
