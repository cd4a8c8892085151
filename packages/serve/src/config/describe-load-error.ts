import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * Says in one line why a config file or module failed to load: the parser's own message with
 * line and column (YAML, JSON, JavaScript and TypeScript syntax), and what to do when an ES
 * module sits in a CommonJS package or imports a package that is not installed.
 */
export function describeLoadError(error: unknown, file: string): string {
  const err = error as { name?: string; message?: string; reason?: string; mark?: { line: number; column: number } };
  const message = String(err.message ?? error);
  if (err.name === 'YAMLException' && err.mark) {
    return `YAML syntax error at line ${err.mark.line + 1}, column ${err.mark.column + 1}: ${err.reason ?? 'invalid YAML'}`;
  }
  if (err.name === 'JSONError' || /^JSON Error in /.test(message)) return describeJsonError(message, file);
  // jiti (TypeScript): "ParseError: Unexpected token \n /path/file.ts:1:18"
  const parse = /ParseError: (.*?)\s*\n\s*\S+:(\d+):(\d+)/.exec(message);
  if (parse) return `syntax error at line ${parse[2]}, column ${parse[3]}: ${parse[1]!.trim() || 'unexpected token'}`;
  if (err.name === 'SyntaxError' || error instanceof SyntaxError) {
    if (/Unexpected token 'export'|Cannot use import statement outside a module/.test(message) && isCommonJs(file)) {
      return `${message}: this file is an ES module (import/export) in a CommonJS package; rename it to .mjs, or set "type": "module" in ${nearestPackageJson(file) ?? 'package.json'}`;
    }
    const where = locateSyntaxError(file);
    return where ? `syntax error at line ${where.line}, column ${where.column}: ${message}` : message;
  }
  const missing = /Cannot find (?:module|package) '([^'./][^']*)'/.exec(message);
  if (missing) return `${firstLine(message)}: install it where the module is (npm install ${packageOf(missing[1]!)} in ${dirname(file)} or a folder above it)`;
  return firstLine(message);
}

/** The package an import names: `zod` of `zod/v4`, `@scope/name` of `@scope/name/sub`. */
function packageOf(specifier: string): string {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

function describeJsonError(message: string, file: string): string {
  const reason = /((?:Unexpected|Expected|Unterminated|Bad control)[^\n]*?)(?: while parsing[^\n]*)?$/m.exec(message)?.[1] ?? 'invalid JSON';
  const position = /at position (\d+)/.exec(reason);
  const text = reason.replace(/ in JSON at position \d+/, '').trim();
  if (!position) return `JSON syntax error: ${text}`;
  let source = '';
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return `JSON syntax error: ${text}`;
  }
  const before = source.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `JSON syntax error at line ${line}, column ${column}: ${text}`;
}

/** Node's own syntax check names the line and column that an ES module import does not. */
function locateSyntaxError(file: string): { line: number; column: number } | undefined {
  if (!/\.(m|c)?js$/.test(file)) return undefined;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 5000 });
  const lines = check.stderr.split('\n');
  const line = /:(\d+)$/.exec(lines[0] ?? '')?.[1];
  const caret = lines[2]?.indexOf('^') ?? -1;
  return line ? { line: Number(line), column: caret + 1 || 1 } : undefined;
}

function isCommonJs(file: string): boolean {
  if (extname(file) !== '.js') return false;
  const pkg = nearestPackageJson(file);
  if (!pkg) return true;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type !== 'module';
  } catch {
    return true;
  }
}

function nearestPackageJson(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // keep looking upwards
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}
