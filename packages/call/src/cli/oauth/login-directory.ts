import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where logins are kept: `$XDG_CONFIG_HOME/mcp-call/oauth` (or `~/.config/…`), a 0700 directory of 0600 files. */
export function loginDirectory(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mcp-call', 'oauth');
}
