export { CALL_BIN, REPO_ROOT, SERVE_BIN } from './paths.ts';
export type { RunResult } from './run-bin.ts';
export { runCall, runNode, runServe } from './run-bin.ts';
export type { ServeProcess } from './start-serve.ts';
export { startServe } from './start-serve.ts';
export { writeTempFiles } from './temp-dir.ts';
export type { RawResponse } from './http-request.ts';
export { INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest } from './http-request.ts';
export { freePort, NGINX_BIN, startNginx } from './nginx.ts';
