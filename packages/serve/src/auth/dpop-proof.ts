import { createHash } from 'node:crypto';

/** How far a proof's `iat` may be from now (RFC 9449 §11.1: a short window). */
const PROOF_WINDOW_S = 60;
/** Proof ids seen within the window, so a captured proof cannot be played again. */
const MAX_SEEN = 10_000;
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'];

/** Algorithms this server checks DPoP proofs with (its resource metadata lists them). */
export const DPOP_ALGORITHMS = ALGORITHMS;

const seen = new Map<string, number>();

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
    if (typeof payload.jti !== 'string' || seen.has(payload.jti)) return false;
    // Insertion order is age order: forgetting stops at the first id still inside the window.
    for (const [jti, at] of seen) {
      if (at >= now - PROOF_WINDOW_S && seen.size < MAX_SEEN) break;
      seen.delete(jti);
    }
    seen.set(payload.jti, now);
    return true;
  } catch {
    return false;
  }
}

function stripQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
