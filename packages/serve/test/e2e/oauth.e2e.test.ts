import { freePort, INITIALIZE_BODY, MCP_POST_HEADERS, type OidcProvider, runCall, runServe, startOidcProvider, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { type CryptoKey, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// mcp-serve as an OAuth resource server, with a real OpenID Provider (oidc-provider from npm)
// issuing the tokens: JWTs checked against its published keys, opaque tokens by introspection.
const TOOLS = `
export const whoami = { name: 'whoami', description: 'Who the token says the caller is', handler: (_args, ctx) => JSON.stringify({ client: ctx.auth?.client_id, scope: ctx.auth?.scope }) };
export const writeFile = { name: 'write_file', description: 'Needs files:write', scopes: ['files:write'], handler: () => 'written' };
`;

describe('mcp-serve protected by OAuth 2.1 (oidc-provider as the authorization server)', () => {
  let provider: OidcProvider;
  let server: ServeProcess;
  let mcp: string;
  let opaqueServer: ServeProcess;
  let opaqueMcp: string;

  const post = (url: string, token: string | undefined, body = INITIALIZE_BODY) =>
    fetch(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body });
  const forge = (claims: Record<string, unknown>, options: { kid?: string; key?: CryptoKey; expiresIn?: string | number; notBefore?: string | number } = {}) =>
    new SignJWT({ scope: 'tools:read', client_id: 'forger', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? provider.kid, typ: 'at+jwt' })
      .setIssuer(String(claims.iss ?? provider.issuer))
      .setAudience(String(claims.aud ?? mcp))
      .setSubject('forger')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .setNotBefore(options.notBefore ?? '0s')
      .sign(options.key ?? provider.signingKey);

  beforeAll(async () => {
    provider = await startOidcProvider(['tools:read', 'files:write']);
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };` });
    const port = await freePort();
    mcp = `http://127.0.0.1:${port}/mcp`;
    server = await startServe(['--port', String(port), '--auth-issuer', provider.issuer, '--auth-audience', mcp, '--token', 'static-token-for-scripts'], { cwd: dir });
    const opaquePort = await freePort();
    opaqueMcp = `http://127.0.0.1:${opaquePort}/opaque/mcp`;
    const opaqueDir = await writeTempFiles({
      'tools.mjs': TOOLS,
      'mcp-serve.config.json': JSON.stringify({
        tools: './tools.mjs',
        paths: { mcp: '/opaque/mcp' },
        auth: { issuer: provider.issuer, audience: opaqueMcp, introspection: { url: provider.introspectionUrl, clientId: provider.introspector.id, clientSecret: provider.introspector.secret } },
      }),
    });
    opaqueServer = await startServe(['--port', String(opaquePort), '--config', 'mcp-serve.config.json'], { cwd: opaqueDir });
  });
  afterAll(async () => {
    await server?.stop();
    await opaqueServer?.stop();
    await provider?.stop();
  });

  it('publishes its protected-resource metadata, and answers 401 with a challenge that points to it', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const metadata = (await (await fetch(new URL(path, mcp))).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({ resource: mcp, authorization_servers: [provider.issuer], scopes_supported: ['files:write'], bearer_methods_supported: ['header'] });
      expect(metadata.dpop_signing_alg_values_supported as string[]).toContain('ES256');
    }
    const refused = await post(mcp, undefined);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', mcp).href}"`);
  });

  it('takes a real access token, shows its claims to handlers as ctx.auth, and keeps static tokens working', async () => {
    const token = await provider.token(mcp, 'tools:read');
    const called = await runCall(['--url', mcp, '--token', token, 'whoami']);
    expect(called.stderr).toBe('');
    expect(JSON.parse(called.stdout)).toEqual({ client: 'mcp-tests', scope: 'tools:read' });
    expect((await runCall(['--url', mcp, '--token', 'static-token-for-scripts', 'whoami'])).stdout).toBe('{}\n');
  });

  it('answers 403 insufficient_scope for a tool whose scopes the token lacks, so the client can step up', async () => {
    const reader = await provider.token(mcp, 'tools:read');
    const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'write_file', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } } } });
    const refused = await fetch(mcp, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${reader}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'write_file' }, body: call });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="files:write", resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', mcp).href}"`);
    const writer = await provider.token(mcp, 'tools:read files:write');
    expect((await runCall(['--url', mcp, '--token', writer, 'write_file'])).stdout).toBe('written\n');
  });

  it('keeps a session across a refreshed token of the same client', async () => {
    const first = await post(mcp, await provider.token(mcp, 'tools:read'));
    const sessionId = first.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const next = await fetch(mcp, { method: 'POST', headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18', authorization: `Bearer ${await provider.token(mcp, 'tools:read')}` }, body: list });
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('whoami');
  });

  it('refuses every kind of bad token with 401 invalid_token and nothing more', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: provider.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: provider.issuer, aud: mcp, sub: 'x', scope: 'tools:read', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
    const bad: Record<string, string> = {
      expired: await forge({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      'not yet valid': await forge({}, { notBefore: '10m' }),
      'wrong audience': await forge({ aud: 'http://127.0.0.1:1/other' }),
      'wrong issuer': await forge({ iss: 'http://127.0.0.1:1' }),
      'bad signature': await forge({}, { key: otherKey }),
      'alg none': `${header('none')}.${payload}.`,
      'unknown kid': await forge({}, { kid: 'no-such-key' }),
      'not a token': 'garbage',
      'DPoP-bound, shown as a bearer token': await forge({ cnf: { jkt: 'some-key-thumbprint' } }),
    };
    for (const [kind, token] of Object.entries(bad)) {
      const refused = await post(mcp, token);
      expect(refused.status, kind).toBe(401);
      expect(refused.headers.get('www-authenticate'), kind).toBe(`Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', mcp).href}", error="invalid_token"`);
      expect(await refused.text(), kind).toContain('Invalid access token');
    }
    // The same forging, done right, is taken: the refusals above are the checks, not the forging.
    expect((await post(mcp, await forge({}))).status).toBe(200);
  });

  it('checks opaque tokens by introspection', async () => {
    const token = await provider.token(opaqueMcp, 'tools:read');
    expect(token.split('.')).toHaveLength(1);
    expect(JSON.parse((await runCall(['--url', opaqueMcp, '--token', token, 'whoami'])).stdout)).toEqual({ client: 'mcp-tests', scope: 'tools:read' });
    expect((await post(opaqueMcp, 'an-opaque-token-the-issuer-never-gave')).status).toBe(401);
    // A JWT for the other resource is not for this one.
    expect((await post(opaqueMcp, await provider.token(mcp, 'tools:read'))).status).toBe(401);
  });

  it('fails at start-up with one clear line when the issuer cannot be read', async () => {
    const dir = await writeTempFiles({ 'tools.mjs': TOOLS, 'mcp-serve.config.mjs': `export default { tools: './tools.mjs' };` });
    const failed = await runServeOnce(['--auth-issuer', 'http://127.0.0.1:9/issuer', '--auth-audience', 'http://127.0.0.1:8000/mcp'], dir);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/^mcp-serve: Cannot read the metadata of the issuer http:\/\/127\.0\.0\.1:9\/issuer \(.*\): check auth\.issuer and that it is reachable\n$/);
    const half = await runServeOnce(['--auth-issuer', provider.issuer], dir);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('OAuth needs both the issuer and the audience');
  });
});

function runServeOnce(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return runServe(['--port', '0', ...args], { cwd, timeoutMs: 20_000 });
}
