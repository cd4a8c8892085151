import { UsageError } from '@mcp-cli/core';

/**
 * Parses a port number from a flag or variable.
 *
 * @throws UsageError naming `source` unless the value is an integer from 0 to 65535.
 */
export function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new UsageError(`${source} must be an integer from 0 to 65535 (got "${value}"); 0 takes a free port`);
  }
  return port;
}

/**
 * Parses a positive integer from a flag.
 *
 * @throws UsageError naming `source` otherwise.
 */
export function parsePositiveInt(value: string, source: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n <= 0) {
    throw new UsageError(`${source} must be a positive integer (got "${value}")`);
  }
  return n;
}

/**
 * Parses an http(s) URL from a flag.
 *
 * @throws UsageError naming `source` otherwise.
 */
export function parseHttpUrl(value: string, source: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new UsageError(`${source} must be an http(s) URL such as http://localhost:4318 (got "${value}")`);
  }
  return value;
}
