import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { ConnectionError, UsageError } from '@mcp-cli/core';
import type * as SdkClient from '@modelcontextprotocol/client';
import type { OAuthClientProvider } from '@modelcontextprotocol/client';

import type { GlobalOptions } from '../global-options.ts';
import type { OAuthEntry } from '../imports/import-formats.ts';
import { writeErr } from '../terminal-text.ts';

type Sdk = typeof SdkClient;
type Tokens = Awaited<ReturnType<OAuthClientProvider['tokens']>>;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Credentials for a grant with no person in it (CI, services). */
export interface MachineCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** A private key (PEM, or @file) for `private_key_jwt` client authentication. */
  clientKey: string | undefined;
  /** A signed JWT from the workload's identity provider (RFC 7523 jwt-bearer grant). */
  assertion: string | undefined;
  clientCredentials: boolean;
  /** The only authorization server that may receive the client's secret or key (--issuer). */
  issuer: string | undefined;
  /**
   * Enterprise-managed authorization (cross-app access): the person's ID token from the
   * enterprise identity provider, exchanged there for a grant the MCP server's authorization
   * server takes. From the environment only: MCP_ID_TOKEN, MCP_IDP_TOKEN_ENDPOINT,
   * MCP_IDP_CLIENT_ID, MCP_IDP_CLIENT_SECRET.
   */
  enterprise: { idToken: string; tokenEndpoint: string; clientId: string; clientSecret: string | undefined } | undefined;
}

/** The OAuth credentials of the command: each flag over its environment variable over the config's `oauth`. */
export function machineCredentials(opts: GlobalOptions, env: NodeJS.ProcessEnv, config: OAuthEntry = {}): MachineCredentials {
  return {
    clientId: opts.clientId ?? (env.MCP_CLIENT_ID || undefined) ?? config.clientId,
    clientSecret: opts.clientSecret ?? (env.MCP_CLIENT_SECRET || undefined) ?? config.clientSecret,
    clientKey: opts.clientKey ?? (env.MCP_CLIENT_KEY || undefined) ?? config.clientKey,
    assertion: opts.clientAssertion ?? (env.MCP_CLIENT_ASSERTION || undefined),
    clientCredentials: opts.clientCredentials === true || config.clientCredentials === true,
    issuer: opts.issuer ?? (env.MCP_OAUTH_ISSUER || undefined) ?? config.issuer,
    enterprise:
      env.MCP_ID_TOKEN && env.MCP_IDP_TOKEN_ENDPOINT && env.MCP_IDP_CLIENT_ID
        ? { idToken: env.MCP_ID_TOKEN, tokenEndpoint: env.MCP_IDP_TOKEN_ENDPOINT, clientId: env.MCP_IDP_CLIENT_ID, clientSecret: env.MCP_IDP_CLIENT_SECRET || undefined }
        : undefined,
  };
}

/**
 * The SDK provider for a grant without a browser, when the credentials ask for one: a workload
 * identity assertion (jwt-bearer), or client credentials authenticated with a private key JWT or
 * a client secret. Undefined when a person has to log in instead.
 *
 * @throws UsageError for credentials that do not fit together.
 */
