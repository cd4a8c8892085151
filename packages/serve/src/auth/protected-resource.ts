import type { IncomingMessage } from 'node:http';

import type { Refusal } from '../http/request-guard.ts';
import { DPOP_ALGORITHMS, dpopProofValid } from './dpop-proof.ts';
import { markVerified } from './request-auth.ts';
import type { TokenVerifier, VerifiedToken } from './token-verifier.ts';

/** Where clients find this resource's metadata (RFC 9728): the root form, and one per endpoint path. */
export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * mcp-serve as an OAuth resource server (the MCP authorization spec): publishes its protected-
 * resource metadata, answers 401 with a `WWW-Authenticate` challenge that points to it, checks each
 * request's bearer token, and 403 `insufficient_scope` for a scope the token lacks.
 */
export class ProtectedResource {
  readonly #verifier: TokenVerifier;
  readonly #metadataUrl: string;
  /** This resource's public origin: DPoP proofs name the URL as the client sees it. */
  readonly #origin: string;
  readonly #scopesSupported: () => string[];
  readonly #staticTokens: (header: string | undefined) => boolean;
  /** The legacy SSE endpoint as a resource of its own (its URL), and its metadata's path and URL. */
  readonly #legacy: { resource: string; path: string; metadataUrl: string } | undefined;

  /**
   * @param scopesSupported every scope a definition or the config names (listed in the metadata)
   * @param staticTokens true for a header carrying one of the configured `--token`s, which stay valid
   * @param legacyResource the public URL of the legacy SSE endpoint, when the audience names /mcp's:
   * a client of `/sse` checks the metadata against that URL (RFC 9728 §3.3), and gets tokens for it
   */
  constructor(verifier: TokenVerifier, scopesSupported: () => string[], staticTokens: (header: string | undefined) => boolean, legacyResource?: string) {
    this.#verifier = verifier;
    this.#scopesSupported = scopesSupported;
    this.#staticTokens = staticTokens;
    const resource = new URL(verifier.settings.audience);
    this.#origin = resource.origin;
    this.#metadataUrl = metadataUrlOf(resource);
    const legacy = legacyResource === undefined ? undefined : new URL(legacyResource);
    this.#legacy = legacy && { resource: legacyResource!, path: `${METADATA_PATH}${legacy.pathname}`, metadataUrl: metadataUrlOf(legacy) };
  }

  /** True for a path this server's metadata is served at. */
  isMetadataPath(pathname: string, endpoints: string[]): boolean {
    // A server route (`/mcp/<server>`) takes the tokens of its endpoint: its metadata is the endpoint's.
    return pathname === METADATA_PATH || endpoints.some((endpoint) => pathname === METADATA_PATH + endpoint || pathname.startsWith(`${METADATA_PATH}${endpoint}/`));
  }

  /** The protected-resource metadata document (RFC 9728) served at `pathname`: the legacy SSE endpoint's at its own path. */
  metadata(pathname = METADATA_PATH): Record<string, unknown> {
    const { audience, issuer } = this.#verifier.settings;
    const legacy = this.#legacy && (pathname === this.#legacy.path || pathname.startsWith(`${this.#legacy.path}/`));
    const resource = legacy ? this.#legacy!.resource : audience;
    return { resource, authorization_servers: [issuer], scopes_supported: this.#scopesSupported(), bearer_methods_supported: ['header'], dpop_signing_alg_values_supported: DPOP_ALGORITHMS };
  }

  /** The verified token of a request, or the 401 that tells the client where to get one (`legacy`: a request to /sse or /messages). */
  async authenticate(req: IncomingMessage, legacy = false): Promise<VerifiedToken | 'static' | Refusal> {
    const metadataUrl = legacy && this.#legacy ? this.#legacy.metadataUrl : this.#metadataUrl;
    const header = req.headers.authorization;
    if (this.#staticTokens(header)) return 'static';
    const [, scheme, presented] = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(header ?? '') ?? [];
    let token = presented ? await this.#verifier.verify(presented, req.socket.remoteAddress) : undefined;
    // A token bound to a key (cnf.jkt) counts only as DPoP with a valid proof of that key, and an
    // unbound one only as a bearer token (RFC 9449 §7).
    const jkt = (token?.claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    const dpop = scheme?.toLowerCase() === 'dpop';
    if (token && (typeof jkt === 'string') !== dpop) token = undefined;
    if (token && typeof jkt === 'string' && !(await this.#proven(req, presented!, jkt))) token = undefined;
    if (!token) {
      // No detail beyond the error code: what was wrong with a token helps only an attacker.
      const error = header ? ', error="invalid_token"' : '';
      return {
        status: 401,
        message: header ? 'Invalid access token: get a new one from the authorization server' : 'Authorization required: get an access token from the authorization server this server names',
        headers: { 'WWW-Authenticate': `Bearer resource_metadata="${metadataUrl}"${this.#scopeParam(this.#verifier.settings.scopes)}${error}` },
      };
    }
    const missing = this.#verifier.settings.scopes.filter((scope) => !token.scopes.has(scope));
    if (missing.length > 0) return this.insufficientScope(this.#verifier.settings.scopes, legacy);
    markVerified(req, token, presented!);
    return token;
  }

  /** True when the request's DPoP proof shows the key `jkt` names, for this method and URL. */
  #proven(req: IncomingMessage, accessToken: string, jkt: string): Promise<boolean> {
    const proof = req.headers.dpop;
    return dpopProofValid(Array.isArray(proof) ? undefined : proof, { method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.#origin).href, accessToken, jkt });
  }

  /** The 403 for a token without `scopes`, so the client can ask for them (step-up). */
  insufficientScope(scopes: readonly string[], legacy = false): Refusal {
    const metadataUrl = legacy && this.#legacy ? this.#legacy.metadataUrl : this.#metadataUrl;
    return {
      status: 403,
      message: `Insufficient scope: this needs ${scopes.join(' ')}`,
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope"${this.#scopeParam(scopes)}, resource_metadata="${metadataUrl}"` },
    };
  }

  #scopeParam(scopes: readonly string[]): string {
    return scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : '';
  }
}

function metadataUrlOf(resource: URL): string {
  return `${resource.origin}${METADATA_PATH}${resource.pathname === '/' ? '' : resource.pathname}`;
}
