import { randomBytes } from 'node:crypto';

import type { DpopSession, OAuthClientInformationContext, OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/client';

import { loadDpopKey, newDpopKey } from './dpop.ts';

import { readLogin, type StoredLogin, writeLogin } from './token-store.ts';

type ClientInformation = Awaited<ReturnType<OAuthClientProvider['clientInformation']>>;
type Tokens = Awaited<ReturnType<OAuthClientProvider['tokens']>>;

/** What the provider needs from the command line. */
export interface ProviderOptions {
  server: string;
  /** Where logins are kept. */
  loginDirectory: string;
  /** The loopback redirect URI (RFC 8252), when a browser may be used. */
  redirectUrl: string | undefined;
  /** A client id metadata document URL (CIMD), used as the client id where the server takes them. */
  clientMetadataUrl: string | undefined;
  /** A client registered beforehand (--client-id, --client-secret). */
  preRegistered: { client_id: string; client_secret?: string } | undefined;
  /** Called with the authorization URL: the browser is opened there (or refused). */
  onAuthorizationUrl: (url: URL) => void | Promise<void>;
}

/**
 * The SDK's OAuth client provider for mcp-call: registrations and tokens are kept per server
 * (token-store.ts), the PKCE verifier and state only in memory, and the authorization URL goes
 * to the browser.
 */
export class CliOAuthProvider implements OAuthClientProvider {
  readonly #options: ProviderOptions;
  readonly #state = randomBytes(24).toString('base64url');
  #verifier = '';
  // Kept for one login only (across its redirect), so a changed authorization server is found again next time.
  #discovery: OAuthDiscoveryState | undefined;
  #login: StoredLogin | undefined;
  #dpop: DpopSession | undefined;

  constructor(options: ProviderOptions) {
    this.#options = options;
  }

  get redirectUrl(): string | undefined {
    return this.#options.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#options.clientMetadataUrl;
  }

  get clientMetadata() {
    return {
      client_name: 'mcp-call',
      redirect_uris: this.#options.redirectUrl ? [this.#options.redirectUrl] : [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  /** The state sent with the authorization request: the callback must bring it back. */
  state(): string {
    return this.#state;
  }

  async clientInformation(ctx?: OAuthClientInformationContext): Promise<ClientInformation> {
    if (this.#options.preRegistered) return this.#options.preRegistered as ClientInformation;
    const login = await this.#load();
    const issuer = ctx?.issuer ?? login.issuer;
    const stored = issuer === undefined ? undefined : login.clients[issuer];
    // A registration made for another redirect URI (another port) does not fit this login.
    const uris = stored?.redirect_uris as string[] | undefined;
    if (stored && this.#options.redirectUrl && uris && !uris.includes(this.#options.redirectUrl)) return undefined;
    return stored as ClientInformation;
  }

  async saveClientInformation(information: NonNullable<ClientInformation>, ctx?: OAuthClientInformationContext): Promise<void> {
    const login = await this.#load();
    const issuer = ctx?.issuer ?? login.issuer ?? 'unknown';
    login.clients[issuer] = information as Record<string, unknown>;
    await writeLogin(this.#options.loginDirectory, login);
  }

  async tokens(ctx?: OAuthClientInformationContext): Promise<Tokens> {
    const login = await this.#load();
    if (ctx?.issuer !== undefined && login.issuer !== undefined && ctx.issuer !== login.issuer) return undefined;
    return login.tokens as Tokens;
  }

  async saveTokens(tokens: NonNullable<Tokens>, ctx?: OAuthClientInformationContext): Promise<void> {
    const login = await this.#load();
    login.tokens = tokens as Record<string, unknown>;
    login.savedAt = Date.now();
    if (ctx?.issuer) login.issuer = ctx.issuer;
    await writeLogin(this.#options.loginDirectory, login);
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    await this.#options.onAuthorizationUrl(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    return this.#verifier;
  }

  /**
   * A DPoP session (RFC 9449) when the authorization server lists ES256 proofs, as the MCP
   * authorization spec has clients do: its tokens are then bound to a key kept with the login.
   * Undefined otherwise: plain bearer tokens.
   */
  async dpop(): Promise<DpopSession | undefined> {
    const server = this.#discovery?.authorizationServerMetadata as { dpop_signing_alg_values_supported?: unknown } | undefined;
    const supported = server?.dpop_signing_alg_values_supported;
    if (!Array.isArray(supported) || !supported.includes('ES256')) return undefined;
    if (this.#dpop) return this.#dpop;
    const sdk = await import('@modelcontextprotocol/client');
    const login = await this.#load();
    let keyPair;
    if (login.dpopKey) keyPair = await loadDpopKey(login.dpopKey);
    else {
      const fresh = await newDpopKey(sdk);
      keyPair = fresh.keyPair;
      login.dpopKey = fresh.stored;
      await writeLogin(this.#options.loginDirectory, login);
    }
    this.#dpop = await sdk.DpopSession.create({ keyPair });
    return this.#dpop;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const login = await this.#load();
    if (scope === 'all' || scope === 'tokens') delete login.tokens;
    if (scope === 'all' || scope === 'client') login.clients = {};
    if (scope === 'all' || scope === 'verifier') this.#verifier = '';
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
    await writeLogin(this.#options.loginDirectory, login);
  }

  async #load(): Promise<StoredLogin> {
    this.#login ??= (await readLogin(this.#options.loginDirectory, this.#options.server)) ?? { server: this.#options.server, clients: {} };
    return this.#login;
  }
}
