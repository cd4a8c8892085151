import { freePort, type OidcProvider, rawRequest, INITIALIZE_BODY, MCP_POST_HEADERS, runCall, runServe, startOidcProvider, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Token exchange (RFC 8693) to a remote upstream: another mcp-serve that takes only tokens of its
// own audience. The gateway trades each caller's token at the real oidc-provider for one of the
// upstream, so the upstream sees the user (and the gateway as the actor), never the caller's token.
const WHOAMI = `export const whoami = { kind: 'tool', name: 'whoami', description: 'the token this server was called with', handler: (_args, ctx) => JSON.stringify({ sub: ctx.auth?.sub, aud: ctx.auth?.aud, act: ctx.auth?.act, session: ctx.sessionId }) };`;

describe.each([
  { ttl: 300, reconnects: false },
  { ttl: 20, reconnects: true },
])('token exchange to a remote upstream (tokens of $ttl s)', ({ ttl, reconnects }) => {
  let oidc: OidcProvider;
  let upstream: ServeProcess;
  let gateway: ServeProcess;
  let upstreamAudience: string;
  let gatewayAudience: string;
  const tokens: Record<string, string> = {};
  const whoami = async (user: string) => {
    const called = await runCall(['--url', gatewayAudience, '--token', tokens[user]!, 'reports_whoami']);
    expect(called.code, called.stderr).toBe(0);
    return JSON.parse(called.stdout) as { sub: string; aud: string; act?: { sub?: string }; session: string };
  };

  beforeAll(async () => {
    oidc = await startOidcProvider(['mcp:tools'], { users: ['ada', 'grace'], accessTokenTtlSeconds: ttl });
    const [upstreamPort, gatewayPort] = [await freePort(), await freePort()];
    upstreamAudience = `http://127.0.0.1:${upstreamPort}/mcp`;
    gatewayAudience = `http://127.0.0.1:${gatewayPort}/mcp`;
    const upstreamDir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { name: 'reports', tools: './tools.mjs' };`, 'tools.mjs': WHOAMI });
    upstream = await startServe(['--port', String(upstreamPort), '--auth-issuer', oidc.issuer, '--auth-audience', upstreamAudience], { cwd: upstreamDir });
    const gatewayDir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { servers: { reports: {
        url: ${JSON.stringify(upstreamAudience)}, scope: 'user',
        tokenExchange: { clientId: ${JSON.stringify(oidc.exchanger.id)}, clientSecret: ${JSON.stringify(oidc.exchanger.secret)} },
      } } };`,
    });
    gateway = await startServe(['--port', String(gatewayPort), '--auth-issuer', oidc.issuer, '--auth-audience', gatewayAudience], { cwd: gatewayDir });
    for (const user of ['ada', 'grace']) tokens[user] = await oidc.token(gatewayAudience, 'mcp:tools', user);
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
    await oidc?.stop();
  });

  it("reaches the upstream with each caller's token exchanged for one of the upstream's", async () => {
    expect(await whoami('ada')).toMatchObject({ sub: 'ada', aud: upstreamAudience, act: { sub: oidc.exchanger.id } });
    expect(await whoami('grace')).toMatchObject({ sub: 'grace', aud: upstreamAudience, act: { sub: oidc.exchanger.id } });
  });

  it(reconnects ? 'connects again with a fresh token when the exchanged one is about to end' : "keeps a user's connection while the exchanged token lasts", async () => {
    const first = await whoami('ada');
    const second = await whoami('ada');
    expect(second).toMatchObject({ sub: 'ada', aud: upstreamAudience });
    if (reconnects) expect(second.session).not.toBe(first.session);
    else expect(second.session).toBe(first.session);
  });

  it("is needed: the upstream refuses the caller's own token, meant for the gateway", async () => {
    const direct = await rawRequest(upstreamAudience, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${tokens.ada!}` }, body: INITIALIZE_BODY });
    expect(direct.status).toBe(401);
  });

  it('refuses tokenExchange on a server that is not per user', async () => {
    const dir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { servers: { shared: { url: ${JSON.stringify(upstreamAudience)}, tokenExchange: { clientId: 'x', clientSecret: 'y' } } } };` });
    const refused = await runServe(['--port', '0', '--auth-issuer', oidc.issuer, '--auth-audience', 'http://127.0.0.1:1/mcp'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Server "shared": tokenExchange needs scope: "user" and OAuth on the gateway');
  });
});

describe('token passthrough to a remote upstream of the same audience', () => {
  it("reaches the upstream with the caller's own token, where the upstream takes the gateway's audience", async () => {
    const oidc = await startOidcProvider(['mcp:tools'], { users: ['ada'] });
    const [upstreamPort, gatewayPort] = [await freePort(), await freePort()];
    const audience = `http://127.0.0.1:${gatewayPort}/mcp`;
    // The upstream takes tokens of the gateway's audience: the caller's own token is valid there.
    const upstreamDir = await writeTempFiles({ 'mcp-serve.config.mjs': `export default { name: 'reports', tools: './tools.mjs' };`, 'tools.mjs': WHOAMI });
    const upstream = await startServe(['--port', String(upstreamPort), '--auth-issuer', oidc.issuer, '--auth-audience', audience], { cwd: upstreamDir });
    // The listing run has no user: it lists with a token of the server's own.
    const listing = await oidc.token(audience, 'mcp:tools');
    const gatewayDir = await writeTempFiles({
      'mcp-serve.config.mjs': `export default { servers: { reports: { url: 'http://127.0.0.1:${upstreamPort}/mcp', scope: 'user', tokenPassthrough: true, token: ${JSON.stringify(listing)} } } };`,
    });
    const gateway = await startServe(['--port', String(gatewayPort), '--auth-issuer', oidc.issuer, '--auth-audience', audience], { cwd: gatewayDir });
    try {
      const called = await runCall(['--url', audience, '--token', await oidc.token(audience, 'mcp:tools', 'ada'), 'reports_whoami']);
      expect(called.code, called.stderr).toBe(0);
      const seen = JSON.parse(called.stdout) as { sub: string; aud: string; act?: unknown };
      expect(seen).toMatchObject({ sub: 'ada', aud: audience });
      expect(seen.act).toBeUndefined();
    } finally {
      await gateway.stop();
      await upstream.stop();
      await oidc.stop();
    }
  });
});
