import { createHash } from 'node:crypto';

import { ConfigError, readResponseText } from '@mcp-cli/core';

import { basicAuthorization } from './issuer-request.ts';
import type { JWTPayload } from 'jose';
import { RateLimiterMemory } from 'rate-limiter-flexible';

import type { Logger } from '../logger.ts';

/** What `auth` in the config says: the authorization server whose tokens this server takes. */
export interface AuthSettings {
  issuer: string;
  /** This resource as the tokens name it in `aud` (RFC 8707 resource indicator). */
  audience: string;
  /** Where the issuer's signing keys are; found from its metadata when not given. */
  jwksUri: string | undefined;
  /** Scopes every request needs. */
  scopes: string[];
  /** For opaque tokens: the issuer's introspection endpoint (RFC 7662) and this server's credentials there. */
  introspection: { url: string; clientId: string; clientSecret: string } | undefined;
  /** The client the status page logs in as; undefined: it registers one (dynamic registration). */
  pageClientId?: string | undefined;
}

/** A token that passed every check. */
export interface VerifiedToken {
  claims: Readonly<Record<string, unknown>>;
  scopes: ReadonlySet<string>;
  /** Who it was issued to, stable across refreshed tokens: sessions and tasks are bound to it. */
  principal: string;
  /** Epoch seconds after which it is no longer valid. */
  expiresAt: number;
}

/** Signature algorithms accepted: asymmetric only, so `none` and HMAC tricks are refused. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Verified tokens remembered, so a client's repeated token costs a map lookup, not a signature check. */
const MAX_CACHED = 10_000;
/** How long an introspection answer is trusted. */
const INTROSPECTION_CACHE_MS = 30_000;
const CLOCK_TOLERANCE_S = 5;
const FETCH_TIMEOUT_MS = 5_000;
/** A refused token is refused again from memory for this long: junk costs no second check. */
const REFUSAL_CACHE_MS = 30_000;
/** The largest introspection answer read; a bigger one is a failed introspection. */
const MAX_INTROSPECTION_BYTES = 64 * 1024;
/**
 * Introspection POSTs (each carries this server's secret to the issuer) that unknown tokens may
 * cause: per client address, and in all. Known tokens are answered from the cache and cost none.
 */
const INTROSPECTIONS_PER_CLIENT = { points: 20, duration: 10 };
const INTROSPECTIONS_IN_ALL = { points: 200, duration: 10 };

/**
 * Checks access tokens for the resource server: JWTs against the issuer's published keys (with
 * jose: signature, `iss`, `aud`, `exp`, `nbf`; the key set cached and fetched again for an unknown
 * `kid`), opaque tokens by introspection. A refusal never says why beyond `invalid_token`.
 */
export class TokenVerifier {
  readonly settings: AuthSettings;
  readonly #verify: (token: string) => Promise<JWTPayload>;
  readonly #cache = new Map<string, VerifiedToken>();
  /** Digests of refused tokens → until when the refusal stands. */
  readonly #refused = new Map<string, number>();
  readonly #perClient = new RateLimiterMemory(INTROSPECTIONS_PER_CLIENT);
  readonly #inAll = new RateLimiterMemory(INTROSPECTIONS_IN_ALL);
  readonly #logger: Logger;

  /** Besides `settings.audience`: the legacy SSE endpoint's URL, a resource of this server too. */
  readonly #audiences: string[];

  private constructor(settings: AuthSettings, verify: (token: string) => Promise<JWTPayload>, logger: Logger, otherAudiences: string[]) {
    this.settings = settings;
    this.#audiences = [settings.audience, ...otherAudiences];
    this.#verify = verify;
    this.#logger = logger;
  }

