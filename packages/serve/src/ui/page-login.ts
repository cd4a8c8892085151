import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { postToIssuer } from '../auth/issuer-request.ts';
import { issuerMetadata, type TokenVerifier } from '../auth/token-verifier.ts';
import type { Refusal } from '../http/request-guard.ts';
import { escapeHtml } from './escape-html.ts';
import { TOKEN_KEY } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

/** Where the status page's login starts, and where the authorization server sends the browser back. */
export const LOGIN_PATH = '/ui/login';
export const CALLBACK_PATH = '/ui/callback';

const COOKIE = 'mcp-serve-login';
/** A login not finished in ten minutes starts again. */
const LOGIN_TTL_S = 600;

/** Hands the token to the page (same origin, same tab) and goes back to it; the token is in the markup, never the URL. */
const HANDOFF_SCRIPT = `(() => { const root = document.documentElement; sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, root.dataset.token); location.replace(root.dataset.home); })();`;
const sha = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': `default-src 'none'; script-src ${sha(HANDOFF_SCRIPT)}; style-src ${sha(PAGE_STYLE)}; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** What the login needs of the server. */
export interface PageLoginSettings {
  verifier: TokenVerifier;
  /** The scopes to ask for: those the server's metadata lists. */
  scopes: () => string[];
  /** The prefix a reverse proxy mounts the server under. */
  publicBasePath: string;
  /** The Host and Origin checks (DNS rebinding): the login pages carry no data before them. */
  pageGuard: (req: IncomingMessage) => Refusal | undefined;
}

interface Endpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string | undefined;
}

/** This page's client at the issuer, and where it sends the browser to log in. */
interface Client {
  clientId: string;
  authorizationEndpoint: string;
}

/**
 * The status page's own OAuth login (authorization code with PKCE), for a person with a browser
 * and no token to paste. The server is the OAuth client: it sends the browser to the issuer, takes
 * the code back at {@link CALLBACK_PATH}, trades it for a token server to server (no CORS at the
 * issuer needed), checks that the token is one this server accepts, and hands it to the page in
 * the same tab. The state and PKCE verifier ride in a short-lived HttpOnly cookie, so any process
 * behind a balancer finishes a login another began. The client is `auth.pageClientId`, or one the
 * server registers at the issuer on the first login (RFC 7591).
 */
export class PageLogin {
  readonly #settings: PageLoginSettings;
  /** The public address of the callback, as the issuer sends the browser back to it. */
  readonly #redirectUri: string;
  readonly #home: string;
  readonly #secure: boolean;
  #client: Promise<Client> | undefined;

  constructor(settings: PageLoginSettings) {
    this.#settings = settings;
    const origin = new URL(settings.verifier.settings.audience).origin;
    this.#redirectUri = `${origin}${settings.publicBasePath}${CALLBACK_PATH}`;
    this.#home = `${origin}${settings.publicBasePath}/`;
    this.#secure = origin.startsWith('https:');
  }

  /** Where the page's login link points: the server's public origin, where the login finishes. */
  get loginUrl(): string {
    return `${new URL(this.#redirectUri).origin}${this.#settings.publicBasePath}${LOGIN_PATH}`;
  }

