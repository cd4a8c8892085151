import type { OutgoingHttpHeaders } from 'node:http';

import { argumentAt, headerParams, MCP_NAME_PARAM, MODERN_PROTOCOL_VERSIONS, TASKS_EXTENSION } from '@mcp-cli/core';

import type { JsonRpcMessage } from './json-rpc.ts';

/** The protocol version without sessions, the one `--protocol-version 2026-07-28` speaks. */
export const MODERN_VERSION = MODERN_PROTOCOL_VERSIONS[0]!;

/** How a 2026-07-28 request describes its client in `_meta`. */
export interface ClientDescription {
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string };
  logLevel?: string | undefined;
}

/** The `_meta` every 2026-07-28 request carries. */
export function requestMeta(client: ClientDescription): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': { ...client.capabilities, extensions: { [TASKS_EXTENSION]: {} } },
    'io.modelcontextprotocol/clientInfo': client.clientInfo,
    ...(client.logLevel ? { 'io.modelcontextprotocol/logLevel': client.logLevel } : {}),
  };
}

/**
 * The headers that mirror a 2026-07-28 request's body: `Mcp-Method`, `Mcp-Name` for the methods
 * that name a target, and the `Mcp-Param-*` headers a tool's schema asks for (`x-mcp-header`).
 */
export function mirroredHeaders(message: JsonRpcMessage, toolSchema: Record<string, unknown> | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'mcp-protocol-version': MODERN_VERSION };
  if (message.method === undefined) return headers;
  headers['mcp-method'] = message.method;
  const field = MCP_NAME_PARAM[message.method];
  const target = field === undefined ? undefined : message.params?.[field];
  if (typeof target === 'string') headers['mcp-name'] = encodeHeaderValue(target);
  if (message.method === 'tools/call' && toolSchema) {
    const args = (message.params?.arguments ?? {}) as Record<string, unknown>;
    for (const { name, path } of headerParams(toolSchema)) {
      const value = argumentAt(args, path);
      if (value === undefined || value === null) continue;
      headers[`mcp-param-${name.toLowerCase()}`] = encodeHeaderValue(String(value));
    }
  }
  return headers;
}

/**
 * A header value as the spec carries it: plain when it is visible ASCII without surrounding
 * spaces, else `=?base64?…?=` of its UTF-8 (so is a plain value that looks like that form).
 */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !/^=\?base64\?.*\?=$/.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * Why a tool's `x-mcp-header` annotations make it unusable over HTTP, if they do: each must be a
 * token, unique (ignoring case), on a string, integer or boolean property reachable through
 * `properties` alone. Such a tool is left out of the tools list, as the spec asks.
 */
export function invalidHeaderAnnotation(schema: Record<string, unknown>): string | undefined {
  const seen = new Set<string>();
  const reachable = new Set<unknown>();
  for (const { name, property } of headerParams(schema)) {
    reachable.add(property);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return `x-mcp-header "${name}" is not a valid header name`;
    if (seen.has(name.toLowerCase())) return `x-mcp-header "${name}" is used twice`;
    seen.add(name.toLowerCase());
    const type = property.type;
    if (type !== 'string' && type !== 'integer' && type !== 'boolean') return `x-mcp-header "${name}" is on a ${String(type ?? 'untyped')} property (only string, integer and boolean)`;
  }
  // An annotation anywhere else (under items, anyOf, $defs…) is invalid.
  let misplaced: string | undefined;
  const visit = (node: unknown): void => {
    if (misplaced || node === null || typeof node !== 'object') return;
    if (!Array.isArray(node) && 'x-mcp-header' in node && !reachable.has(node)) misplaced = `x-mcp-header "${String((node as Record<string, unknown>)['x-mcp-header'])}" is not reachable through properties alone`;
    for (const child of Object.values(node)) visit(child);
  };
  visit(schema);
  return misplaced;
}
