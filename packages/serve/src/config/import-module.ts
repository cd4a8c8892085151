import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

// jiti is loaded only when a TypeScript file is met, so plain JS configs start faster.
let jitiImport: ((id: string) => Promise<unknown>) | undefined;

/**
 * Imports a module file by absolute path: `.js`/`.mjs`/`.cjs` natively, `.ts`/`.mts`/`.cts`
 * through jiti (no separate build step). `fresh` bypasses caches, for `--watch` reloads.
 */
export async function importModule(file: string, fresh = false): Promise<Record<string, unknown>> {
  const ext = extname(file);
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
    if (!jitiImport || fresh) {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { moduleCache: !fresh, fsCache: false });
      jitiImport = (id) => jiti.import(id);
    }
    return (await jitiImport(file)) as Record<string, unknown>;
  }
  const url = pathToFileURL(file);
  if (fresh) url.searchParams.set('reload', String(Date.now()));
  return (await import(url.href)) as Record<string, unknown>;
}
