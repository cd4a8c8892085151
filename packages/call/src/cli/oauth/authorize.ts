import { ConnectionError, UsageError } from '@mcp-cli/core';
import type * as SdkClient from '@modelcontextprotocol/client';

import { isWebUrl, launchBrowser } from '../open-url.ts';
import { writeErr } from '../terminal-text.ts';
import { boundedFetch } from './bounded-fetch.ts';
import { CliOAuthProvider } from './cli-oauth-provider.ts';
import { machineProvider, type MachineCredentials } from './machine-grants.ts';

export { machineCredentials } from './machine-grants.ts';
import { LoopbackCallback } from './loopback-callback.ts';
import { readLogin, writeLogin } from './token-store.ts';

/** How mcp-call may get a token for a server that asks for one. */
export interface AuthorizeOptions {
  /** The MCP server: the protected resource. */
  server: string;
  /** The server's `WWW-Authenticate` challenge (401 or 403), when it sent one. */
  challenge: string | undefined;
  status: number;
  env: NodeJS.ProcessEnv;
  /** Where logins are kept (login-directory.ts). */
  loginDirectory: string;
  signal: AbortSignal;
  /** True when a browser may be opened (a terminal, `--login`, or `mcp-call login`). */
  interactive: boolean;
  /** Forget stored tokens first (`mcp-call login`). */
  fresh?: boolean;
  /** `login --no-browser`: print the URL, and take the address the browser ends on from stdin. */
  pasteBack?: boolean;
  /** Client id and secret, key or workload assertion, for a pre-registered client or a grant without a person. */
  credentials: MachineCredentials;
  clientMetadataUrl: string | undefined;
  /** Stops the spinner before the login prompt is printed. */
  beforePrompt: () => void;
  /** Diagnostics, shown with --verbose. */
  debug: (message: string) => void;
  /** The largest answer read from an OAuth endpoint (`--max-message-bytes`). */
  maxMessageBytes: number;
}

/**
 * Gets an access token for a server that asked for one, with the SDK's OAuth client (discovery
 * of the protected resource and its authorization server, registration, PKCE, resource
 * indicators, scopes from the challenge, refresh): from stored tokens, a refresh, the client
 * credentials grant, or a login in the browser that a loopback redirect catches. Loaded only
 * when a server asks for authorization.
 *
 * Resolves undefined for a server that does not use OAuth (no protected-resource metadata, no
 * authorization server of its own): its refusal stands as it is.
 *
 * @throws ConnectionError (exit 3) when a login is needed and no browser may be opened, or the
 * authorization server refuses.
 */
