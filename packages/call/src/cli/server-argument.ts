import { isUrl } from './argv.ts';
import type { GlobalOptions } from './global-options.ts';

/**
 * The global options aimed at SERVER, a command's `[server]` argument or a test case's `server`:
 * a URL, or a name from the configs. It replaces the target the options give (`--url`,
 * `--server`, `--stdio`), which then apply to everything else.
 */
export function aimedAt(opts: GlobalOptions, server: string | undefined): { opts: GlobalOptions; positionalUrl: string | undefined } {
  if (server === undefined) return { opts, positionalUrl: undefined };
  const { url: _url, server: _server, stdio: _stdio, ...rest } = opts;
  return isUrl(server) ? { opts: rest, positionalUrl: server } : { opts: { ...rest, server }, positionalUrl: undefined };
}
