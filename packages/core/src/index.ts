export {
  DEFAULT_HEALTH_PATH,
  DEFAULT_HOST,
  DEFAULT_MCP_PATH,
  DEFAULT_MESSAGES_PATH,
  DEFAULT_PORT,
  DEFAULT_SSE_PATH,
  LATEST_PROTOCOL_VERSION,
  META,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
  TASKS_EXTENSION,
  supportsBatches,
} from './constants.ts';
export type {
  AudioContent,
  CallToolResult,
  ContentAnnotations,
  ContentPart,
  EmbeddedResource,
  ImageContent,
  ResourceContents,
  ResourceLink,
  TextContent,
} from './content.ts';
export { CONTENT_TYPES, isContentPart } from './content.ts';
export { copyWith } from './copy-with.ts';
export type {
  AskOptions,
  CreateMessageParams,
  CreateMessageResult,
  ElicitResult,
  HandlerContext,
  LogLevel,
  Root,
  SamplingMessage,
} from './context.ts';
export { LOG_LEVELS } from './context.ts';
export type {
  ArgumentCompleter,
  CacheHints,
  Definition,
  Guarded,
  Icon,
  JsonSchema,
  PromptArgument,
  PromptDefinition,
  PromptMessage,
  PromptReturn,
  Presentation,
  ResourceAnnotations,
  ResourceDefinition,
  ResourceReturn,
  ResourceTemplateDefinition,
  ToolAnnotations,
  ToolArgs,
  ToolDefinition,
  ToolInput,
  ToolReturn,
} from './define.ts';
export { definePrompt, defineResource, defineResourceTemplate, defineTool } from './define.ts';
export type { ExitCodeValue } from './errors.ts';
export {
  ConfigError,
  ConnectionError,
  ExitCode,
  InterruptedError,
  McpCliError,
  TimeoutError,
  ToolError,
  UsageError,
} from './errors.ts';
export { readPackageVersion } from './read-package-version.ts';
export type { JsonRpcMessage } from './json-rpc.ts';
export { isRpcError, RpcCode, RpcError } from './json-rpc.ts';
export { frontmatterText } from './frontmatter.ts';
export { isLoopbackHost } from './loopback.ts';
export type { HeaderParam } from './mirrored-headers.ts';
export { argumentAt, headerParams, MCP_NAME_PARAM } from './mirrored-headers.ts';
export { closestNames } from './closest-names.ts';
export { readResponseText, ResponseTooLargeError } from './read-response-text.ts';
export { escapeControls } from './escape-controls.ts';
export { canonicalJson } from './canonical-json.ts';
export { redactedUrl } from './redacted-url.ts';
export type { RecordedExchange, RecordedMessage, RecordingHeader } from './recording.ts';
export { pairExchanges, parseRecording, RECORDING_FORMAT, REDACTED, redactSecrets } from './recording.ts';
export type { TraceCarrier } from './trace-context.ts';
export { adoptTraceHeaders, isTraceparent, traceCarrierOf, traceHeaders, withTraceMeta } from './trace-context.ts';
export type { RequestSpan, SpanAttributes, Tracing } from './tracing.ts';
export { passThroughTracing, requestAttributes, startTracing, tracingEndpoint } from './tracing.ts';