export async function authorize(options: AuthorizeOptions): Promise<string | undefined> {
  // The SDK's own console warnings are for developers, not a CLI's user: they go to --verbose.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => options.debug(args.map(String).join(' '));
  try {
    // The deadline covers every phase, also a step of the SDK's that has no fetch of ours.
    return await untilAborted(authorizeWithSdk(options), options.signal);
  } finally {
    console.warn = warn;
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

async function authorizeWithSdk(options: AuthorizeOptions): Promise<string | undefined> {
  const sdk = await import('@modelcontextprotocol/client');
  const fetchFn = boundedFetch(options.signal, options.maxMessageBytes);
  const challenge = options.challenge ? sdk.extractWWWAuthenticateParams(new Response(null, { status: options.status, headers: { 'www-authenticate': options.challenge } })) : {};
  // A 403 that names no missing scope is not OAuth's to fix.
  if (options.status === 403 && challenge.error !== 'insufficient_scope') return undefined;
  // Without metadata a server may still be its own authorization server at the default endpoints
  // (2025-03-26): tried, but its failure then means "no OAuth here", and the refusal stands.
  // The protected-resource metadata is fetched once, for every question asked of it here.
  let resourceMetadata: ReturnType<typeof sdk.discoverOAuthProtectedResourceMetadata> | undefined;
  const discoverResource = () => (resourceMetadata ??= sdk.discoverOAuthProtectedResourceMetadata(options.server, { resourceMetadataUrl: challenge.resourceMetadataUrl }, fetchFn));
  const knownOAuth = challenge.resourceMetadataUrl !== undefined || (await usesOAuth(discoverResource, options.server, fetchFn));
  let stored = await readLogin(options.loginDirectory, options.server);
  // Step-up (403 insufficient_scope): the scopes held so far (kept with a login, or granted in this
  // run, as client credentials are) and the ones asked for, so nothing that worked stops working.
  const heldBefore = [typeof stored?.tokens?.scope === 'string' ? stored.tokens.scope : '', grantedScopes.get(options.server) ?? ''].join(' ').trim() || undefined;
  const held = options.status === 403 ? heldBefore : undefined;
  const scope = challenge.scope && sdk.computeScopeUnion(held, challenge.scope);
  // A refresh keeps the old scope: when more is needed, a new authorization is asked for instead.
  const stepUp = options.status === 403 && challenge.scope !== undefined && !covers(heldBefore, challenge.scope);
  if (stepUp && stored?.tokens) stored = { ...stored, tokens: undefined };
  const common = { serverUrl: options.server, resourceMetadataUrl: challenge.resourceMetadataUrl, scope, fetchFn };
  try {
    const machine = await machineProvider(sdk, options.credentials, () => namedIssuer(sdk, discoverResource, fetchFn), fetchFn);
    if (machine) {
      await sdk.auth(machine, common);
      return accessToken(remember(options.server, await machine.tokens()));
    }
    const { clientId, clientSecret } = options.credentials;
    if ((options.fresh || stepUp) && stored) {
      stored = { ...stored, tokens: undefined };
      await writeLogin(options.loginDirectory, stored);
    }
    const canRefresh = typeof stored?.tokens?.refresh_token === 'string';
    // A server with a token of its own (no OAuth metadata): the refusal, which asks for --token, stands.
    if (!options.interactive && !canRefresh) {
      if (!knownOAuth) return undefined;
      throw loginNeeded(options.server);
    }
    const previousPort = redirectPort(stored);
    const callback = options.interactive ? await LoopbackCallback.start(previousPort).catch(() => LoopbackCallback.start(0)) : undefined;
    // Stops reading pasted lines once the login ends, whichever way it ended.
    const pasting = new AbortController();
    try {
      const provider = new CliOAuthProvider({
        server: options.server,
        loginDirectory: options.loginDirectory,
        redirectUrl: callback?.redirectUrl,
        clientMetadataUrl: options.clientMetadataUrl,
        preRegistered: clientId ? { client_id: clientId, ...(clientSecret ? { client_secret: clientSecret } : {}) } : undefined,
        onAuthorizationUrl: (url) => {
          if (!callback) throw loginNeeded(options.server);
          if (!isWebUrl(url.href)) throw new ConnectionError(`The authorization server of ${options.server} names an authorization endpoint that is not an http or https URL (${url.protocol}): mcp-call will not open it`, 'E_AUTH');
          options.beforePrompt();
          if (options.pasteBack) {
            writeErr(`mcp-call: to log in to ${options.server}, open this address in a browser on any machine:\n  ${url.href}\nthen paste here the address the browser ends on (${callback.redirectUrl}?code=…), even if that page does not load:\n`);
            void takePastedAnswer(callback, AbortSignal.any([options.signal, pasting.signal]));
          } else {
            writeErr(`mcp-call: ${options.server} needs you to log in; opening your browser at:\n  ${url.href}\n`);
            launchBrowser(url.href, options.env);
          }
        },
      });
      if (callback) callback.expectedState = provider.state();
      const result = await sdk.auth(provider, common);
      if (result === 'REDIRECT') {
        const { code, iss } = await callback!.wait(options.signal);
        await sdk.auth(provider, { ...common, authorizationCode: code, iss });
      }
      return accessToken(remember(options.server, await provider.tokens()));
    } finally {
      pasting.abort();
      callback?.close();
    }
  } catch (error) {
    if (error instanceof ConnectionError || error instanceof UsageError || options.signal.aborted) throw error;
    if (!knownOAuth) return undefined;
    // The SDK's errors (discovery, registration, a refused grant, an issuer mix-up) in one line.
    const code = (error as { code?: unknown }).code;
    const why = `${typeof code === 'string' && !(error as Error).message.includes(code) ? `${code}: ` : ''}${(error as Error).message}`;
    throw new ConnectionError(`Could not get an access token for ${options.server}: ${why.replace(/\s+/g, ' ').slice(0, 300)}`, 'E_AUTH', { cause: error });
  }
}

/**
 * True when the server publishes protected-resource metadata (RFC 9728), or is its own
 * authorization server (the 2025-03-26 arrangement): only then is a login worth trying.
 */
async function usesOAuth(discoverResource: () => Promise<unknown>, server: string, fetchFn: typeof fetch): Promise<boolean> {
  try {
    await discoverResource();
    return true;
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    const response = await fetchFn(new URL('/.well-known/oauth-authorization-server', server), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    return response?.ok === true;
  }
}

/** The issuer of the authorization server a protected resource names first, if it names one. */
async function namedIssuer(sdk: typeof SdkClient, discoverResource: () => Promise<{ authorization_servers?: string[] }>, fetchFn: typeof fetch): Promise<string | undefined> {
  try {
    const resource = await discoverResource();
    const authorizationServer = resource.authorization_servers?.[0];
    return authorizationServer ? ((await sdk.discoverAuthorizationServerMetadata(authorizationServer, { fetchFn }))?.issuer ?? authorizationServer) : undefined;
  } catch (error) {
    if (error instanceof ConnectionError) throw error; // an answer over the limit is no "none"
    return undefined;
  }
}

/** How many pasted lines are read before the login gives up. */
const MAX_PASTE_TRIES = 5;

/** Reads pasted addresses from stdin until one is taken (the callback then settles), a bounded number of times. */
async function takePastedAnswer(callback: LoopbackCallback, signal: AbortSignal): Promise<void> {
  const { nextLine } = await import('../stdin-lines.ts');
  for (let tries = 0; tries < MAX_PASTE_TRIES; tries++) {
    const line = await nextLine(signal);
    if (line === undefined) return; // end of input: the browser may still reach the loopback address
    if (!line.trim()) continue;
    const refusal = callback.accept(line);
    if (refusal === undefined || refusal.startsWith('the authorization server refused')) return;
    writeErr(`mcp-call: ${refusal}; paste the whole address from the browser's address bar:\n`);
  }
}

/** Scopes granted to this process for each server (client credentials keep no login). */
const grantedScopes = new Map<string, string>();

function remember<T extends { scope?: unknown } | undefined>(server: string, tokens: T): T {
  if (typeof tokens?.scope === 'string') grantedScopes.set(server, tokens.scope);
  return tokens;
}

/** True when `held` has every scope of `needed`. */
function covers(held: string | undefined, needed: string): boolean {
  const have = new Set((held ?? '').split(' ').filter(Boolean));
  return needed.split(' ').filter(Boolean).every((scope) => have.has(scope));
}

function accessToken(tokens: { access_token?: unknown } | undefined): string {
  if (typeof tokens?.access_token !== 'string') throw new ConnectionError('The authorization server gave no access token', 'E_AUTH');
  return tokens.access_token;
}

function loginNeeded(server: string): ConnectionError {
  return new ConnectionError(
    `${server} needs you to log in, and mcp-call opens a browser only at a terminal: run \`mcp-call login ${server}\` once, or pass --login, or --client-credentials with --client-id and --client-secret (or --client-key)`,
    'E_LOGIN_REQUIRED',
  );
}

/** The loopback port of the last registration, so it can be used again. */
function redirectPort(login: Awaited<ReturnType<typeof readLogin>>): number {
  for (const client of Object.values(login?.clients ?? {})) {
    const uri = (client.redirect_uris as string[] | undefined)?.[0];
    if (uri?.startsWith('http://127.0.0.1:')) return Number(new URL(uri).port);
  }
  return 0;
}
