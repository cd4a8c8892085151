// What OAuth costs mcp-serve per request: server CPU per call with a JWT access token (checked
// against the issuer's keys, then remembered) next to the same calls with a static --token, and
// the cost of one full signature check with jose (a token seen for the first time).
//
//   node scripts/bench/jwt-auth.mjs [--seconds 3] [--rounds 3]
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { median, pinSelf, startMcpServe } from './lib.mjs';
import { measureLoad } from './server-load.mjs';

const jose = await import(createRequire(new URL('../../packages/serve/package.json', import.meta.url)).resolve('jose'));
const AUDIENCE = 'https://bench.example/mcp';
const LOADS = [
  { name: '1×1', clients: 1, inFlight: 1 },
  { name: '16×8', clients: 16, inFlight: 8 },
];

/** A minimal authorization server: its RFC 8414 metadata and its key set, on a loopback port. */
async function startIssuer(publicJwk) {
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [publicJwk] }));
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, close: () => server.close() };
}

export async function measureJwtAuth({ seconds = 3, rounds = 3 } = {}) {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256');
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid: 'bench', alg: 'RS256' };
  const issuer = await startIssuer(publicJwk);
  const sign = () =>
    new jose.SignJWT({ scope: 'tools:read', client_id: 'bench' }).setProtectedHeader({ alg: 'RS256', kid: 'bench' }).setIssuer(issuer.issuer).setAudience(AUDIENCE).setSubject('bench').setIssuedAt().setExpirationTime('1h').sign(privateKey);
  const token = await sign();

  // One full check, as a token seen for the first time costs (the key set already fetched).
  const keys = jose.createLocalJWKSet({ keys: [publicJwk] });
  const fresh = await Promise.all(Array.from({ length: 2000 }, sign));
  const options = { issuer: issuer.issuer, audience: AUDIENCE, algorithms: ['RS256'] };
  for (const t of fresh.slice(0, 200)) await jose.jwtVerify(t, keys, options);
  const cpuBefore = process.cpuUsage();
  for (const t of fresh) await jose.jwtVerify(t, keys, options);
  const cpu = process.cpuUsage(cpuBefore);
  const fullCheckMs = (cpu.user + cpu.system) / 1000 / fresh.length;

  const results = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, args, headers] of [
      ['static --token', ['--token', 'bench-static-token'], { authorization: 'Bearer bench-static-token' }],
      ['OAuth JWT', ['--auth-issuer', issuer.issuer, '--auth-audience', AUDIENCE], { authorization: `Bearer ${token}` }],
    ]) {
      const server = await startMcpServe(args);
      for (const load of LOADS) (results[`${name}|${load.name}`] ??= []).push((await measureLoad(server, 'http', load, seconds, 0.5, headers)).cpuPerCallMs);
      await server.stop();
    }
  }
  issuer.close();
  return { fullCheckMs, rows: Object.entries(results).map(([key, list]) => ({ key, cpuPerCallMs: median(list) })) };
}

if (import.meta.url === `file://${process.argv[1]}` && !pinSelf()) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } } });
  const { fullCheckMs, rows } = await measureJwtAuth({ seconds: Number(values.seconds), rounds: Number(values.rounds) });
  console.log(`one full JWT check (jose, RS256, keys cached): ${fullCheckMs.toFixed(4)} ms CPU`);
  console.log('credential        load  server cpu/call (Streamable HTTP sessions)');
  for (const { key, cpuPerCallMs } of rows) {
    const [name, load] = key.split('|');
    console.log(`${name.padEnd(17)} ${load.padEnd(5)} ${cpuPerCallMs.toFixed(4)} ms`);
  }
}
