// Lint rules: typescript-eslint's recommended set, and the layering of STYLE.md: commander,
// chalk and ora belong to the CLI layer (src/cli/) only.
import tseslint from 'typescript-eslint';

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
    rules: { 'no-restricted-imports': ['error', { paths: CLI_ONLY }] },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
);
