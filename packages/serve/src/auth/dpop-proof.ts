import { createHash } from 'node:crypto';

/** How far a proof's `iat` may be from now (RFC 9449 §11.1: a short window). */
const PROOF_WINDOW_S = 60;
/**
 * Proof ids are remembered per key for twice the window (a proof's `iat` may lead the clock by a
 * window), so a captured proof cannot be played again. An id still inside that time is never
 * forgotten to make room: a key that sends more proofs than its share is refused instead, and so
 * is every new proof once all keys together hold the total, so what one client sends can never
 * make another's captured proof valid again.
 */
const MAX_PER_KEY = 1_000;
const MAX_SEEN = 100_000;
const REMEMBER_S = 2 * PROOF_WINDOW_S;
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'];

/** Algorithms this server checks DPoP proofs with (its resource metadata lists them). */
export const DPOP_ALGORITHMS = ALGORITHMS;

/** Per key thumbprint: proof id → when it was accepted (insertion order is age order). */
const seen = new Map<string, Map<string, number>>();
let remembered = 0;

/**
 * Checks a DPoP proof (RFC 9449 §4.3, §7) for a request with a DPoP-bound access token: a JWT of
 * type `dpop+jwt` signed by the key in its header, whose thumbprint is the token's `cnf.jkt`, for
 * this method and URL, issued within a minute, bound to this token (`ath`), never seen before.
 */
export async function dpopProofValid(proof: string | undefined, request: { method: string; url: string; accessToken: string; jkt: string }): Promise<boolean> {
  if (!proof) return false;
  const { jwtVerify, EmbeddedJWK, calculateJwkThumbprint } = await import('jose');
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ALGORITHMS });
    if (!protectedHeader.jwk || (await calculateJwkThumbprint(protectedHeader.jwk)) !== request.jkt) return false;
    const now = Date.now() / 1000;
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_WINDOW_S) return false;
    if (payload.htm !== request.method || typeof payload.htu !== 'string' || stripQuery(payload.htu) !== stripQuery(request.url)) return false;
    if (payload.ath !== createHash('sha256').update(request.accessToken).digest('base64url')) return false;
    if (typeof payload.jti !== 'string') return false;
    return remember(request.jkt, payload.jti, now);
  } catch {
    return false;
  }
}

/** Records a proof id; false when it was seen, or when there is no room without forgetting one still live. */
function remember(jkt: string, jti: string, now: number): boolean {
  let ids = seen.get(jkt);
  if (ids?.has(jti)) return false;
  if (ids) forgetExpired(jkt, ids, now);
  if ((ids?.size ?? 0) >= MAX_PER_KEY) return false;
  if (remembered >= MAX_SEEN) for (const [key, others] of seen) forgetExpired(key, others, now);
  if (remembered >= MAX_SEEN) return false;
  if (!ids || !seen.has(jkt)) seen.set(jkt, (ids = new Map()));
  ids.set(jti, now);
  remembered++;
  return true;
}

function forgetExpired(jkt: string, ids: Map<string, number>, now: number): void {
  for (const [jti, at] of ids) {
    if (at >= now - REMEMBER_S) break;
    ids.delete(jti);
    remembered--;
  }
  if (ids.size === 0) seen.delete(jkt);
}

function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
