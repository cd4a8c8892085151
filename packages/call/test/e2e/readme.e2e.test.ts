import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

import { freePort, REPO_ROOT, startServe, type ServeProcess } from '@mcp-cli/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the mcp-call examples of the README and of every page in docs/ as written, through bash and
// the installed bin: each block marked readme-examples, and the README's CI script.
const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
const pages = [readme, ...readdirSync(`${REPO_ROOT}docs`).filter((name) => name.endsWith('.md')).map((name) => readFileSync(`${REPO_ROOT}docs/${name}`, 'utf8'))];
const blocks = pages.flatMap((page) => [...page.matchAll(/<!-- readme-examples:start -->\n```sh\n([\s\S]*?)```\n<!-- readme-examples:end -->/g)].map((match) => match[1]!));
const examples: { command: string; expected: string }[] = [];
for (const line of blocks.join('').split('\n')) {
  if (line.startsWith('# prints: ')) examples.at(-1)!.expected = line.slice('# prints: '.length);
  else if (line.trim()) examples.push({ command: line, expected: '' });
}

function bash(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env, cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README mcp-call examples', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--config', `${REPO_ROOT}examples/hello/mcp-serve.config.ts`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)('$command', async ({ command, expected }) => {
    const env = { ...process.env, PATH: `${REPO_ROOT}node_modules/.bin:${process.env.PATH}`, MCP_URL: server.url, NO_COLOR: '1' };
    const result = await bash(command, env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd()).toBe(expected);
  });
});

describe('README CI script', () => {
  const script = /<!-- readme-ci:start -->\n```sh\n([\s\S]*?)```\n<!-- readme-ci:end -->/.exec(readme)?.[1] ?? '';

  it('calls the server and leaves no server behind', async () => {
    expect(script).toContain('mcp-serve');
    const port = await freePort();
    const result = await bash(script, { ...process.env, PORT: String(port), NO_COLOR: '1' });
    expect(result.stdout).toBe('Hello Hello, CI!\n');
    expect(result.code).toBe(0);
    // The trap stopped the server itself: nothing listens on its port any more.
    let listening = true;
    for (let i = 0; i < 50 && listening; i++) {
      listening = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.on('error', () => resolve(false));
      });
      if (listening) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listening).toBe(false);
  });
});
