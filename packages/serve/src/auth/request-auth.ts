import type { IncomingMessage } from 'node:http';

import type { VerifiedToken } from './token-verifier.ts';

/** The verified token of each request that carried one (kept off the request object itself). */
const verified = new WeakMap<IncomingMessage, VerifiedToken>();

/** Records that a request's access token passed every check. */
export function markVerified(req: IncomingMessage, token: VerifiedToken): void {
  verified.set(req, token);
}

/** The request's verified access token, if it had one. */
export function verifiedTokenOf(req: IncomingMessage): VerifiedToken | undefined {
  return verified.get(req);
}

/** The claims a handler sees as `ctx.auth`. */
export function claimsOf(req: IncomingMessage): Readonly<Record<string, unknown>> | undefined {
  return verified.get(req)?.claims;
}
