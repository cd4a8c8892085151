import { readPackageVersion } from '@mcp-cli/core';

// Written into the bundle by the build (tsdown.config.ts), so a call reads no package.json.
declare const MCP_CALL_VERSION: string | undefined;

/** mcp-call's version; read from package.json when run from source (the tests). */
export const VERSION: string = typeof MCP_CALL_VERSION === 'string' ? MCP_CALL_VERSION : readPackageVersion(import.meta.url);
