// Lint rules: typescript-eslint's recommended set, the layering of STYLE.md (commander, chalk
// and ora belong to the CLI layer, src/cli/, only), and one rule about memory.
import tseslint from 'typescript-eslint';

// V8's parser marks a function literal assigned straight to a property as long-lived: until the
// enclosing code is optimized, each such closure is created in the old generation, and all its
// context reaches (a request, its session, its response) then outlives young-generation GCs
// until a full GC. A local first, a class field or an argument does not have this cost.
const FUNCTION_TO_PROPERTY = {
  selector: "AssignmentExpression[operator='='][left.type='MemberExpression'][right.type=/^(ArrowFunctionExpression|FunctionExpression)$/]",
  message: 'Assign a function literal to a const first (or use a class field): V8 allocates `obj.x = () => …` in the old generation (see eslint.config.js).',
};

const CLI_ONLY = ['commander', 'chalk', 'ora'].map((name) => ({
  name,
  message: `${name} is for the CLI layer only (src/cli/); the library must not import it.`,
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { paths: CLI_ONLY }], 'no-restricted-syntax': ['error', FUNCTION_TO_PROPERTY] },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
