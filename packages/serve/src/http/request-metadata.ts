import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

import { argumentAt, headerParams, type JsonRpcMessage, LOG_LEVELS, type LogLevel, MCP_NAME_PARAM, META, MODERN_PROTOCOL_VERSIONS, RpcCode, SUPPORTED_PROTOCOL_VERSIONS } from '@mcp-cli/core';

/** A 2026-07-28 request's description of its client, from its `_meta`. */
export interface RequestMeta {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  logLevel: LogLevel | undefined;
}

/** Why a 2026-07-28 request is refused before it is served: HTTP status and JSON-RPC error. */
export interface MetaRefusal {
  status: number;
  code: number;
  message: string;
  data?: unknown;
}

/** Every version /mcp answers, newest first: what `server/discover` and -32022 list. */
export const ALL_PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS];


/**
 * True when a POST is a 2026-07-28 request: its `MCP-Protocol-Version` header names a modern
 * version, or its one message carries a protocol version in `_meta` (a client that sends the
 * wrong header is then told so, rather than served as a session).
 */
export function isModernRequest(req: IncomingMessage, messages: JsonRpcMessage[]): boolean {
  const header = headerValue(req, 'mcp-protocol-version');
  if (header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header)) return true;
  const [message] = messages;
  if (messages.length !== 1 || message?.method === undefined || message.method === 'initialize') return false;
  return metaOf(message)?.[META.protocolVersion] !== undefined;
}

/**
 * Checks a 2026-07-28 request as the spec orders it: its `_meta` (-32602), the headers that mirror
 * the body (-32020), then the version (-32022). Returns the client's description, or the refusal.
 */
export function readRequestMeta(req: IncomingMessage, message: JsonRpcMessage): RequestMeta | MetaRefusal {
  return readMessageMeta(message, (protocolVersion) => headerMismatch(req, message, protocolVersion));
}

/**
 * True when a message on a transport without headers (stdio) is a 2026-07-28 request: a request
 * other than `initialize` whose `_meta` names a protocol version.
 */
export function isModernMessage(message: JsonRpcMessage): boolean {
  if (message.method === undefined || message.id === undefined || message.method === 'initialize') return false;
  return metaOf(message)?.[META.protocolVersion] !== undefined;
}

/**
 * A 2026-07-28 request's `_meta`, checked (-32602), then what the transport checks besides (HTTP:
 * the headers that mirror the body, -32020), then the version (-32022).
 */
export function readMessageMeta(message: JsonRpcMessage, transportMismatch: (protocolVersion: string) => string | undefined = () => undefined): RequestMeta | MetaRefusal {
  const meta = metaOf(message);
  if (!meta) return invalidMeta('params._meta is missing');
  const protocolVersion = meta[META.protocolVersion];
  if (typeof protocolVersion !== 'string') return invalidMeta(`params._meta["${META.protocolVersion}"] is missing or not a string`);
  const clientCapabilities = meta[META.clientCapabilities];
  if (!isObject(clientCapabilities)) return invalidMeta(`params._meta["${META.clientCapabilities}"] is missing or not an object`);
  const logLevel = meta[META.logLevel];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) return invalidMeta(`params._meta["${META.logLevel}"] must be one of ${LOG_LEVELS.join(', ')}`);
  const mismatch = transportMismatch(protocolVersion);
  if (mismatch) return { status: 400, code: RpcCode.headerMismatch, message: `Header mismatch: ${mismatch}` };
  if (!MODERN_PROTOCOL_VERSIONS.includes(protocolVersion)) return unsupportedVersion(protocolVersion);
  return { protocolVersion, clientCapabilities, logLevel: logLevel as LogLevel | undefined };
}

/** The refusal of a version this server does not speak, listing the ones it does. */
export function unsupportedVersion(requested: string): MetaRefusal {
  return {
    status: 400,
    code: RpcCode.unsupportedProtocolVersion,
    message: `Unsupported protocol version "${requested.slice(0, 40)}" (supported: ${ALL_PROTOCOL_VERSIONS.join(', ')})`,
    data: { supported: ALL_PROTOCOL_VERSIONS, requested: requested.slice(0, 100) },
  };
}

