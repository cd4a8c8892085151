import { ExitCode } from '@mcp-cli/core';

import { daemonDirectory } from '../../daemon/daemon-paths.ts';
import { describeTarget } from '../../daemon/daemon-spec.ts';
import { stopDaemons } from '../../daemon/stop-daemons.ts';
import { resolveConnectionSettings } from '../connection-settings.ts';
import type { GlobalOptions } from '../global-options.ts';
import { aimedAt } from '../server-argument.ts';
import { writeErr } from '../terminal-text.ts';

/** `stop [SERVER]`: ends warm-server daemons, all of the user's or the one holding SERVER. */
export async function stopCommand(server: string | undefined, opts: GlobalOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const named = server !== undefined || opts.url !== undefined || opts.server !== undefined || opts.stdio !== undefined;
  let target: string | undefined;
  if (named) {
    const aimed = aimedAt(opts, server);
    const settings = await resolveConnectionSettings(aimed.opts, env, aimed.positionalUrl);
    target = describeTarget(settings.stdio ? { stdio: settings.stdio } : { url: settings.url });
  }
  const stopped = await stopDaemons(daemonDirectory(env), target);
  writeErr(`${stopped === 0 ? 'no warm server' : stopped === 1 ? '1 warm server' : `${stopped} warm servers`} ${target ? `for ${target} ` : ''}${stopped === 0 ? 'running' : 'stopped'}\n`);
  return ExitCode.ok;
}
