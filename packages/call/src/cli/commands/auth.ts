import { ConnectionError, ExitCode, UsageError } from '@mcp-cli/core';

import { resolveConnectionSettings } from '../connection-settings.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { OAuthEntry } from '../imports/import-formats.ts';
import { listLogins, readLogin, removeLogin } from '../oauth/token-store.ts';
import { writeErr, writeNone, writeOut } from '../terminal-text.ts';
import { deadline } from '../deadline.ts';

/** The server a login command is about: --url, --server, the config, or the URL given last. */
async function serverOf(opts: GlobalOptions, env: NodeJS.ProcessEnv): Promise<{ url: string; oauth: OAuthEntry | undefined; timeoutMs: number; maxMessageBytes: number }> {
  const settings = await resolveConnectionSettings(opts, env, undefined);
  if (settings.stdio) throw new UsageError('A stdio server has no login: OAuth is for servers reached over HTTP', 'E_INVALID_OPTION');
  return { url: settings.url, oauth: settings.oauth, timeoutMs: settings.timeoutMs, maxMessageBytes: settings.maxMessageBytes };
}

/** How long a login may take: `--timeout` when given, else ten minutes (a person logs in). */
const LOGIN_TIMEOUT_MS = 10 * 60_000;

/** `login [url]`: logs in to the server in the browser now (or with the client credentials given), and keeps the tokens. */
export async function loginCommand(opts: GlobalOptions, env: NodeJS.ProcessEnv, logins: string, signal: AbortSignal, { noBrowser = false, device = false }: { noBrowser?: boolean; device?: boolean } = {}): Promise<number> {
  const { url: server, oauth, timeoutMs, maxMessageBytes } = await serverOf(opts, env);
  const timer = deadline(opts.timeout === undefined ? LOGIN_TIMEOUT_MS : timeoutMs, 'a login may take --timeout SECONDS');
  if (device) {
    const { deviceLogin } = await import('../oauth/device-login.ts');
    const clientId = opts.clientId ?? (env.MCP_CLIENT_ID || undefined) ?? oauth?.clientId;
    await deviceLogin({ server, loginDirectory: logins, signal: AbortSignal.any([signal, timer.signal]), maxMessageBytes, clientId, debug: (message) => opts.verbose && writeErr(`mcp-call: ${message}\n`) }).finally(() => timer.clear());
    return reportLogin(logins, server);
  }
  const { authorize, machineCredentials } = await import('../oauth/authorize.ts');
  const token = await authorize({
    server,
    challenge: undefined,
    status: 401,
    env,
    loginDirectory: logins,
    signal: AbortSignal.any([signal, timer.signal]),
    maxMessageBytes,
    interactive: true,
    fresh: true,
    pasteBack: noBrowser,
    credentials: machineCredentials(opts, env, oauth),
    clientMetadataUrl: opts.clientMetadataUrl ?? oauth?.clientMetadataUrl,
    beforePrompt: () => undefined,
    debug: (message) => opts.verbose && writeErr(`mcp-call: ${message}\n`),
  }).finally(() => timer.clear());
  if (token === undefined) throw new ConnectionError(`${server} does not use OAuth (it publishes no protected-resource metadata): pass a token with --token instead`, 'E_NO_OAUTH');
  return reportLogin(logins, server);
}

/** Says whom the kept login is with, and through which authorization server. */
async function reportLogin(logins: string, server: string): Promise<number> {
  const login = await readLogin(logins, server);
  writeErr(`mcp-call: logged in to ${server}${login?.issuer ? ` through ${login.issuer}` : ''}${typeof login?.tokens?.scope === 'string' ? ` (scope: ${login.tokens.scope})` : ''}\n`);
  return ExitCode.ok;
}

/** `logout [url]`: forgets the server's tokens and registration. */
export async function logoutCommand(opts: GlobalOptions, env: NodeJS.ProcessEnv, logins: string): Promise<number> {
  const { url: server } = await serverOf(opts, env);
  writeErr((await removeLogin(logins, server)) ? `mcp-call: logged out of ${server}\n` : `mcp-call: not logged in to ${server}\n`);
  return ExitCode.ok;
}

/** `auth status`: every login kept, with its issuer, scope and expiry; never a token or a secret. */
export async function authStatusCommand(opts: GlobalOptions, logins: string): Promise<number> {
  const now = Date.now();
  const rows = (await listLogins(logins)).map((login) => {
    const expiresIn = typeof login.tokens?.expires_in === 'number' && login.savedAt ? login.savedAt + login.tokens.expires_in * 1000 - now : undefined;
    return {
      server: login.server,
      issuer: login.issuer ?? null,
      scope: typeof login.tokens?.scope === 'string' ? login.tokens.scope : null,
      loggedIn: login.tokens?.access_token !== undefined,
      // DPoP: the token is bound to a key kept with the login (RFC 9449).
      tokenType: typeof login.tokens?.token_type === 'string' ? login.tokens.token_type : null,
      expiresInSeconds: expiresIn === undefined ? null : Math.round(expiresIn / 1000),
      refreshable: typeof login.tokens?.refresh_token === 'string',
    };
  });
  if (opts.json) {
    writeOut(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    writeNone('(no logins)');
    return ExitCode.ok;
  }
  for (const row of rows) {
    const state = !row.loggedIn ? 'registered, not logged in' : row.expiresInSeconds === null ? 'logged in' : row.expiresInSeconds > 0 ? `logged in, expires in ${Math.ceil(row.expiresInSeconds / 60)} min` : 'expired';
    writeOut(`${row.server}  ${state}${row.refreshable ? ', refreshable' : ''}${row.tokenType?.toLowerCase() === 'dpop' ? ', DPoP-bound' : ''}${row.issuer ? `  issuer ${row.issuer}` : ''}${row.scope ? `  scope ${row.scope}` : ''}\n`);
  }
  return ExitCode.ok;
}