/** True when a value is a refusal rather than request metadata. */
export function isRefusal(value: RequestMeta | MetaRefusal): value is MetaRefusal {
  return 'status' in value;
}

/** What a header that must mirror the body gets wrong, if anything. */
function headerMismatch(req: IncomingMessage, message: JsonRpcMessage, protocolVersion: string): string | undefined {
  const version = headerValue(req, 'mcp-protocol-version');
  if (version === undefined) return 'the MCP-Protocol-Version header is missing';
  if (version !== protocolVersion) return `MCP-Protocol-Version header "${version.slice(0, 40)}" does not match _meta version "${protocolVersion.slice(0, 40)}"`;
  const method = headerValue(req, 'mcp-method');
  if (method === undefined) return 'the Mcp-Method header is missing';
  if (method !== message.method) return `Mcp-Method header "${method.slice(0, 100)}" does not match body method "${message.method}"`;
  const field = MCP_NAME_PARAM[message.method!];
  if (!field) return undefined;
  const target = message.params?.[field];
  const name = headerValue(req, 'mcp-name');
  if (name === undefined) return `the Mcp-Name header is missing (it mirrors params.${field})`;
  const decoded = decodeHeaderValue(name);
  if (decoded === undefined) return 'the Mcp-Name header is not valid base64 inside =?base64?…?=';
  if (decoded !== target) return `Mcp-Name header value "${decoded.slice(0, 100)}" does not match body params.${field} "${String(target).slice(0, 100)}"`;
  return undefined;
}

/**
 * What the `Mcp-Param-*` headers of a `tools/call` get wrong against its arguments, if anything:
 * every argument the input schema marks with `x-mcp-header` (through `properties` only) must come
 * with its header, and the header, decoded, must equal the value (integers compared as numbers).
 */
export function paramHeaderMismatch(schema: Record<string, unknown>, args: Record<string, unknown>, headers: IncomingHttpHeaders): string | undefined {
  // Read only for the tools that declare such parameters: most have none, and pay nothing.
  for (const { name, path } of headerParams(schema)) {
    const value = argumentAt(args, path);
    const raw = headers[`mcp-param-${name.toLowerCase()}`];
    const header = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value === undefined || value === null) continue;
    if (header === undefined) return `the Mcp-Param-${name} header is missing (it mirrors arguments.${path.join('.')})`;
    const decoded = decodeHeaderValue(header);
    if (decoded === undefined) return `the Mcp-Param-${name} header is not valid base64 inside =?base64?…?=`;
    const same = typeof value === 'number' ? decoded.trim() !== '' && Number(decoded) === value : decoded === String(value);
    if (!same) return `Mcp-Param-${name} header value "${decoded.slice(0, 100)}" does not match arguments.${path.join('.')}`;
  }
  return undefined;
}

/**
 * A header value as the spec defines it: surrounding whitespace dropped, and `=?base64?…?=`
 * decoded as UTF-8; undefined when the base64 is malformed.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith('=?')) return value; // most values are plain: no regex run for them
  const match = /^=\?base64\?(.*)\?=$/.exec(value);
  if (!match) return value;
  const encoded = match[1]!;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return text.decode(bytes);
  } catch {
    return undefined;
  }
}

/** One header's value, trimmed; a repeated header counts as its first value. */
function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.trim();
}

function metaOf(message: JsonRpcMessage): Record<string, unknown> | undefined {
  const meta = message.params?._meta;
  return isObject(meta) ? meta : undefined;
}

function invalidMeta(problem: string): MetaRefusal {
  return { status: 400, code: RpcCode.invalidParams, message: `Invalid params: ${problem} (protocol 2026-07-28 requests describe their client in _meta)` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
