import ts from 'typescript';

/** The file every `import()` of the CLI bundle goes through, relative to dist/. */
const IMPORT_HELPER = '../bin/import-module.cjs';

/**
 * A rolldown plugin for the CLI's CommonJS chunks: it turns every `import(x)` into a call of one
 * helper outside dist/. The CLI keeps the compiled code of dist/ between runs
 * (src/cli/compile-cache.ts), and on Node 20 an `import()` in code read back from that cache has
 * lost its loader (V8 11 drops the host-defined options when it serializes code).
 */
export function importThroughHelper() {
  return {
    name: 'import-through-helper',
    renderChunk(code: string, chunk: { fileName: string }): string | null {
      if (!code.includes('import(')) return null;
      const source = ts.createSourceFile(chunk.fileName, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
      const starts: number[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(source));
        ts.forEachChild(node, visit);
      };
      visit(source);
      if (starts.length === 0) return null;
      let out = code;
      // From the end, so earlier offsets stay valid; `import` is six characters.
      for (const start of starts.reverse()) out = `${out.slice(0, start)}require(\`${IMPORT_HELPER}\`).importModule${out.slice(start + 6)}`;
      return out;
    },
  };
}
