import { existsSync } from 'node:fs';

import { freePort, type OidcProvider, rawRequest, REPO_ROOT, startOidcProvider, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { decodeJwt } from 'jose';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The status page's own OAuth login, in headless Chromium against oidc-provider: the server
// registers the page as a client, sends the browser to the provider's login and consent pages,
// trades the code for a token itself and hands it to the page, which then lists the tools.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const CONFORMANCE = `${REPO_ROOT}examples/conformance`;

describe.skipIf(!CHROMIUM && process.env.CI === undefined)('the status page OAuth login', () => {
  let oidc: OidcProvider;
  let server: ServeProcess;
  let audience: string;
  let browser: Browser;

  beforeAll(async () => {
    expect(CHROMIUM, 'chromium is not installed (apt-get install chromium)').toBeDefined();
    oidc = await startOidcProvider(['mcp:tools']);
    const port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    server = await startServe(['--port', String(port), '--auth-issuer', oidc.issuer, '--auth-audience', audience, '--auth-scope', 'mcp:tools'], { cwd: CONFORMANCE });
    browser = await chromium.launch({ executablePath: CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await oidc?.stop();
  });

  // Loopback only: the provider's pages ask for web fonts, which stay unloaded.
  const loopbackPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.route('**/*', (route) => (/^http:\/\/127\.0\.0\.1:\d+\//.test(route.request().url()) ? route.continue() : route.abort()));
    return page;
  };
  // On oidc-provider's login and consent pages, then back on the status page with its tools.
  const signInAndApprove = async (page: Page, user: string): Promise<void> => {
    await page.fill('input[name=login]', user);
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.waitForSelector('button[autofocus]', { timeout: 15_000 });
    await page.click('button[autofocus]');
    await page.locator('[data-tool="test_simple_text"]').waitFor({ timeout: 15_000 });
  };

  it('logs in at the authorization server and lists the tools with the token it brings back', async () => {
    const page = await loopbackPage();
    await page.goto(`${server.url}/`);
    await page.locator('#oauth-login').waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);
    await page.click('#oauth-login');
    await page.waitForURL((url) => url.href.startsWith(oidc.issuer));
    await signInAndApprove(page, 'ada');
    // Back on the page, with no code or token left in its address.
    expect(page.url()).toBe(`${server.url}/`);
    const token = await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('mcp-serve-token'));
    const claims = decodeJwt(token ?? '');
    expect(claims).toMatchObject({ sub: 'ada', aud: audience, iss: oidc.issuer });
    expect(String(claims.scope).split(' ')).toContain('mcp:tools');
    await page.close();
  });

  it('finishes in another process a login one process began (behind a balancer, each registered its own client)', async () => {
    // A second process of the same server (same audience); the browser starts its login there.
    const other = await startServe(['--port', '0', '--auth-issuer', oidc.issuer, '--auth-audience', audience, '--auth-scope', 'mcp:tools'], { cwd: CONFORMANCE });
    const page = await loopbackPage();
    try {
      await page.goto(`${other.url}/ui/login`);
      // The callback reaches the audience's process, which redeems the code as the other's client.
      await signInAndApprove(page, 'grace');
      expect(page.url()).toBe(`${server.url}/`);
    } finally {
      await page.close();
      await other.stop();
    }
  });

  it('refuses a callback it did not start, and shows what the provider said as text', async () => {
    const foreign = await rawRequest(`${server.url}/ui/callback?state=forged&code=stolen`, { headers: { accept: 'text/html' } });
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('This login was not started here');

    const started = await rawRequest(`${server.url}/ui/login`);
    expect(started.status).toBe(302);
    const location = new URL(String(started.headers.location));
    expect(location.origin).toBe(oidc.issuer);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('resource')).toBe(audience);
    const cookie = String(started.headers['set-cookie']).split(';')[0]!;
    expect(String(started.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);
    const state = location.searchParams.get('state')!;

    const mismatched = await rawRequest(`${server.url}/ui/callback?state=${state}x&code=stolen`, { headers: { cookie } });
    expect(mismatched.status).toBe(400);
    const denied = await rawRequest(`${server.url}/ui/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}`, { headers: { cookie } });
    expect(denied.status).toBe(401);
    expect(denied.text).toContain('access_denied: &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(denied.text).not.toContain('<script>alert');
    // A code the provider never issued gets no token.
    const bogus = await rawRequest(`${server.url}/ui/callback?state=${state}&code=not-a-code`, { headers: { cookie } });
    expect(bogus.status).toBe(502);
    expect(bogus.text).toContain('invalid_grant');
    expect(bogus.text).not.toContain('data-token');
  });

  it('logs in as the client named by --auth-page-client-id, registering none', async () => {
    const port = await freePort();
    const named = await startServe(['--port', String(port), '--auth-issuer', oidc.issuer, '--auth-audience', `http://127.0.0.1:${port}/mcp`, '--auth-page-client-id', 'team-status-page']);
    try {
      const started = await rawRequest(`${named.url}/ui/login`);
      expect(started.status).toBe(302);
      const location = new URL(String(started.headers.location));
      expect(location.searchParams.get('client_id')).toBe('team-status-page');
      expect(location.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/ui/callback`);
    } finally {
      await named.stop();
    }
  });

  it('has no login route without OAuth', async () => {
    const plain = await startServe(['--token', 'plain-token-0123456789']);
    try {
      expect((await rawRequest(`${plain.url}/ui/login`)).status).toBe(404);
      const page = await rawRequest(`${plain.url}/`, { headers: { accept: 'text/html' } });
      expect(page.text).not.toContain('data-login');
    } finally {
      await plain.stop();
    }
  });
});
