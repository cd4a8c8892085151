import { spawn } from 'node:child_process';

import { nextLine } from './stdin-lines.ts';
import { writeErr } from './terminal-text.ts';

/**
 * A URL-mode elicitation at a terminal: shows the server's message and the URL, asks whether to
 * open it, and opens it in the browser when the person agrees (`$BROWSER` if set, else the
 * platform's opener). Resolves true when the person agreed. The URL is always printed, so it
 * can be opened by hand when no browser starts.
 */
export async function offerToOpen(message: string, url: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<boolean> {
  if (!isWebUrl(url)) {
    writeErr(`\nThe server asks you to open ${url}, which is not an http or https URL: declined\n`);
    return false;
  }
  writeErr(`\nThe server asks you to open a page: ${message}\n  ${url}\nOpen it in your browser? [Y/n] `);
  const withdraw = (): void => writeErr('\n(the server withdrew its request)\n');
  signal.addEventListener('abort', withdraw, { once: true });
  try {
    const answer = await nextLine(signal);
    if (answer === undefined || !/^\s*(y|yes)?\s*$/i.test(answer)) return false;
  } finally {
    signal.removeEventListener('abort', withdraw);
  }
  launchBrowser(url, env);
  return true;
}

/**
 * Opens `url` in the browser, without waiting for it; says so when none starts. Only http and
 * https URLs are handed to an opener: a `file:`, `javascript:` or other URL from a server is not.
 */
export function launchBrowser(url: string, env: NodeJS.ProcessEnv): void {
  if (!isWebUrl(url)) {
    writeErr(`mcp-call: not opening ${url}: only http and https URLs are opened\n`);
    return;
  }
  const [command, ...args] = opener(env);
  const browser = spawn(command!, [...args, url], { stdio: 'ignore', detached: true });
  browser.once('error', () => writeErr(`mcp-call: could not start ${command}: open the URL above yourself\n`));
  browser.unref();
}

/** True for an http or https URL, the only kind mcp-call opens. */
export function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url) && URL.canParse(url);
}

/** The command that opens a URL: `$BROWSER`, as is the convention, else the platform's own. */
function opener(env: NodeJS.ProcessEnv): string[] {
  if (env.BROWSER) return [env.BROWSER];
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['explorer.exe'];
  return ['xdg-open'];
}
