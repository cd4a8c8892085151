/** What a format's variables can refer to. */
export interface VariableContext {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The project directory (the working directory's project root). */
  workspace: string;
  /** Values of VS Code `inputs`, asked for when first used. */
  input?: (id: string) => string;
  /** Collects the variables an entry names that are not set (told in a refusal's hint). */
  unset?: Set<string>;
}

/** A format's rule for `${…}` in its strings. */
export type VariableSyntax = 'claude' | 'cursor' | 'vscode' | 'windsurf' | 'gemini' | 'none';

/**
 * Expands the variables of one format in a string, as that tool does:
 * - Claude Code: `${VAR}` and `${VAR:-default}`;
 * - Cursor: `${env:VAR}`, `${userHome}`, `${workspaceFolder}`, `${workspaceFolderBasename}`, `${pathSeparator}`;
 * - VS Code: `${env:VAR}`, `${input:id}`, `${userHome}`, `${workspaceFolder}`;
 * - Windsurf: `${env:VAR}`;
 * - Gemini CLI: `$VAR` and `${VAR}`.
 * An unset variable becomes an empty string, as in those tools.
 */
export function expandVariables(text: string, syntax: VariableSyntax, context: VariableContext): string {
  const env = (name: string): string => {
    const value = context.env[name];
    if (value === undefined) context.unset?.add(name);
    return value ?? '';
  };
  switch (syntax) {
    case 'claude':
      return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => (fallback !== undefined ? (context.env[name] ?? fallback) : env(name)));
    case 'gemini':
      return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced?: string, bare?: string) => env((braced ?? bare)!));
    case 'windsurf':
      return text.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env(name));
    case 'cursor':
    case 'vscode':
      return text.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
        if (name.startsWith('env:')) return env(name.slice(4));
        if (name.startsWith('input:') && syntax === 'vscode' && context.input) return context.input(name.slice(6));
        if (name === 'userHome') return context.home;
        if (name === 'workspaceFolder') return context.workspace;
        if (name === 'workspaceFolderBasename') return context.workspace.split(/[\\/]/).pop() ?? '';
        if (name === 'pathSeparator' || name === '/') return process.platform === 'win32' ? '\\' : '/';
        return match;
      });
    case 'none':
      return text;
  }
}

/** Expands every string of a JSON value. */
export function expandDeep<T>(value: T, syntax: VariableSyntax, context: VariableContext): T {
  if (typeof value === 'string') return expandVariables(value, syntax, context) as T;
  if (Array.isArray(value)) return value.map((v) => expandDeep(v, syntax, context)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, syntax, context)])) as T;
  }
  return value;
}
