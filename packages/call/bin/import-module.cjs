// Every import() of the CLI bundle comes here (build/import-through-helper.ts). dist/ is
// compile-cached (src/cli/compile-cache.ts), and on Node 20 an import() in code read back from
// that cache has lost its loader; this file is never cached. Specifiers resolve from this
// package, as they would from dist/.
exports.importModule = (specifier) => import(specifier);
