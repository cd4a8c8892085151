import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

import { CALL_BIN, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// On a terminal mcp-call shows an ora spinner and chalk colours on stderr; `script` (util-linux)
// gives it a real pseudo-terminal. Everything written to the terminal comes back in one stream.
const SCRIPT = '/usr/bin/script';
const FIXTURE = `${REPO_ROOT}packages/call/test/fixtures/kitchen-sink/mcp-serve.config.mjs`;

function onTty(args: string[], env: NodeJS.ProcessEnv = {}, input = '', columns = 80): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, CALL_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const command = `stty cols ${columns} rows 24; ${quoted}`;
  return new Promise((resolve) => {
    const child = spawn(SCRIPT, ['-qefc', command, '/dev/null'], {
      env: { ...terminalEnv(), ...env },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', () => clearTimeout(timer));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

const ESC = '\u001b[';

/** The test runner's environment without what turns colours off. */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  for (const key of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS']) delete env[key];
  return env;
}

describe.skipIf(!existsSync(SCRIPT))('mcp-call on a terminal', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', FIXTURE]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('shows a spinner with progress and colours, then the result', async () => {
    const { code, output } = await onTty(['--url', `${server.url}/mcp`, 'progress']);
    expect(code).toBe(0);
    expect(output).toContain('finished');
    expect(output).toContain(ESC); // cursor control and colours from ora and chalk
    expect(output).toMatch(/calling progress/);
    expect(output).toMatch(/\[server info\] step \d done/);
  });

  it('turns spinner and colours off with NO_COLOR, CI or --quiet', async () => {
    for (const [args, env] of [[[], { NO_COLOR: '1' }], [[], { CI: 'true' }], [['--quiet'], {}]] as const) {
      const { output } = await onTty(['--url', `${server.url}/mcp`, ...args, 'progress'], env);
      expect(output.replace(/\r/g, '')).not.toContain(ESC);
      expect(output).toContain('finished');
    }
  });

  it('does without the spinner on a terminal that reports no width', async () => {
    const { code, output } = await onTty(['--url', `${server.url}/mcp`, 'progress'], {}, '', 0);
    expect(code).toBe(0);
    expect(output).toContain('finished');
  });

  it('escapes control characters from the server on the terminal, unless --raw', async () => {
    const { code, output } = await onTty(['--url', `${server.url}/mcp`, '--quiet', 'escapes']);
    expect(code).toBe(0);
    expect(output).toContain('title \\u001b]0;pwned\\u0007 clip \\u001b]52;c;ZXZpbA==\\u0007 \\u009b2J done');
    expect(output).not.toContain('\u001b]');
    const raw = await onTty(['--url', `${server.url}/mcp`, '--quiet', '--raw', 'escapes']);
    expect(raw.output).toContain('\u001b]0;pwned\u0007');
  });

  it('asks the person at the terminal to answer an elicitation', async () => {
    // Name: Enter keeps the default; age: 41.
    const { code, output } = await onTty(['--url', `${server.url}/mcp`, 'ask'], {}, '\n41\n');
    expect(output).toContain('The server asks: Who are you?');
    expect(code).toBe(0);
    expect(output).toContain('accept {"name":"Ada","age":41}');
  });
});

describe('the library build', () => {
  it('imports no CLI-only dependency (commander, chalk, ora)', () => {
    const source = readFileSync(`${REPO_ROOT}packages/call/dist/index.js`, 'utf8');
    expect(source).not.toMatch(/from\s*["'](commander|chalk|ora)["']/);
    const serve = readFileSync(`${REPO_ROOT}packages/serve/dist/index.js`, 'utf8');
    expect(serve).not.toMatch(/from\s*["'](commander|chalk|ora)["']/);
  });
});
