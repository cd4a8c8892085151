import { createHash, randomUUID } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';

import { dpopProofValid } from '../../src/auth/dpop-proof.ts';

const URL_ = 'https://mcp.example.com/mcp';

async function holder(accessToken: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk);
  const proof = (jti = randomUUID()) =>
    new SignJWT({ htm: 'POST', htu: URL_, ath: createHash('sha256').update(accessToken).digest('base64url'), jti })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setIssuedAt()
      .sign(privateKey);
  const check = async (value: string) => dpopProofValid(value, { method: 'POST', url: URL_, accessToken, jkt });
  return { proof, check };
}

describe('DPoP proofs', () => {
  it('accepts a proof once within its window, whatever other clients send', async () => {
    const victim = await holder('victim-token');
    const captured = await victim.proof();
    expect(await victim.check(captured)).toBe(true);
    expect(await victim.check(captured)).toBe(false);
    // Another legitimate client sends more than ten thousand proofs within the minute.
    const flooder = await holder('flooder-token');
    const results = await Promise.all(Array.from({ length: 10_050 }, async () => flooder.check(await flooder.proof())));
    expect(results.filter(Boolean).length).toBeGreaterThan(0);
    // The victim's captured proof is still refused: nothing the flooder sent made room by forgetting it.
    expect(await victim.check(captured)).toBe(false);
    // And the victim's fresh proofs still work: the flooder exhausted only its own share.
    expect(await victim.check(await victim.proof())).toBe(true);
  }, 120_000);
});
