import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Checks DNS-rebinding protection (`Host` on loopback binds, `Origin` always) and the bearer
 * token. Tokens are compared as SHA-256 digests with `timingSafeEqual`, so neither their content
 * nor their length leaks through timing.
 */
export function createRequestGuard(options: GuardOptions): (req: IncomingMessage) => Refusal | undefined {
  const allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const tokenDigests = options.tokens.map(digest);
  return (req) => {
    const host = (req.headers.host ?? '').toLowerCase();
    const hostname = stripPort(host);
    if (options.loopback && !LOOPBACK_NAMES.has(hostname) && !allowedHosts.has(host) && !allowedHosts.has(hostname)) {
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
  return url.host === host || LOOPBACK_NAMES.has(url.hostname);
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
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

/** True when a bind address only accepts local connections. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
