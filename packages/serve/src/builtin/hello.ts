import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The built-in default is examples/hello itself: its modules are bundled into the build, and
// greeting.txt is copied beside it, so `npx mcp-serve` serves exactly what the README shows.
import greeting from '../../../../examples/hello/prompts/greeting.ts';
import * as helloResources from '../../../../examples/hello/resources/readme.ts';
import greet from '../../../../examples/hello/tools/greet.ts';
import type { LoadedModule } from '../config/load-modules.ts';

/**
 * Where examples/hello's files are: `hello/` beside the build (the build copies greeting.txt
 * there), or the repository's examples/hello when running from source. File-backed resources
 * resolve relative to it.
 */
function helloDir(): string {
  const built = fileURLToPath(new URL('./hello/', import.meta.url));
  return existsSync(`${built}resources/greeting.txt`) ? built : fileURLToPath(new URL('../../../../examples/hello/', import.meta.url));
}

/** Served when no config file is found, so `npx mcp-serve` is useful in an empty directory. */
export function builtinHello(): LoadedModule[] {
  const dir = helloDir();
  return [
    { file: `${dir}tools/greet.ts`, definitions: [greet] },
    { file: `${dir}resources/readme.ts`, definitions: Object.values(helloResources) },
    { file: `${dir}prompts/greeting.ts`, definitions: [greeting] },
  ];
}

/** The server identity of the built-in example (examples/hello/mcp-serve.config.ts). */
export const BUILTIN_INFO = { name: 'Hello Server', version: '1.0.0' } as const;
