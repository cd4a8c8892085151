// How mcp-call reads its command line before any command runs: where the server URL is, and
// which words are commands rather than a tool's name.
import { GLOBAL_FLAGS } from './global-options.ts';

/** The commands of mcp-call itself; any other first word is a tool's name. */
export const META_COMMANDS = new Set(['servers', 'tools', 'resources', 'read', 'prompts', 'prompt', 'complete', 'skills', 'skill', 'task', 'secrets', 'ping', 'info', 'batch', 'watch', 'login', 'logout', 'auth', 'trust', 'completion', 'call', 'snapshot', 'diff', 'test', 'stop', 'help']);
/** Meta commands whose last argument can only be the server's URL, never one of their own (a skill name, a task id, a batch file). */
const URL_LAST_COMMANDS = new Set(['tools', 'resources', 'prompts', 'skills', 'skill', 'task', 'batch', 'ping', 'info', 'login', 'logout']);
export const isUrl = (value: string | undefined): value is string => value !== undefined && /^https?:\/\//i.test(value);

/** True for `--name` (not `--name=value`, not `--`, not a global switch such as --json): the next token is its value. */
export function isFlagExpectingValue(token: string | undefined): boolean {
  if (token === undefined || !token.startsWith('--') || token === '--' || token.includes('=')) return false;
  return GLOBAL_FLAGS[token] !== false;
}

/** Index of the first argument that is not a global flag or its value, or -1. */
export function firstPositional(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token === '--') return -1;
    if (token.startsWith('-')) {
      if (GLOBAL_FLAGS[token.split('=')[0]!] && !token.includes('=')) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** `mcp-call http://host:8000 greet` means `--url http://host:8000`: a URL first is the server. */
export function urlFirstToOption(args: string[]): string[] {
  const at = firstPositional(args);
  if (at === -1 || !isUrl(args[at]) || args.includes('--url') || args.some((a) => a.startsWith('--url=') || a === '-u')) return args;
  return [`--url=${args[at]}`, ...args.slice(0, at), ...args.slice(at + 1)];
}

/**
 * `mcp-call tools http://host:8000` (or `skill NAME http://…`) means `--url http://host:8000` too
 * (the conformance runner appends the URL): for the commands that take no URL-like argument of their own.
 */
export function urlLastToOption(args: string[]): string[] {
  const command = args[firstPositional(args)];
  const last = args.at(-1);
  if (!URL_LAST_COMMANDS.has(command ?? '') || args.length < 2 || !isUrl(last) || args.some((a) => a === '--url' || a.startsWith('--url=') || a === '-u')) return args;
  return [`--url=${last}`, ...args.slice(0, -1)];
}
