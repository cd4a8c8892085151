import { basename } from 'node:path';

/** Runners that fetch a package and run it (and may download it first). */
const PACKAGE_RUNNERS = new Set(['npx', 'pnpx', 'bunx', 'uvx', 'pipx', 'pnpm']);

/** The runner's name when `command` is one (`npx`, `/usr/bin/uvx`, `npx.cmd`), else undefined. */
export function packageRunner(command: string): string | undefined {
  const name = basename(command).replace(/\.(cmd|exe)$/i, '');
  return PACKAGE_RUNNERS.has(name) ? name : undefined;
}
