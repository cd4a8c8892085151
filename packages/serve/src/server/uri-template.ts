/** A parsed RFC 6570 URI template that can tell which URIs it produces. */
export interface UriTemplateMatcher {
  readonly variableNames: string[];
  /** The variables of `uri`, raw (not percent-decoded), or null when the template does not produce it. */
  match(uri: string): Record<string, string> | null;
}

const MAX_URI_LENGTH = 10_000;
const EXPRESSION = /\{([+#./;?&]?)([^{}]+)\}/g;

/**
 * Parses a URI template (levels 1 to 3, plus exploded variables: `{id}`, `{+path}`, `{#frag}`,
 * `{.ext}`, `{/seg*}`, `{?q,page}`, `{&x}`) into one regular expression, built once.
 *
 * @throws Error for an empty expression or a variable name that is not a valid varname.
 */
export function compileUriTemplate(template: string): UriTemplateMatcher {
  let pattern = '^';
  const names: string[] = [];
  let last = 0;
  for (const expression of template.matchAll(EXPRESSION)) {
    pattern += escapeRegExp(template.slice(last, expression.index));
    last = expression.index + expression[0].length;
    const operator = expression[1]!;
    const variables = expression[2]!.split(',').map((v) => v.trim());
    for (const variable of variables) {
      if (!/^[A-Za-z0-9_.%]+\*?(:\d+)?$/.test(variable)) throw new Error(`invalid variable "${variable}" in ${expression[0]}`);
    }
    const clean = variables.map((v) => v.replace(/\*|:\d+$/g, ''));
    if (operator === '?' || operator === '&') {
      clean.forEach((name, i) => {
        pattern += `${i === 0 ? `\\${operator}` : '&'}${escapeRegExp(name)}=([^&#]+)`;
        names.push(name);
      });
      continue;
    }
    const exploded = variables[0]!.endsWith('*');
    const segment = exploded ? '([^/,]+(?:,[^/,]+)*)' : '([^/,]+)';
    pattern += { '': segment, '+': '(.+)', '#': '#(.+)', '.': '\\.([^/,]+)', '/': `/${segment}`, ';': ';([^/;]+)' }[operator] ?? segment;
    names.push(clean[0]!);
  }
  pattern += `${escapeRegExp(template.slice(last))}$`;
  if (/[{}]/.test(template.replace(EXPRESSION, ''))) throw new Error(`unbalanced braces in "${template}"`);
  const regex = new RegExp(pattern);
  return {
    variableNames: names,
    match(uri) {
      if (uri.length > MAX_URI_LENGTH) return null;
      const found = regex.exec(uri);
      if (!found) return null;
      return Object.fromEntries(names.map((name, i) => [name, found[i + 1] ?? '']));
    },
  };
}

/**
 * A URI the template produces, with every variable set to a probe value: if another source's
 * template or resource matches it, the two overlap, and whichever is registered first would
 * answer the other's URIs.
 */
export function sampleUri(template: string): string {
  return template.replace(EXPRESSION, (_whole, operator: string, list: string) => {
    const names = list.split(',').map((v) => v.trim().replace(/\*|:\d+$/g, ''));
    const value = 'mcp-probe-0';
    switch (operator) {
      case '?':
      case '&':
        return names.map((name, i) => `${i === 0 ? operator : '&'}${name}=${value}`).join('');
      case ';':
        return `;${names[0]}=${value}`;
      case '#':
      case '.':
      case '/':
        return `${operator}${value}`;
      default:
        return value;
    }
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
