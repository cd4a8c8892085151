import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { rawRequest, REPO_ROOT, runCall, SERVE_BIN, startServe, writeTempFiles, type ServeProcess } from '@mcp-cli/test-utils';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The status page in a real browser (Debian's Chromium, headless): the conformance example's
// tools beside a tool whose description holds markup, and a gateway upstream that goes down and
// comes back. The page gets its data from /mcp and /status with the token typed into it.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const TOKEN = 'status-page-token-0123456789';
const HOSTILE = `Shouts. <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">`;
const CONFORMANCE = `${REPO_ROOT}examples/conformance`;

describe.skipIf(!CHROMIUM && process.env.CI === undefined)('the status page', () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  let downFlag: string;

  beforeAll(async () => {
    expect(CHROMIUM, 'chromium is not installed (apt-get install chromium)').toBeDefined();
    const dir = await writeTempFiles({
      'shout.mjs': `export const shout = { kind: 'tool', name: 'shout', description: ${JSON.stringify(HOSTILE)}, input: { type: 'object', properties: { text: { type: 'string', description: 'what to shout' } }, required: ['text'] }, handler: ({ text }) => text.toUpperCase() };`,
      'upstream/mcp-serve.config.mjs': `export default { name: 'flaky', tools: './tools.mjs' };`,
      'upstream/tools.mjs': `export const pid = { kind: 'tool', name: 'pid', description: 'its process id', handler: () => String(process.pid) };`,
      // Starts the upstream unless the flag file exists: then it fails at once, and keeps failing.
      'upstream/start.mjs': `import { existsSync } from 'node:fs';\nif (existsSync(process.env.DOWN_FLAG)) process.exit(1);\nawait import(${JSON.stringify(pathToFileURL(SERVE_BIN).href)});`,
    });
    downFlag = join(dir, 'down');
    await writeFile(
      join(dir, 'mcp-serve.config.mjs'),
      `export default {
        name: 'status-test', version: '3.1.4',
        tools: [${JSON.stringify(`${CONFORMANCE}/tools/*.ts`)}, './shout.mjs'],
        resources: ${JSON.stringify(`${CONFORMANCE}/resources.ts`)},
        prompts: ${JSON.stringify(`${CONFORMANCE}/prompts.ts`)},
        servers: { flaky: { command: ${JSON.stringify(process.execPath)}, args: ['./upstream/start.mjs', '--stdio', '--config', './upstream/mcp-serve.config.mjs'], cwd: ${JSON.stringify(dir)}, env: { DOWN_FLAG: ${JSON.stringify(downFlag)} } } },
      };`,
    );
    server = await startServe(['--token', TOKEN, '--metrics'], { cwd: dir });
    browser = await chromium.launch({ executablePath: CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    // Offline: the page may load nothing but the server's own URLs.
    await page.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for the token, then lists the conformance tools, prompts and resources', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('#login').waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);
    await page.fill('#token', TOKEN);
    await page.click('#login button');
    await page.locator('[data-tool="test_simple_text"]').waitFor();
    expect(await page.textContent('#name')).toBe('status-test');
    expect(await page.textContent('#version')).toBe('3.1.4');
    const tools = await page.locator('[data-tool]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-tool')));
    expect(tools).toEqual(expect.arrayContaining(['test_simple_text', 'test_image_content', 'json_schema_2020_12_tool', 'shout', 'flaky_pid']));
    expect(await page.textContent('#resources')).toContain('test://static-text');
    expect(await page.textContent('#prompts')).toContain('test_simple_prompt');
  });

  it('shows markup from a module as text, and runs none of it', async () => {
    expect(await page.textContent('[data-tool="shout"] .description')).toBe(HOSTILE);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('[data-tool="shout"] .description img').count()).toBe(0);
  });

  it('calls a tool through its form and shows the result and the counters', async () => {
    const card = page.locator('[data-tool="shout"]');
    await card.locator('summary').first().click();
    await card.locator('input[name="text"]').fill('hello from the form');
    await card.locator('form button').click();
    await expect.poll(() => card.locator('.result pre').first().textContent()).toBe('HELLO FROM THE FORM');
    const simple = page.locator('[data-tool="test_simple_text"]');
    await simple.locator('summary').first().click();
    await simple.locator('form button').click();
    await expect.poll(() => simple.locator('.result').textContent()).toContain('This is a simple text response for testing.');
    // The counters come from the metrics, refreshed every second.
    await expect.poll(() => page.locator('[data-counter="tools/call shout"] .calls').textContent(), { timeout: 10_000 }).toBe('1');
  });

  it('shows an upstream going down and coming back', async () => {
    expect(await page.textContent('[data-upstream="flaky"]')).toContain('ready');
    const pid = Number((await runCall(['--url', `${server.url}/mcp`, '--token', TOKEN, 'flaky_pid'])).stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await writeFile(downFlag, '');
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => page.textContent('[data-upstream="flaky"]'), { timeout: 15_000 }).toContain('restarting');
    // Its tools leave the page while it is down, and return with it.
    await expect.poll(() => page.locator('[data-tool="flaky_pid"]').count(), { timeout: 10_000 }).toBe(0);
    await rm(downFlag);
    await expect.poll(() => page.textContent('[data-upstream="flaky"]'), { timeout: 30_000 }).toContain('ready');
    await expect.poll(() => page.locator('[data-tool="flaky_pid"]').count(), { timeout: 10_000 }).toBe(1);
  });

  it('keeps its data behind the token and leaves API clients their answers', async () => {
    const status = await rawRequest(`${server.url}/status`, { method: 'GET' });
    expect(status.status).toBe(401);
    const api = await rawRequest(`${server.url}/`, { method: 'GET', headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    const html = await rawRequest(`${server.url}/`, { method: 'GET', headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    // The page itself holds nothing of the server: no tool, no name.
    expect(html.text).not.toContain('shout');
    expect(html.text).not.toContain('status-test');
  });

  it('is off with --no-ui', async () => {
    const plain = await startServe(['--no-ui']);
    try {
      expect((await rawRequest(`${plain.url}/`, { method: 'GET', headers: { accept: 'text/html' } })).status).toBe(404);
      expect((await rawRequest(`${plain.url}/status`, { method: 'GET' })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});
