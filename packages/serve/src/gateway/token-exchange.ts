import { RpcCode, RpcError } from '@mcp-cli/core';

import { type IssuerAnswer, postToIssuer } from '../auth/issuer-request.ts';

/** How a gateway trades a caller's token for one its upstream takes (RFC 8693). */
export interface TokenExchangeSettings {
  /** The gateway's credentials at the issuer (client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** The upstream as a resource indicator (RFC 8707): the new token's audience. */
  resource: string;
  scope: string | undefined;
  tokenEndpoint: string;
}

/** An exchanged token and when it stops being valid (epoch milliseconds). */
export interface ExchangedToken {
  token: string;
  expiresAt: number;
}

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** An answer that gives no lifetime is taken to last this long. */
const DEFAULT_LIFETIME_S = 300;

/**
 * Exchanges `subjectToken` (the caller's access token) at the issuer for an access token of
 * `settings.resource`, for the same user: the upstream gets a token meant for it, never the
 * caller's own. The issuer decides: a refusal fails the call with its error code, and never
 * with either token in the message.
 */
export function exchangeToken(settings: TokenExchangeSettings, subjectToken: string, server: string): Promise<ExchangedToken> {
  const form = new URLSearchParams({ grant_type: GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, requested_token_type: ACCESS_TOKEN, resource: settings.resource });
  return requestToken(settings, form, `Server "${server}": the issuer did not exchange your token for one of ${settings.resource}`);
}

/**
 * A token of the gateway's own (client credentials) for `settings.resource`: what the listing run
 * at start-up, which has no user, lists the upstream's tools with.
 */
export function gatewayToken(settings: TokenExchangeSettings, server: string): Promise<ExchangedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', resource: settings.resource });
  return requestToken(settings, form, `Server "${server}": the issuer gave the gateway no token of its own for ${settings.resource} to list its tools with (give the server a "token", or let the client use client credentials)`);
}

async function requestToken(settings: TokenExchangeSettings, form: URLSearchParams, refusal: string): Promise<ExchangedToken> {
  if (settings.scope) form.set('scope', settings.scope);
  const failed = (why: string) => new RpcError(RpcCode.internalError, `${refusal} (${why})`);
  let answer: IssuerAnswer;
  try {
    answer = await postToIssuer(settings.tokenEndpoint, form, { id: settings.clientId, secret: settings.clientSecret });
  } catch (error) {
    throw failed(`the token endpoint could not be reached: ${(error as Error).message}`);
  }
  const { body } = answer;
  if (!answer.ok || typeof body.access_token !== 'string') {
    throw failed(`HTTP ${answer.status}${typeof body.error === 'string' ? `: ${body.error.slice(0, 100)}` : ''}`);
  }
  const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_LIFETIME_S;
  return { token: body.access_token, expiresAt: Date.now() + lifetime * 1000 };
}
