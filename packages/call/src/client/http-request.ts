import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';

import { ConnectionError } from '@mcp-cli/core';

/** A request to send. */
export interface HttpRequestOptions {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  headers: OutgoingHttpHeaders;
  body?: string;
  signal: AbortSignal;
  /**
   * Ends the request when `signal` fires, even before the answer's headers (a stream being
   * opened, which nothing else waits on). Requests answered through the session leave this off:
   * the session rejects them itself, with no listener per request on one shared signal.
   */
  endOnAbort?: boolean;
}

const agents = new Map<string, Agent>();

/**
 * Signs requests with a sender-constrained (DPoP) token: its headers for a request, and what a
 * response says (a new `DPoP-Nonce`; true when the request must be sent again with it).
 */
export interface RequestSigner {
  headers(method: string, url: URL, headers: OutgoingHttpHeaders): Promise<OutgoingHttpHeaders>;
  observe(res: IncomingMessage, url: URL): boolean;
}

// One credential per process: the command's. Set only when its token is DPoP-bound.
let signer: RequestSigner | undefined;

/** Every HTTP request of this process is signed by `next` from now on (undefined: none). */
export function useRequestSigner(next: RequestSigner | undefined): void {
  signer = next;
}

/**
 * Sends one HTTP request with node:http (https loaded only for https URLs) over a keep-alive
 * agent, and resolves with the response once its headers arrive.
 *
 * @throws ConnectionError naming the URL when the server cannot be reached.
 */
export async function sendHttpRequest(options: HttpRequestOptions): Promise<IncomingMessage> {
  if (!signer) return sendOnce(options);
  const signing = signer;
  const res = await sendOnce({ ...options, headers: await signing.headers(options.method, options.url, options.headers) });
  // A resource server's use_dpop_nonce challenge: sent once more, with a fresh proof carrying its nonce.
  if (!signing.observe(res, options.url)) return res;
  res.resume();
  const again = await sendOnce({ ...options, headers: await signing.headers(options.method, options.url, options.headers) });
  signing.observe(again, options.url);
  return again;
}

async function sendOnce(options: HttpRequestOptions): Promise<IncomingMessage> {
  const { url } = options;
  const secure = url.protocol === 'https:';
  const request = secure ? (await import('node:https')).request : httpRequest;
  const agent = await agentFor(url.protocol);
  if (options.signal.aborted) throw options.signal.reason;
  // The signal is not handed to node:http: that would add a listener per request to one shared
  // signal. The session rejects waiting requests itself, and closing destroys the sockets.
  return new Promise((resolve, reject) => {
    const { signal } = options;
    const onAbort = (): void => {
      req.destroy();
      reject(signal.reason as Error);
    };
    const settle = (): void => {
      if (options.endOnAbort) signal.removeEventListener('abort', onAbort);
    };
    const req = request(url, { method: options.method, headers: options.headers, agent }, (res) => (settle(), resolve(res)));
    req.on('error', (error: NodeJS.ErrnoException) => (settle(), reject(signal.aborted && options.endOnAbort ? (signal.reason as Error) : describeNetworkError(error, url))));
    if (options.endOnAbort) signal.addEventListener('abort', onAbort, { once: true });
    req.setNoDelay(true);
    req.end(options.body);
  });
}

/** Sends a request and resolves once it is written, without waiting for the answer. */
export async function sendHttpRequestUntilSent(options: HttpRequestOptions): Promise<void> {
  if (signer) options = { ...options, headers: await signer.headers(options.method, options.url, options.headers) };
  const agent = await agentFor(options.url.protocol);
  const request = options.url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = request(options.url, { method: options.method, headers: options.headers, agent }, (res) => res.resume());
    req.setTimeout(1000, () => req.destroy());
    req.on('error', reject);
    req.end(options.body, () => resolve());
  });
}

async function agentFor(protocol: string): Promise<Agent> {
  let agent = agents.get(protocol);
  if (!agent) {
    agent =
      protocol === 'https:'
        ? new (await import('node:https')).Agent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
    agents.set(protocol, agent);
  }
  return agent;
}

