import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';

interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

interface ModuleInternals {
  prototype: CompilingModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CompilingModule, isMain: boolean, options?: { paths?: string[] }): string;
  _cache: unknown;
}

/**
 * Keeps V8's compiled code of the CLI's own chunks between runs, as Node 22's
 * `module.enableCompileCache()` does, for Node 20, which has none: a plain call then skips
 * parsing and compiling most of mcp-call (scripts/bench/cli-startup.mjs).
 *
 * The cache is code that will run, so it is read only from the user's own cache directory
 * (`$XDG_CACHE_HOME/mcp-call/code`, 0700) and only from files the user owns that no one else can
 * write. There is one folder per Node version and install, and one file per chunk, keyed by its
 * name, size and mtime; V8 also rejects data that does not fit the source. A missing or rejected
 * entry is written when the process exits (through a rename, so a concurrent run never reads half
 * a file), and entries of chunks the install no longer has are removed then.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as it does Node's own.
 */
export function keepCompiledCode(distDir: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_DISABLE_COMPILE_CACHE) return;
  const install = `${process.version}-${process.arch}-${fnv1a(distDir).toString(36)}`;
  const directory = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mcp-call', 'code', install);
  const prefix = distDir.endsWith(sep) ? distDir : distDir + sep;
  const internals = Module as unknown as ModuleInternals;
  const compile = internals.prototype._compile;
  const toWrite: { script: Script; file: string }[] = [];

  internals.prototype._compile = function compileKeepingCode(this: CompilingModule, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const file = join(directory, cacheKey(filename));
    const cachedData = readOwnFile(file);
    const script = new Script(internals.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) toWrite.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFrom(this, internals), this, filename, dirname(filename));
  };

  const writeAll = (): void => {
    try {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      for (const { script, file } of toWrite) {
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      }
      const current = new Set(readdirSync(prefix).map((name) => cacheKey(prefix + name)));
      for (const name of readdirSync(directory)) if (!current.has(name) && !name.endsWith('.tmp')) unlinkSync(join(directory, name));
    } catch {
      // A read-only or full disk only costs the next run its compile time.
    }
  };
  process.once('exit', () => {
    if (toWrite.length > 0) writeAll();
  });
}

/** A chunk's entry: its name, size and mtime, so a rebuilt or reinstalled chunk gets a new one. */
function cacheKey(filename: string): string {
  const { size, mtimeMs } = statSync(filename);
  return `${basename(filename)}-${size}-${Math.trunc(mtimeMs)}`;
}

/** A short hash of a path (FNV-1a), naming an install's folder without loading node:crypto. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The file's bytes, if it exists, belongs to this user and only this user can write it. */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    const owner = process.geteuid?.();
    // Windows has neither owners nor mode bits here; its cache folder is in the user's profile.
    if (owner !== undefined && (stats.uid !== owner || (stats.mode & 0o022) !== 0)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The `require` Node gives a CommonJS module, for the few uses a bundled chunk makes of it. */
function requireFrom(module: CompilingModule, internals: ModuleInternals): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  require.resolve = ((request: string, options?: { paths?: string[] }) => internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  require.cache = internals._cache as NodeJS.Require['cache'];
  require.main = process.mainModule;
  return require;
}
