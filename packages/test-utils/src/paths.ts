import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built bins the e2e tests run. */
export const SERVE_BIN = `${REPO_ROOT}packages/serve/bin/mcp-serve.js`;
export const CALL_BIN = `${REPO_ROOT}packages/call/bin/mcp-call.cjs`;
