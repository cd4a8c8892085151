import { ConfigError, RpcCode, RpcError } from '@mcp-cli/core';

import { presentedTokenOf } from '../auth/request-auth.ts';
import { issuerMetadata } from '../auth/token-verifier.ts';
import type { UpstreamSpec } from '../config/resolve-config.ts';
import { exchangeToken, gatewayToken, type TokenExchangeSettings } from './token-exchange.ts';
import { scopeOf } from './upstream.ts';
import type { UserIdentity } from './user-identity.ts';

/** An exchanged token this close to its end is not used for a new upstream connection: it is exchanged again. */
const REFRESH_MARGIN_MS = 30_000;

type ExchangeConfig = NonNullable<Extract<UpstreamSpec, { url: string }>['tokenExchange']>;

/**
 * The tokens of `scope: "user"` URL servers with `tokenExchange` or `tokenPassthrough`: each
 * user's upstream connects with the caller's token exchanged at the gateway's issuer for one of
 * the upstream (RFC 8693), or with the caller's own, and connects again with a fresh one before
 * that one ends. The listing run at start-up, which has no user, connects with the server's
 * `token` if it has one, else (exchange) a token of the gateway's own (client credentials).
 */
export class UserTokens {
  readonly #servers = new Map<string, { config: ExchangeConfig; url: string }>();
  /** Servers whose users' upstreams get the caller's own token (`tokenPassthrough`). */
  readonly #passing = new Set<string>();
  readonly #issuer: string | undefined;
  /** When each user's exchanged token ends, by server and user. */
  readonly #until = new Map<string, number>();

  /** @throws ConfigError for a tokenExchange without scope "user" or without the gateway's OAuth. */
  constructor(servers: [string, unknown][], issuer: string | undefined) {
    this.#issuer = issuer;
    for (const [name, spec] of servers) {
      const { tokenExchange: exchange, tokenPassthrough: passes } = spec as { tokenExchange?: ExchangeConfig; tokenPassthrough?: boolean };
      if (!exchange && !passes) continue;
      const key = exchange ? 'tokenExchange' : 'tokenPassthrough';
      if (exchange && passes) throw new ConfigError(`Server "${name}": tokenExchange and tokenPassthrough are two ways to send the user's identity: keep one`, 'E_CONFIG_INVALID');
      if (scopeOf(spec as UpstreamSpec) !== 'user' || issuer === undefined) {
        throw new ConfigError(`Server "${name}": ${key} needs scope: "user" and OAuth on the gateway (auth.issuer), whose callers' tokens it sends`, 'E_CONFIG_INVALID');
      }
      if (exchange) this.#servers.set(name, { config: exchange, url: (spec as { url: string }).url });
      else this.#passing.add(name);
    }
  }

  /** True for a server whose users' upstreams connect with a token of the caller's (exchanged or their own). */
  sendsUserToken(server: string): boolean {
    return this.#servers.has(server) || this.#passing.has(server);
  }

  /** The token the listing run of `server` connects with; undefined when the server needs none of these. */
  async listingToken(server: string, spec: { token?: string | undefined }): Promise<string | undefined> {
    if (!this.#servers.has(server) || spec.token) return undefined;
    return (await gatewayToken(await this.#settings(server), server)).token;
  }

  /** The token a user's upstream of `server` connects with: the caller's, exchanged for one of `server`'s, or as it is. */
  async forUser(server: string, user: UserIdentity): Promise<string> {
    const subject = presentedTokenOf(user.claims);
    if (!subject) throw new RpcError(RpcCode.invalidRequest, `Server "${server}" acts with your own OAuth token: call with an OAuth access token`);
    const sent = this.#passing.has(server)
      ? { token: subject, expiresAt: typeof user.claims.exp === 'number' ? user.claims.exp * 1000 : Infinity }
      : await exchangeToken(await this.#settings(server), subject, server);
    this.#until.set(`${server}\u0000${user.key}`, sent.expiresAt);
    return sent.token;
  }

  /** True when a user's upstream of `server` holds a token about to end: it should connect again. */
  isEnding(server: string, userKey: string, now = Date.now()): boolean {
    const until = this.#until.get(`${server}\u0000${userKey}`);
    return until !== undefined && until - now < REFRESH_MARGIN_MS;
  }

  forget(server: string, userKey: string): void {
    this.#until.delete(`${server}\u0000${userKey}`);
  }

  async #settings(server: string): Promise<TokenExchangeSettings> {
    const { config, url } = this.#servers.get(server)!;
    return {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      resource: config.resource ?? url,
      scope: config.scope,
      tokenEndpoint: config.tokenEndpoint ?? (await this.#issuerTokenEndpoint()),
    };
  }

  async #issuerTokenEndpoint(): Promise<string> {
    const metadata = await issuerMetadata(this.#issuer!);
    if (typeof metadata.token_endpoint !== 'string') throw new RpcError(RpcCode.internalError, `The issuer ${this.#issuer!} publishes no token_endpoint: set tokenExchange.tokenEndpoint`);
    return metadata.token_endpoint;
  }
}
