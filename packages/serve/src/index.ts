export type {
  ArgumentCompleter,
  AskOptions,
  CallToolResult,
  ContentPart,
  HandlerContext,
  JsonSchema,
  LogLevel,
  PromptDefinition,
  PromptMessage,
  ResourceContents,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ToolAnnotations,
  ToolDefinition,
  ToolReturn,
} from '@mcp-cli/core';
export {
  ConfigError,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  ExitCode,
  McpCliError,
  RpcCode,
  RpcError,
} from '@mcp-cli/core';
export type { ServeConfig } from './config/config-schema.ts';
export { defineConfig, serveConfigSchema } from './config/config-schema.ts';
export type { LoadedConfig } from './config/load-config.ts';
export { loadConfig } from './config/load-config.ts';
export type { LoadedModule } from './config/load-modules.ts';
export { loadModules } from './config/load-modules.ts';
export type { ConfigLayer, ResolvedServeConfig, ServeLimits } from './config/resolve-config.ts';
export { DEFAULT_LIMITS, resolveConfig } from './config/resolve-config.ts';
export { loadRegistry } from './load-registry.ts';
export type { Logger } from './logger.ts';
export { silentLogger } from './logger.ts';
export type { Registry } from './server/registry.ts';
export { buildRegistry } from './server/registry.ts';
export type { ServeStdioOptions, StdioHandle } from './serve-stdio.ts';
export { serveStdio } from './serve-stdio.ts';
export type { ServerHandle, StartServerOptions } from './start-server.ts';
export { startServer } from './start-server.ts';
