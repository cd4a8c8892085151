import { readFileSync } from 'node:fs';

/** The version in the nearest package.json above `moduleUrl` (works from `dist/` and `src/cli/`). */
export function readPackageVersion(moduleUrl: string): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(up, moduleUrl), 'utf8')) as { version: string }).version;
    } catch {
      // not at this level; try the next one up
    }
  }
  return '0.0.0';
}
