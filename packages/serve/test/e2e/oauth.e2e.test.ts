import { freePort, INITIALIZE_BODY, MCP_POST_HEADERS, type OidcProvider, runCall, runServe, startOidcProvider, startServe, type ServeProcess, writeTempFiles } from '@mcp-cli/test-utils';
import { type CryptoKey, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// mcp-serve as an OAuth resource server, with a real OpenID Provider (oidc-provider from npm)
// issuing the tokens: JWTs checked against its published keys, opaque tokens by introspection.
const TOOLS = `
export const whoami = { name: 'whoami', description: 'Who the token says the caller is', handler: (_args, ctx) => JSON.stringify({ client: ctx.auth?.client_id, scope: ctx.auth?.scope }) };
export const writeFile = { name: 'write_file', description: 'Needs files:write', scopes: ['files:write'], handler: () => 'written' };
export const secretFile = { kind: 'resourceTemplate', uriTemplate: 'secret://files/{name}', name: 'secret-file', scopes: ['files:write'], read: (_url, { name }) => 'secret ' + name, complete: { name: () => ['passwords'] } };
export const secretNote = { kind: 'resource', uri: 'secret://note', name: 'secret-note', scopes: ['files:write'], text: 'the note', cache: { ttlMs: 60000, scope: 'public' } };
export const secretPrompt = { kind: 'prompt', name: 'secret_prompt', scopes: ['files:write'], arguments: [{ name: 'topic' }], get: () => 'hi', complete: { topic: () => ['the secret topic'] } };
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

  it('checks the scopes of every way to a guarded thing: templates, subscriptions, completions, over each endpoint', async () => {
    const reader = await provider.token(mcp, 'tools:read');
    const modern = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } };
    const requests: [string, Record<string, unknown>][] = [
      ['resources/read', { uri: 'secret://files/passwords' }],
      ['resources/read', { uri: 'secret://note' }],
      ['resources/subscribe', { uri: 'secret://files/passwords' }],
      ['resources/subscribe', { uri: 'secret://note' }],
      ['completion/complete', { ref: { type: 'ref/prompt', name: 'secret_prompt' }, argument: { name: 'topic', value: '' } }],
      ['completion/complete', { ref: { type: 'ref/resource', uri: 'secret://files/{name}' }, argument: { name: 'name', value: '' } }],
      ['subscriptions/listen', { notifications: { resourceSubscriptions: ['secret://files/passwords'] } }],
    ];
    const sseBase = mcp.replace(/\/mcp$/, '');
    for (const [method, params] of requests) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method, params: { ...params, _meta: modern } });
      const viaMcp = await fetch(mcp, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${reader}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method }, body });
      expect(viaMcp.status, `${method} ${JSON.stringify(params)}: ${await viaMcp.text()}`).toBe(403);
      expect(viaMcp.headers.get('www-authenticate')).toMatch(/insufficient_scope", scope="files:write"/);
      const viaSse = await fetch(`${sseBase}/messages?sessionId=none`, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${reader}` }, body });
      expect(viaSse.status, `${method} over /messages`).toBe(403);
    }
    const writer = await provider.token(mcp, 'tools:read files:write');
    expect((await runCall(['--url', mcp, '--token', writer, 'read', 'secret://files/passwords'])).stdout).toBe('secret passwords\n');
    // Answers that needed a token are that client's: never cacheScope "public", even where a definition says so.
    for (const [method, params] of [['tools/list', {}], ['resources/read', { uri: 'secret://note' }]] as const) {
      const answer = await fetch(mcp, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${writer}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...('uri' in params ? { 'mcp-name': params.uri } : {}) }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method, params: { ...params, _meta: modern } }) });
      expect(((await answer.json()) as { result: Record<string, unknown> }).result, method).toMatchObject({ cacheScope: 'private' });
    }
  });

  it('keeps a subject and a client of the same name apart, and a token that names neither to itself', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ scope: 'tools:read', ...claims }).setProtectedHeader({ alg: 'RS256', kid: provider.kid, typ: 'at+jwt' }).setIssuer(provider.issuer).setAudience(mcp).setIssuedAt().setExpirationTime('5m').sign(provider.signingKey);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const reuse = async (owner: string, other: string) => {
      const sessionId = (await post(mcp, owner)).headers.get('mcp-session-id')!;
      const headers = { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
      expect((await fetch(mcp, { method: 'POST', headers: { ...headers, authorization: `Bearer ${owner}` }, body: list })).status).toBe(200);
      return (await fetch(mcp, { method: 'POST', headers: { ...headers, authorization: `Bearer ${other}` }, body: list })).status;
    };
    expect(await reuse(await sign({ sub: 'alice' }), await sign({ client_id: 'alice' }))).toBe(404);
    expect(await reuse(await sign({ client_id: 'alice' }), await sign({ sub: 'alice' }))).toBe(404);
    expect(await reuse(await sign({ jti: 'one' }), await sign({ jti: 'two' }))).toBe(404);
    // The same subject with a refreshed token keeps its session.
    expect(await reuse(await sign({ sub: 'alice', jti: 'a' }), await sign({ sub: 'alice', jti: 'b' }))).toBe(200);
  });

  it('bounds what unknown opaque tokens cost: refusals are remembered, introspections limited, answers capped', async () => {
    const { createServer } = await import('node:http');
    let posts = 0;
    // In front of the issuer's introspection endpoint: counts the POSTs, and answers one token without end.
    const counter = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts++;
        const body = Buffer.concat(chunks);
        if (new URLSearchParams(body.toString()).get('token') === 'endless-answer') {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(1024 * 1024, 0x20);
          const pump = (): void => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        fetch(provider.introspectionUrl, { method: 'POST', headers: { authorization: req.headers.authorization!, 'content-type': req.headers['content-type']! }, body }).then(
          async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()),
          () => res.writeHead(502).end(),
        );
      });
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/opaque/mcp`;
    const dir = await writeTempFiles({
      'tools.mjs': TOOLS,
      'mcp-serve.config.json': JSON.stringify({ tools: './tools.mjs', paths: { mcp: '/opaque/mcp' }, auth: { issuer: provider.issuer, audience: url, introspection: { url: `http://127.0.0.1:${(counter.address() as { port: number }).port}/`, clientId: provider.introspector.id, clientSecret: provider.introspector.secret } } }),
    });
    const guarded = await startServe(['--port', String(port), '--config', 'mcp-serve.config.json'], { cwd: dir });
    try {
      const good = await provider.token(url, 'tools:read');
      expect((await post(url, good)).status).toBe(200);
      // An answer without end is cut at its cap: the token is refused, the server lives on.
      expect((await post(url, 'endless-answer')).status).toBe(401);
      posts = 0;
      // The same junk token again and again: asked about once.
      for (let i = 0; i < 50; i++) expect((await post(url, 'the-same-junk')).status).toBe(401);
      expect(posts).toBe(1);
      // 500 different junk tokens from one client: a bounded number of POSTs with the server's secret.
      const statuses: number[] = [];
      for (let batch = 0; batch < 10; batch++) statuses.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => post(url, `junk-${batch}-${i}`).then((r) => r.status)))));
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(posts).toBeLessThanOrEqual(21);
      // A known token is still served from memory.
      expect((await post(url, good)).status).toBe(200);
    } finally {
      counter.closeAllConnections();
      counter.close();
      await guarded.stop();
    }
  }, 60_000);

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
