import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// jiti is loaded only when a TypeScript file is met, so plain JS configs start faster.
let jitiImport: ((id: string) => Promise<unknown>) | undefined;

/**
 * Imports a module file by absolute path: `.js`/`.mjs`/`.cjs` natively, `.ts`/`.mts`/`.cts`
 * through jiti (no separate build step, and `mcp-serve` imports resolve to this server). `fresh`
 * bypasses caches, for `--watch` reloads.
 */
export async function importModule(file: string, fresh = false): Promise<Record<string, unknown>> {
  const ext = extname(file);
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
    if (!jitiImport || fresh) {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { moduleCache: !fresh, fsCache: false, alias: selfAlias() });
      jitiImport = (id) => jiti.import(id);
    }
    return (await jitiImport(file)) as Record<string, unknown>;
  }
  const url = pathToFileURL(file);
  if (fresh) url.searchParams.set('reload', String(Date.now()));
  return (await import(url.href)) as Record<string, unknown>;
}

/** `import … from 'mcp-serve'` in a module is this server, installed next to the module or not (npx). */
function selfAlias(): Record<string, string> {
  try {
    return { 'mcp-serve': fileURLToPath(import.meta.resolve('mcp-serve')) };
  } catch {
    return {}; // not laid out as a package: modules then resolve mcp-serve as Node does
  }
}
