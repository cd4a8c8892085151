import type { IncomingMessage } from 'node:http';

import type { VerifiedToken } from './token-verifier.ts';

/** The verified token of each request that carried one (kept off the request object itself). */
const verified = new WeakMap<IncomingMessage, VerifiedToken>();

/**
 * The token as presented, by its claims object (the one handlers see as `ctx.auth`): a gateway
 * exchanges it for its upstream (RFC 8693). Kept off the claims, where modules would see it.
 */
const presented = new WeakMap<object, string>();

/** Records that a request's access token (`token`, as presented) passed every check. */
export function markVerified(req: IncomingMessage, verifiedToken: VerifiedToken, token: string): void {
  verified.set(req, verifiedToken);
  presented.set(verifiedToken.claims, token);
}

/** The access token a request presented, by the claims `ctx.auth` holds; undefined for other claims. */
export function presentedTokenOf(claims: object | undefined): string | undefined {
  return claims && presented.get(claims);
}

/** The request's verified access token, if it had one. */
export function verifiedTokenOf(req: IncomingMessage): VerifiedToken | undefined {
  return verified.get(req);
}

/** The claims a handler sees as `ctx.auth`. */
export function claimsOf(req: IncomingMessage): Readonly<Record<string, unknown>> | undefined {
  return verified.get(req)?.claims;
}
