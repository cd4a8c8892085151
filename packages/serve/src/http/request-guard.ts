import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

import { isLoopbackHost } from '@mcp-cli/core';

import type { ProtectedResource } from '../auth/protected-resource.ts';
import { verifiedTokenOf } from '../auth/request-auth.ts';

/** A refusal: status, reason and extra headers. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** What the guard enforces. */
export interface GuardOptions {
  /** True when bound to a loopback address: then `Host` must name loopback or an allowed host. */
  loopback: boolean;
  allowedHosts: string[];
  allowedOrigins: string[];
  tokens: string[];
  /** True when OAuth (`auth`) checks the credentials instead, static tokens included. */
  oauth?: boolean;
}


/** A host name (labels of letters, digits, `-` and `_`) or an IP literal, then an optional port. */
const HOST_HEADER = /^(?:\[([0-9a-f:.]+)\]|((?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?))(?::(\d{1,5}))?$/;

/**
 * Checks DNS-rebinding protection (`Host` on loopback binds, `Origin` always) and the bearer
 * token. Tokens are compared as SHA-256 digests with `timingSafeEqual`, so neither their content
 * nor their length leaks through timing.
 */
export function createRequestGuard(options: GuardOptions): (req: IncomingMessage) => Refusal | undefined {
  const allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const tokenDigests = options.oauth ? [] : options.tokens.map(digest);
  return (req) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const hostname = parseHostHeader(host);
    if (hostname === undefined) {
      return { status: 400, message: `Bad Request: malformed Host header "${host.slice(0, 100)}" (expected a name or an address, and an optional port)` };
    }
    if (options.loopback && !isLoopbackName(hostname) && !allowedHosts.has(host) && !allowedHosts.has(hostname)) {
      return {
        status: 421,
        message: `Host "${host || '(none)'}" is not allowed on this loopback server: add it with --allowed-host (MCP_SERVE_ALLOWED_HOSTS, config allowedHosts)`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin.toLowerCase(), host, allowedOrigins)) {
      return {
        status: 403,
        message: `Origin "${origin}" is not allowed: add it with --allowed-origin (MCP_SERVE_ALLOWED_ORIGINS, config allowedOrigins)`,
      };
    }
    if (tokenDigests.length > 0 && !tokenMatches(req.headers.authorization, tokenDigests)) {
      return {
        status: 401,
        message: 'Missing or invalid bearer token: send "Authorization: Bearer <token>" (mcp-call --token)',
        headers: { 'WWW-Authenticate': 'Bearer realm="mcp-serve"' },
      };
    }
    return undefined;
  };
}

function originAllowed(origin: string, host: string, allowed: Set<string>): boolean {
  if (allowed.has(origin) || allowed.has('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // Same origin as the Host the request was sent to, or a page served from loopback.
  return url.host === host || isLoopbackHost(url.hostname);
}

const loopbackNames = new Map<string, boolean>();

/** isLoopbackHost, remembered per name: a request's Host is checked on every request. */
function isLoopbackName(hostname: string): boolean {
  let known = loopbackNames.get(hostname);
  if (known === undefined) {
    known = isLoopbackHost(hostname);
    if (loopbackNames.size < 1000) loopbackNames.set(hostname, known); // bounded: Host comes from clients
  }
  return known;
}

/**
 * The host name (IPv6 without brackets) of a `Host` header value, or undefined when it is not
 * exactly a name or an address with an optional numeric port (`a:80@b`, `a:b` are refused).
 */
export function parseHostHeader(value: string): string | undefined {
  const match = HOST_HEADER.exec(value.toLowerCase());
  if (!match) return undefined;
  const [, ipv6, name, port] = match;
  if (port !== undefined && Number(port) > 65535) return undefined;
  if (ipv6 !== undefined) return isIP(ipv6) === 6 ? ipv6 : undefined;
  return name;
}

/**
 * A digest of the request's credentials: sessions, tasks and request states are bound to it. An
 * OAuth token stands for whom it was issued to, so a refreshed token keeps the same.
 */
export function credentialOf(req: IncomingMessage): string {
  const verified = verifiedTokenOf(req);
  if (verified) return verified.principal;
  const header = req.headers.authorization;
  return header ? createHash('sha256').update(header).digest('base64') : '';
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** True for an `Authorization` header carrying one of `tokens`, compared in constant time. */
export function staticTokenMatcher(tokens: string[]): (header: string | undefined) => boolean {
  const digests = tokens.map(digest);
  return (header) => digests.length > 0 && tokenMatches(header, digests);
}

function tokenMatches(header: string | undefined, digests: Buffer[]): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = digest(match[1]!.trim());
  let ok = false;
  // Compare against every token so the time does not reveal which one matched.
  for (const expected of digests) ok = timingSafeEqual(given, expected) || ok;
  return ok;
}


/**
 * What `/mcp` would refuse of a request to another protected endpoint (`/metrics`, `/status`):
 * the guard's checks, then the OAuth token when the server takes them.
 */
export async function accessRefusal(req: IncomingMessage, guard: (req: IncomingMessage) => Refusal | undefined, oauth: ProtectedResource | undefined): Promise<Refusal | undefined> {
  const refusal = guard(req);
  if (refusal || !oauth) return refusal;
  const verified = await oauth.authenticate(req);
  return typeof verified === 'object' && 'status' in verified ? verified : undefined;
}
