import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';

/** RFC 8693's grant type, and the token type of an access token. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A real OpenID Provider (oidc-provider from npm) on a loopback port, for resource-server tests. */
export interface OidcProvider {
  issuer: string;
  /** The provider's signing key, private part included: tests sign tokens it never issued with it. */
  signingKey: CryptoKey;
  kid: string;
  /** A client that may use the client-credentials grant. */
  client: { id: string; secret: string };
  /** A resource server's credentials at the introspection endpoint. */
  introspector: { id: string; secret: string };
  /** A client that may use the token-exchange grant (RFC 8693): a gateway's credentials. */
  exchanger: { id: string; secret: string };
  introspectionUrl: string;
  /**
   * An access token for `resource` with `scope`, from the token endpoint (client credentials);
   * with `user` (one of `options.users`), that user's own client's, whose `sub` is the user.
   */
  token(resource: string, scope: string, user?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts oidc-provider with client credentials, the device grant (RFC 8628), resource indicators (RFC 8707), introspection,
 * dynamic client registration, token exchange (RFC 8693, for the `exchanger` client), and its own
 * login and consent pages (any user name logs in).
 * Resources whose URL ends in `/opaque/mcp` get opaque access tokens; every other one gets JWTs
 * (RS256) whose `aud` is the resource. `scopes` are the scopes its resources offer.
 */
export async function startOidcProvider(scopes: string[], options: { accessTokenTtlSeconds?: number; users?: string[] } = {}): Promise<OidcProvider> {
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = { id: 'mcp-tests', secret: 'mcp-tests-secret-0123456789abcdef' };
  const introspector = { id: 'mcp-serve', secret: 'mcp-serve-secret-0123456789abcdef' };
  const exchanger = { id: 'mcp-gateway', secret: 'mcp-gateway-secret-0123456789abcdef' };
  const provider = new Provider(issuer, {
    clients: [
      { client_id: client.id, client_secret: client.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: introspector.id, client_secret: introspector.secret, grant_types: [], redirect_uris: [], response_types: [] },
      { client_id: exchanger.id, client_secret: exchanger.secret, grant_types: [TOKEN_EXCHANGE, 'client_credentials'], redirect_uris: [], response_types: [] },
      // A machine client per user: its client-credentials tokens name the user as their subject.
      ...(options.users ?? []).map((user) => ({ client_id: user, client_secret: userSecret(user), grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
    ],
    jwks: { keys: [jwk] },
    scopes: ['openid', 'offline_access', ...scopes],
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      // RFC 8628, with the provider's own pages for entering the code.
      deviceFlow: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: scopes.join(' '),
          audience: resource,
          accessTokenTTL: options.accessTokenTtlSeconds ?? 300,
          accessTokenFormat: resource.endsWith('/opaque/mcp') ? 'opaque' : 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  } as ConstructorParameters<typeof Provider>[1]);
  // Token exchange: an access token this provider issued (any audience) for one of `resource`,
  // for the same subject, with the exchanging client as the actor (RFC 8693 section 4.1).
  const publicKey = await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, 'RS256');
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    async (ctx: { oidc: { params: Record<string, string | undefined>; client: { clientId: string } }; status: number; body: unknown }) => {
      const { subject_token: subjectToken, subject_token_type: subjectType, resource, scope } = ctx.oidc.params;
      const refuse = (error: string, description: string) => {
        ctx.status = 400;
        ctx.body = { error, error_description: description };
      };
      if (subjectType !== ACCESS_TOKEN_TYPE || !subjectToken) return refuse('invalid_request', 'subject_token must be an access token');
      if (!resource) return refuse('invalid_target', 'resource is required');
      let claims: Record<string, unknown>;
      try {
        claims = (await jwtVerify(subjectToken, publicKey, { issuer })).payload;
      } catch {
        return refuse('invalid_grant', 'subject_token is not valid');
      }
      const granted = scope ?? (typeof claims.scope === 'string' ? claims.scope : scopes.join(' '));
      const token = await new SignJWT({ scope: granted, client_id: ctx.oidc.client.clientId, act: { sub: ctx.oidc.client.clientId } })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setSubject(String(claims.sub))
        .setAudience(resource)
        .setIssuedAt()
        .setExpirationTime(`${options.accessTokenTtlSeconds ?? 300}s`)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
      ctx.body = { access_token: token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: options.accessTokenTtlSeconds ?? 300, scope: granted };
    },
    ['subject_token', 'subject_token_type', 'resource', 'scope', 'audience', 'requested_token_type'],
  );
  server.on('request', provider.callback());
  return {
    issuer,
    signingKey: privateKey,
    kid,
    client,
    introspector,
    exchanger,
    introspectionUrl: `${issuer}/token/introspection`,
    async token(resource, scope, user) {
      const [id, secret] = user === undefined ? [client.id, client.secret] : [user, userSecret(user)];
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token endpoint: ${body.error}: ${body.error_description}`);
      return body.access_token;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function userSecret(user: string): string {
  return `${user}-secret-0123456789abcdef0123`;
}
