import { createHash, type webcrypto } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

import type * as SdkClient from '@modelcontextprotocol/client';
import type { DpopKeyPair, DpopSession } from '@modelcontextprotocol/client';

import type { RequestSigner } from '../../client/http-request.ts';
import { keptToken, type StoredLogin } from './token-store.ts';

type JsonWebKey = webcrypto.JsonWebKey;

/** A DPoP key as it is kept with a login (0600), so a bound token works in the next run too. */
export interface StoredDpopKey {
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  alg: 'ES256';
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A new key pair for DPoP proofs, and its form to keep. */
export async function newDpopKey(sdk: typeof SdkClient): Promise<{ keyPair: DpopKeyPair; stored: StoredDpopKey }> {
  const keyPair = await sdk.generateDpopKeyPair({ alg: 'ES256', extractable: true });
  const privateJwk = await crypto.subtle.exportKey('jwk', keyPair.privateKey);
  return { keyPair, stored: { privateJwk, publicJwk: keyPair.publicJwk as JsonWebKey, alg: 'ES256' } };
}

/** The key pair of a kept DPoP key. */
export async function loadDpopKey(stored: StoredDpopKey): Promise<DpopKeyPair> {
  const { kty, crv, x, y } = stored.publicJwk;
  return {
    privateKey: await crypto.subtle.importKey('jwk', stored.privateJwk, ALGORITHM, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', stored.publicJwk, ALGORITHM, true, ['verify']),
    publicJwk: { kty, crv, x, y } as DpopKeyPair['publicJwk'],
    // RFC 7638: the SHA-256 of the required members, in lexical order.
    thumbprint: createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url'),
    alg: stored.alg,
  };
}

/**
 * Signs every request with a DPoP-bound token (RFC 9449): `Authorization: DPoP <token>` and a
 * fresh proof for the method and URL; a resource server's nonce is remembered, and a
 * `use_dpop_nonce` challenge answered once.
 */
export function dpopSigner(session: DpopSession, accessToken: string): RequestSigner {
  return {
    async headers(method: string, url: URL, headers: OutgoingHttpHeaders): Promise<OutgoingHttpHeaders> {
      const proof = await session.buildProof({ htm: method, htu: url, accessToken });
      const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
      return { ...rest, authorization: `DPoP ${accessToken}`, dpop: proof };
    },
    observe(res: IncomingMessage, url: URL): boolean {
      const nonce = res.headers['dpop-nonce'];
      if (typeof nonce !== 'string') return false;
      session.rememberNonce(url, nonce);
      return res.statusCode === 401 && /use_dpop_nonce/.test(String(res.headers['www-authenticate'] ?? ''));
    },
  };
}

/**
 * Signs this process's requests (through `useRequestSigner`, handed in so this lazily loaded
 * module shares no code with the start-up path) with a login's DPoP-bound token and its key.
 * @returns false when the login holds no such token and key.
 */
export async function signWithLogin(login: StoredLogin | undefined, useRequestSigner: (signer: RequestSigner | undefined) => void): Promise<boolean> {
  useRequestSigner(undefined);
  const kept = keptToken(login);
  if (!kept?.dpop) return false;
  const { DpopSession } = await import('@modelcontextprotocol/client');
  useRequestSigner(dpopSigner(await DpopSession.create({ keyPair: await loadDpopKey(login!.dpopKey!) }), kept.token));
  return true;
}