  /** GET {@link LOGIN_PATH}: to the issuer's login, with a fresh state and PKCE challenge. */
  async start(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    if (this.#refused(req, res)) return;
    let client: Client;
    try {
      client = await this.#registeredClient();
    } catch (error) {
      return answerPage(res, 502, 'The login cannot start', (error as Error).message);
    }
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const scopes = this.#settings.scopes();
    const authorize = new URL(client.authorizationEndpoint);
    const query = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: this.#redirectUri,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: this.#settings.verifier.settings.audience,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    };
    for (const [key, value] of Object.entries(query)) authorize.searchParams.set(key, value);
    // The client id rides along: the process that takes the callback may have registered another.
    const cookie = `${state}.${verifier}.${Buffer.from(client.clientId).toString('base64url')}`;
    res.writeHead(302, { Location: authorize.href, 'Set-Cookie': this.#cookie(cookie, LOGIN_TTL_S), 'Cache-Control': 'no-store' }).end();
  }

  /** GET {@link CALLBACK_PATH}: the issuer's answer, traded for a token that is handed to the page. */
  async finish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    if (this.#refused(req, res)) return;
    // Whatever happens, this login's cookie is used up.
    res.setHeader('Set-Cookie', this.#cookie('', 0));
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const [state, verifier, clientId] = (cookieValue(req.headers.cookie, COOKIE) ?? '').split('.');
    if (!state || !verifier || !clientId || !sameText(state, query.get('state') ?? '')) {
      return answerPage(res, 400, 'This login was not started here, or took too long', 'Open the status page and log in again.');
    }
    const refused = query.get('error');
    if (refused !== null) {
      const description = query.get('error_description');
      return answerPage(res, 401, 'The authorization server refused the login', `${refused.slice(0, 100)}${description ? `: ${description.slice(0, 300)}` : ''}`);
    }
    const code = query.get('code');
    if (!code) return answerPage(res, 400, 'The authorization server sent no code', 'Open the status page and log in again.');
    let token: string;
    try {
      token = await this.#redeem(code, verifier, Buffer.from(clientId, 'base64url').toString());
    } catch (error) {
      return answerPage(res, 502, 'The login could not be finished', (error as Error).message);
    }
    if (!(await this.#settings.verifier.verify(token, req.socket.remoteAddress))) {
      return answerPage(res, 502, 'The token is not one this server accepts', `The authorization server gave a token this server refuses: check that the issuer issues tokens for ${this.#settings.verifier.settings.audience}.`);
    }
    const html = `<!doctype html><html lang="en" data-token="${escapeHtml(token)}" data-home="${escapeHtml(this.#home)}"><head><meta charset="utf-8"><title>Logged in</title></head><body><p>Logged in. <a href="${escapeHtml(this.#home)}">Back to the status page</a></p><script>${HANDOFF_SCRIPT}</script></body></html>`;
    res.writeHead(200, PAGE_HEADERS).end(html);
  }

  #refused(req: IncomingMessage, res: ServerResponse): boolean {
    const refusal = this.#settings.pageGuard(req);
    if (refusal) answerPage(res, refusal.status, 'Refused', refusal.message, refusal.headers);
    return refusal !== undefined;
  }

  #cookie(value: string, maxAge: number): string {
    return `${COOKIE}=${value}; Path=${this.#settings.publicBasePath}${CALLBACK_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${this.#secure ? '; Secure' : ''}`;
  }

  /** The issuer's endpoints and this page's client there: read (and registered) once, again after a failure. */
  #registeredClient(): Promise<Client> {
    this.#client ??= this.#register().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  /** The issuer's endpoints a login uses. */
  async #endpoints(): Promise<Endpoints> {
    const { issuer } = this.#settings.verifier.settings;
    const metadata = await issuerMetadata(issuer);
    const endpoint = (name: string): string => {
      const value = metadata[name];
      if (typeof value !== 'string' || !/^https?:\/\//.test(value)) throw new Error(`The issuer ${issuer} publishes no ${name}, which a browser login needs`);
      return value;
    };
    return {
      authorizationEndpoint: endpoint('authorization_endpoint'),
      tokenEndpoint: endpoint('token_endpoint'),
      registrationEndpoint: typeof metadata.registration_endpoint === 'string' ? metadata.registration_endpoint : undefined,
    };
  }

  async #register(): Promise<Client> {
    const { issuer, pageClientId } = this.#settings.verifier.settings;
    const { registrationEndpoint, authorizationEndpoint } = await this.#endpoints();
    if (pageClientId) return { clientId: pageClientId, authorizationEndpoint };
    if (registrationEndpoint === undefined) {
      throw new Error(`The issuer ${issuer} takes no client registrations: register a client there with the redirect URI ${this.#redirectUri} and set auth.pageClientId (--auth-page-client-id) to its id`);
    }
    const clientMetadata = {
      client_name: 'mcp-serve status page',
      redirect_uris: [this.#redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.#settings.scopes().length > 0 ? { scope: this.#settings.scopes().join(' ') } : {}),
    };
    const answer = await postToIssuer(registrationEndpoint, clientMetadata);
    if (typeof answer.body.client_id !== 'string') throw new Error(`The issuer ${issuer} refused to register the status page (HTTP ${answer.status}${errorOf(answer.body)})`);
    return { clientId: answer.body.client_id, authorizationEndpoint };
  }

  /** Trades the code as the client that asked for it (a public client: its id is no secret, the PKCE verifier is the proof). */
  async #redeem(code: string, verifier: string, clientId: string): Promise<string> {
    const { tokenEndpoint } = await this.#endpoints();
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.#redirectUri, client_id: clientId, code_verifier: verifier, resource: this.#settings.verifier.settings.audience });
    const answer = await postToIssuer(tokenEndpoint, form);
    if (typeof answer.body.access_token !== 'string') throw new Error(`The token endpoint answered HTTP ${answer.status}${errorOf(answer.body)}`);
    return answer.body.access_token;
  }
}

function errorOf(body: Record<string, unknown>): string {
  if (typeof body.error !== 'string') return '';
  return `: ${body.error.slice(0, 100)}${typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 300)})` : ''}`;
}

/** A page that says what went wrong, every text escaped, with the way back to the status page. */
function answerPage(res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><h1>${escapeHtml(title)}</h1><p id="problem">${escapeHtml(detail)}</p><p><a href="./../">Back to the status page</a></p></body></html>`;
  res.writeHead(status, { ...PAGE_HEADERS, ...headers }).end(html);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