export async function machineProvider(sdk: Sdk, credentials: MachineCredentials, namedIssuer: () => Promise<string | undefined>, fetchFn: typeof fetch): Promise<OAuthClientProvider | undefined> {
  const { clientId, clientSecret, clientKey, assertion, enterprise } = credentials;
  if (enterprise) {
    if (!clientId || !clientSecret) throw new UsageError('Enterprise-managed authorization needs the MCP client\'s --client-id and --client-secret (or MCP_CLIENT_ID, MCP_CLIENT_SECRET)', 'E_AUTH_OPTIONS');
    // ID token -> ID-JAG at the identity provider (RFC 8693), then -> access token at the MCP server's authorization server (RFC 7523).
    return new sdk.CrossAppAccessProvider({
      clientId,
      clientSecret,
      clientName: 'mcp-call',
      ...(credentials.issuer ? { expectedIssuer: credentials.issuer } : {}),
      assertion: async ({ authorizationServerUrl, resourceUrl, scope }) =>
        (
          await sdk.requestJwtAuthorizationGrant({
            tokenEndpoint: enterprise.tokenEndpoint,
            audience: authorizationServerUrl,
            resource: resourceUrl,
            idToken: enterprise.idToken,
            clientId: enterprise.clientId,
            ...(enterprise.clientSecret ? { clientSecret: enterprise.clientSecret } : {}),
            ...(scope ? { scope } : {}),
            fetchFn,
          })
        ).jwtAuthGrant,
    });
  }
  if (assertion) {
    if (!clientId) throw new UsageError('--client-assertion needs --client-id (or MCP_CLIENT_ID)', 'E_AUTH_OPTIONS');
    return new JwtBearerProvider(clientId, assertion);
  }
  if (!credentials.clientCredentials) return undefined;
  if (!clientId) throw new UsageError('--client-credentials needs --client-id (or MCP_CLIENT_ID)', 'E_AUTH_OPTIONS');
  if (!clientKey && !clientSecret) throw new UsageError('--client-credentials needs --client-secret or --client-key (or MCP_CLIENT_SECRET, MCP_CLIENT_KEY)', 'E_AUTH_OPTIONS');
  // The secret or key goes only to one authorization server: the one --issuer names, else the one the server names (said on stderr).
  let expectedIssuer = credentials.issuer;
  if (!expectedIssuer) {
    expectedIssuer = await namedIssuer();
    if (!expectedIssuer) throw new ConnectionError('The server names no authorization server: pass --issuer URL', 'E_AUTH');
    writeErr(`mcp-call: sending the client credentials to ${expectedIssuer}, the authorization server the MCP server names (pass --issuer to allow only yours)\n`);
  }
  if (clientKey) {
    const pem = clientKey.startsWith('@') ? await readFile(clientKey.slice(1), 'utf8') : clientKey;
    return new sdk.PrivateKeyJwtProvider({ clientId, privateKey: pem, algorithm: algorithmOf(pem), clientName: 'mcp-call', expectedIssuer });
  }
  return new sdk.ClientCredentialsProvider({ clientId, clientSecret: clientSecret!, clientName: 'mcp-call', expectedIssuer });
}

/** The JWS algorithm for a private key: ES256/384/512 by curve, RS256, or EdDSA. */
function algorithmOf(pem: string): string {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new UsageError('--client-key is not a PEM private key (give the key, or @file)', 'E_AUTH_OPTIONS');
  }
  if (key.asymmetricKeyType === 'ec') return ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as Record<string, string>)[String(key.asymmetricKeyDetails?.namedCurve)] ?? 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return 'RS256';
}

/**
 * Workload identity federation: the workload's own signed JWT is exchanged for an access token
 * with the jwt-bearer grant (RFC 7523), once (a refused assertion is not sent again).
 */
class JwtBearerProvider implements OAuthClientProvider {
  readonly #clientId: string;
  readonly #assertion: string;
  #tokens: Tokens;
  #attempted = false;

  constructor(clientId: string, assertion: string) {
    this.#clientId = clientId;
    this.#assertion = assertion;
  }

  get redirectUrl(): undefined {
    return undefined;
  }

  get clientMetadata() {
    return { client_name: 'mcp-call', redirect_uris: [], grant_types: [JWT_BEARER], token_endpoint_auth_method: 'none' };
  }

  clientInformation() {
    return { client_id: this.#clientId };
  }

  tokens(): Tokens {
    return this.#tokens;
  }

  saveTokens(tokens: NonNullable<Tokens>): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(): void {
    throw new ConnectionError('A workload identity login has no browser step', 'E_AUTH');
  }

  saveCodeVerifier(): void {}

  codeVerifier(): string {
    return '';
  }

  prepareTokenRequest(scope?: string): URLSearchParams {
    if (this.#attempted) throw new ConnectionError('The authorization server refused the workload identity assertion', 'E_AUTH');
    this.#attempted = true;
    return new URLSearchParams({ grant_type: JWT_BEARER, assertion: this.#assertion, ...(scope ? { scope } : {}) });
  }
}
