import { ConnectionError } from '@mcp-cli/core';
import type * as SdkClient from '@modelcontextprotocol/client';

import { abortableSleep } from '../../client/abortable-sleep.ts';
import { isWebUrl } from '../open-url.ts';
import { writeErr } from '../terminal-text.ts';
import { boundedFetch } from './bounded-fetch.ts';
import { readLogin, writeLogin } from './token-store.ts';

/** What a device login needs. */
export interface DeviceLoginOptions {
  /** The MCP server: the protected resource. */
  server: string;
  loginDirectory: string;
  signal: AbortSignal;
  maxMessageBytes: number;
  /** A client registered beforehand; else mcp-call registers itself (dynamic registration). */
  clientId: string | undefined;
  debug: (message: string) => void;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628: five seconds between polls unless the server says otherwise, five more on slow_down. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
/** The longest a device code is waited for, whatever the server says. */
const MAX_WAIT_S = 30 * 60;

type Json = Record<string, unknown>;

/**
 * Logs in with the OAuth device authorization grant (RFC 8628), for a machine with no browser
 * (SSH, CI): the authorization server gives a code, the person enters it at an address on any
 * device, and mcp-call polls the token endpoint until they have. The tokens are kept as a browser
 * login's are, and refreshed the same way.
 *
 * @throws ConnectionError when the server does not use OAuth, its authorization server offers no
 * device login, or the person denies it or lets the code expire.
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<string> {
  const sdk = await import('@modelcontextprotocol/client');
  const fetchFn = boundedFetch(options.signal, options.maxMessageBytes);
  const fetchJson = jsonFetcher(fetchFn);
  const resource = await sdk.discoverOAuthProtectedResourceMetadata(options.server, {}, fetchFn).catch((error: unknown) => {
    throw new ConnectionError(`${options.server} does not say which authorization server it uses (no protected-resource metadata: ${(error as Error).message}): pass a token with --token instead`, 'E_NO_OAUTH');
  });
  const authorizationServer = resource.authorization_servers?.[0] ?? new URL('/', options.server).href;
  // RFC 8414, else OpenID Connect discovery, the issuer checked; the SDK keeps fields it does not know.
  const metadata = (await sdk.discoverAuthorizationServerMetadata(authorizationServer, { fetchFn })) as Json | undefined;
  if (!metadata) throw new ConnectionError(`No authorization server metadata at ${authorizationServer}`, 'E_AUTH');
  const deviceEndpoint = metadata.device_authorization_endpoint;
  if (typeof deviceEndpoint !== 'string' || !isWebUrl(deviceEndpoint)) {
    throw new ConnectionError(`The authorization server of ${options.server} (${String(metadata.issuer)}) offers no device login (RFC 8628): use mcp-call login --no-browser, which takes the address the browser ends on`, 'E_NO_DEVICE_LOGIN');
  }
  const issuer = String(metadata.issuer);
  const stored = await readLogin(options.loginDirectory, options.server);
  const client = options.clientId
    ? { client_id: options.clientId }
    : ((stored?.clients[issuer]?.grant_types as string[] | undefined)?.includes(DEVICE_GRANT) ? stored!.clients[issuer]! : await register(sdk, authorizationServer, metadata, fetchFn));
  const clientId = String(client.client_id);
  const scope = Array.isArray(resource.scopes_supported) ? resource.scopes_supported.join(' ') : undefined;
  const started = await fetchJson(deviceEndpoint, { client_id: clientId, resource: options.server, ...(scope ? { scope } : {}) });
  if (typeof started.device_code !== 'string' || typeof started.user_code !== 'string' || typeof started.verification_uri !== 'string' || !isWebUrl(started.verification_uri)) {
    throw new ConnectionError(`The device login of ${issuer} answered without a code and an http(s) address to enter it at`, 'E_AUTH');
  }
  const complete = typeof started.verification_uri_complete === 'string' && isWebUrl(started.verification_uri_complete) ? started.verification_uri_complete : undefined;
  writeErr(`mcp-call: to log in to ${options.server}, open ${started.verification_uri} on any device and enter the code ${started.user_code}${complete ? `\n  (or open ${complete})` : ''}\nwaiting for the login…\n`);
  const tokens = await pollForTokens(fetchJson, String(metadata.token_endpoint), { clientId, deviceCode: started.device_code, resource: options.server, interval: started.interval, expiresIn: started.expires_in, signal: options.signal });
  await writeLogin(options.loginDirectory, { ...(stored ?? { server: options.server, clients: {} }), server: options.server, issuer, clients: { ...stored?.clients, [issuer]: client }, tokens, savedAt: Date.now(), dpopKey: undefined });
  if (typeof tokens.access_token !== 'string') throw new ConnectionError('The authorization server gave no access token', 'E_AUTH');
  return tokens.access_token;
}

/** Registers mcp-call as a public client that uses the device grant (and refreshes). */
async function register(sdk: typeof SdkClient, authorizationServer: string, metadata: Json, fetchFn: typeof fetch): Promise<Json> {
  if (typeof metadata.registration_endpoint !== 'string') {
    throw new ConnectionError(`The authorization server ${String(metadata.issuer)} takes no registrations: pass the client id it gave you with --client-id`, 'E_AUTH');
  }
  const clientMetadata = { client_name: 'mcp-call', grant_types: [DEVICE_GRANT, 'refresh_token'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'none' };
  return (await sdk.registerClient(authorizationServer, { metadata: metadata as never, clientMetadata: clientMetadata as never, fetchFn })) as unknown as Json;
}

/** Polls the token endpoint as RFC 8628 section 3.5 says, until the person logs in, denies, or the code expires. */
async function pollForTokens(
  fetchJson: JsonFetch,
  tokenEndpoint: string,
  { clientId, deviceCode, resource, interval, expiresIn, signal }: { clientId: string; deviceCode: string; resource: string; interval: unknown; expiresIn: unknown; signal: AbortSignal },
): Promise<Json> {
  let waitS = typeof interval === 'number' && interval > 0 ? Math.min(interval, 60) : DEFAULT_INTERVAL_S;
  const deadline = Date.now() + Math.min(typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : MAX_WAIT_S, MAX_WAIT_S) * 1000;
  while (Date.now() < deadline) {
    await abortableSleep(waitS * 1000, signal);
    const answer = await fetchJson(tokenEndpoint, { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId, resource }, true);
    if (typeof answer.access_token === 'string') return answer;
    if (answer.error === 'authorization_pending') continue;
    if (answer.error === 'slow_down') {
      waitS += SLOW_DOWN_S;
      continue;
    }
    if (answer.error === 'access_denied') throw new ConnectionError('The login was denied at the authorization server', 'E_AUTH');
    if (answer.error === 'expired_token') break;
    throw new ConnectionError(`The authorization server refused the device login: ${String(answer.error ?? 'no token')}${answer.error_description ? ` (${String(answer.error_description).slice(0, 200)})` : ''}`, 'E_AUTH');
  }
  throw new ConnectionError('The device code expired before the login was finished: run mcp-call login --device again', 'E_AUTH');
}

type JsonFetch = (url: string, form: Record<string, string>, errorsAreAnswers?: boolean) => Promise<Json>;

/** POSTs a form and reads JSON (an error answer too, when `errorsAreAnswers`); the fetch brings the deadline. */
function jsonFetcher(fetchFn: typeof fetch): JsonFetch {
  return async (url, form, errorsAreAnswers = false) => {
    const response = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form) });
    const body = (await response.json().catch(() => undefined)) as unknown;
    if ((!response.ok && !errorsAreAnswers) || body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ConnectionError(`${url} answered HTTP ${response.status}${(body as Json | undefined)?.error ? `: ${String((body as Json).error)}` : ''}`, 'E_AUTH');
    }
    return body as Json;
  };
}