/** Closes idle keep-alive sockets so the process can exit. */
export function destroyAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * Reads a whole response body as UTF-8, up to `maxBytes`.
 *
 * @throws ConnectionError when the body is larger, or the connection drops before its end.
 */
export function readText(res: IncomingMessage, maxBytes: number): Promise<string> {
  // Plain events: cheaper per response than an async iterator.
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length <= maxBytes) return;
      res.destroy();
      reject(new ConnectionError(`The server's response is larger than ${maxBytes} bytes (raise it with --max-message-bytes)`, 'E_MESSAGE_TOO_LARGE'));
    });
    res.once('end', () => resolve(text));
    res.once('error', (error) => reject(new ConnectionError(`The connection dropped while reading the response: ${error.message}`, 'E_STREAM_CLOSED')));
  });
}

/** The most of an error body worth reading: its reason fits in the first few kilobytes. */
const ERROR_BODY_BYTES = 16 * 1024;

/**
 * Reads an error response and says why in one line: `HTTP 404 Not Found`, plus the server's
 * message (a JSON-RPC error's, an HTML page's title, or the start of the text) when it gave one.
 */
export async function readErrorReason(res: IncomingMessage): Promise<{ status: number; reason: string }> {
  const body = await readPrefix(res, ERROR_BODY_BYTES);
  const status = res.statusCode ?? 0;
  const statusText = res.statusMessage ? ` ${res.statusMessage}` : '';
  const detail = oneLine(describeBody(body, String(res.headers['content-type'] ?? '')), 200);
  return { status, reason: `HTTP ${status}${statusText}${detail && detail !== res.statusMessage ? `: ${detail}` : ''}` };
}

/** The first `maxBytes` of a body; the rest is not read. */
function readPrefix(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length < maxBytes) return;
      res.destroy();
      resolve(text.slice(0, maxBytes));
    });
    res.once('end', () => resolve(text));
    res.once('error', () => resolve(text));
    res.once('close', () => resolve(text));
  });
}

function describeBody(body: string, type: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  if (type.includes('html') || /^\s*</.test(body)) {
    // An HTML error page (Express, Python's http.server, proxies): its title says it all.
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(body)?.[1] ?? '';
    return title.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  }
  return body;
}

/** Collapses whitespace (newlines included) and cuts to `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A request the server refused for lack of credentials (401), or of scope (403): its
 * `WWW-Authenticate` challenge says where to get them (OAuth), when the server gave one.
 */
export class AuthChallengeError extends ConnectionError {
  readonly status: number;
  readonly challenge: string | undefined;
  readonly url: string;

  constructor(url: string, status: number, reason: string, challenge: string | undefined) {
    super(`${url} refused the request (${reason})`, 'E_AUTH');
    this.url = url;
    this.status = status;
    this.challenge = challenge;
  }
}

/** The error for a request the server refused for lack of credentials. */
export function authError(url: string, reason: string, res?: IncomingMessage): AuthChallengeError {
  const challenge = res?.headers['www-authenticate'];
  return new AuthChallengeError(url, res?.statusCode ?? 401, reason, Array.isArray(challenge) ? challenge.join(', ') : challenge);
}

/** Codes that mean "nothing listens there (yet)": retried by --wait. */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** TLS codes for a certificate signed by no authority Node trusts (a private CA, or self-signed). */
const UNTRUSTED_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

function describeNetworkError(error: NodeJS.ErrnoException, url: URL): ConnectionError {
  const code = error.code ?? 'ERROR';
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused: is the server running?'
      : code === 'ENOTFOUND'
        ? `host "${url.hostname}" not found: check the URL`
        : code === 'ECONNRESET'
          ? 'the server closed the connection'
          : UNTRUSTED_CERTIFICATE_CODES.has(code)
            ? `its certificate is not trusted (${error.message}): to trust its authority, set NODE_EXTRA_CA_CERTS to its CA certificate (PEM)`
            : error.message;
  return new ConnectionError(`Cannot reach ${url.origin}: ${reason}`, code, { cause: error });
}