  /**
   * Reads the issuer's metadata (RFC 8414, else OpenID Connect discovery), checks that it names
   * the configured issuer, and prepares its key set.
   * @throws ConfigError when the issuer cannot be reached or describes another issuer.
   */
  static async create(settings: AuthSettings, logger: Logger, otherAudiences: string[] = []): Promise<TokenVerifier> {
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    let jwksUri = settings.jwksUri;
    if (!jwksUri) {
      const metadata = await issuerMetadata(settings.issuer);
      if (typeof metadata.jwks_uri !== 'string') throw new ConfigError(`The issuer ${settings.issuer} publishes no jwks_uri: set auth.jwksUri`, 'E_AUTH_CONFIG');
      jwksUri = metadata.jwks_uri;
    }
    const keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    const verify = async (token: string): Promise<JWTPayload> =>
      (await jwtVerify(token, keys, { issuer: settings.issuer, audience: [settings.audience, ...otherAudiences], algorithms: ALGORITHMS, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp'] })).payload;
    return new TokenVerifier({ ...settings, jwksUri }, verify, logger, otherAudiences);
  }

  /** The verified token, or undefined for any token that fails a check; `client` is the caller's address. */
  async verify(token: string, client = 'unknown'): Promise<VerifiedToken | undefined> {
    const now = Date.now() / 1000;
    const cached = this.#cache.get(token);
    if (cached && cached.expiresAt > now) return cached;
    if (cached) this.#cache.delete(token);
    const key = digest(token);
    if ((this.#refused.get(key) ?? 0) > Date.now()) return undefined;
    const verified = isJwt(token) ? await this.#verifyJwt(token) : await this.#introspect(token, client);
    if (verified === 'not-asked') return undefined;
    if (!verified) {
      if (this.#refused.size >= MAX_CACHED) this.#refused.delete(this.#refused.keys().next().value!);
      this.#refused.delete(key);
      this.#refused.set(key, Date.now() + REFUSAL_CACHE_MS);
      return undefined;
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(token, verified);
    return verified;
  }

  async #verifyJwt(token: string): Promise<VerifiedToken | undefined> {
    try {
      return toVerified(await this.#verify(token), token);
    } catch (error) {
      this.#logger.debug('refused an access token', { reason: (error as { code?: string }).code ?? (error as Error).message });
      return undefined;
    }
  }

  /** Asks the issuer about an opaque token; 'not-asked' when the client is over its allowance (not cached as a refusal). */
  async #introspect(token: string, client: string): Promise<VerifiedToken | undefined | 'not-asked'> {
    const introspection = this.settings.introspection;
    if (!introspection) return undefined;
    const allowed = await this.#perClient.consume(client).then(() => this.#inAll.consume('all')).then(() => true, () => false);
    if (!allowed) {
      this.#logger.debug('token introspection skipped: too many unknown tokens', { client });
      return 'not-asked';
    }
    let answer: Record<string, unknown>;
    try {
      const response = await fetch(introspection.url, {
        method: 'POST',
        headers: { authorization: basicAuthorization(introspection.clientId, introspection.clientSecret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      answer = JSON.parse(await readResponseText(response, MAX_INTROSPECTION_BYTES)) as Record<string, unknown>;
    } catch (error) {
      this.#logger.warn('token introspection failed', { error: (error as Error).message });
      return undefined;
    }
    const now = Date.now() / 1000;
    const audiences = Array.isArray(answer.aud) ? answer.aud : [answer.aud];
    if (answer.active !== true || answer.iss !== this.settings.issuer || !audiences.some((audience) => this.#audiences.includes(String(audience)))) return undefined;
    if (typeof answer.exp === 'number' && answer.exp <= now - CLOCK_TOLERANCE_S) return undefined;
    if (typeof answer.nbf === 'number' && answer.nbf > now + CLOCK_TOLERANCE_S) return undefined;
    const verified = toVerified(answer, token);
    // An opaque token is asked about again soon: it may have been revoked.
    return { ...verified, expiresAt: Math.min(verified.expiresAt, now + INTROSPECTION_CACHE_MS / 1000) };
  }
}

/**
 * Who a token speaks for, stable across refreshed tokens: its subject, else its client. A subject
 * and a client of the same name are different principals, and a token that names neither is a
 * principal of its own (it cannot reach what another token made).
 */
function principalOf(claims: Record<string, unknown>, token: string): string {
  const { sub, client_id: clientId } = claims;
  const who = typeof sub === 'string' && sub !== '' ? `sub\u0000${sub}` : typeof clientId === 'string' && clientId !== '' ? `client\u0000${clientId}` : `token\u0000${digest(token)}`;
  return createHash('sha256').update(`${String(claims.iss)}\u0000${who}`).digest('base64');
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

function isJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function toVerified(claims: Record<string, unknown>, token: string): VerifiedToken {
  const scope = claims.scope ?? claims.scp;
  const scopes = new Set(typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scope) ? scope.map(String) : []);
  return {
    claims: Object.freeze({ ...claims }),
    scopes,
    principal: principalOf(claims, token),
    expiresAt: typeof claims.exp === 'number' ? claims.exp : Date.now() / 1000 + INTROSPECTION_CACHE_MS / 1000,
  };
}

/** Each issuer's metadata, read once per process: the verifier, the page's login and token exchange share it. */
const metadataOf = new Map<string, Promise<Record<string, unknown>>>();

/** The issuer's metadata, read once (again after a failure). */
export function issuerMetadata(issuer: string): Promise<Record<string, unknown>> {
  let metadata = metadataOf.get(issuer);
  if (!metadata) {
    metadata = readIssuerMetadata(issuer);
    metadataOf.set(issuer, metadata);
    metadata.catch(() => metadataOf.delete(issuer));
  }
  return metadata;
}

/** The issuer's metadata: RFC 8414's well-known document, else OpenID Connect discovery's. */
async function readIssuerMetadata(issuer: string): Promise<Record<string, unknown>> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const candidates = [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      const response = await fetch(candidate, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) {
        problems.push(`${candidate}: HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as Record<string, unknown>;
      if (metadata.issuer !== issuer) throw new ConfigError(`The metadata at ${candidate} names the issuer "${String(metadata.issuer)}", not "${issuer}": fix auth.issuer`, 'E_AUTH_CONFIG');
      return metadata;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new ConfigError(`Cannot read the metadata of the issuer ${issuer} (${problems.join('; ')}): check auth.issuer and that it is reachable`, 'E_AUTH_CONFIG');
}
