import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the authorization server sent back to the redirect URI. */
export interface CallbackResult {
  code: string;
  state: string | undefined;
  /** RFC 9207: the issuer that answered, when it says. */
  iss: string | undefined;
}

/** Why an answer whose state is not this login's is refused. */
const OTHER_LOGIN = 'that answer belongs to another login (its state differs)';

/** How long the person has to finish logging in. */
const LOGIN_TIMEOUT_MS = 5 * 60_000;

/**
 * A one-shot HTTP server on 127.0.0.1 that takes the authorization response at `/callback`
 * (RFC 8252 loopback redirect). Only the first answer with the expected `state` counts.
 */
export class LoopbackCallback {
  readonly #server: Server;
  #waiting: { resolve: (result: CallbackResult) => void; reject: (error: Error) => void } | undefined;
  #result: CallbackResult | Error | undefined;
  expectedState: string | undefined;

  private constructor(server: Server) {
    this.#server = server;
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      const refusal = this.#take(url);
      if (refusal === OTHER_LOGIN) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('This answer belongs to another login.');
      res.writeHead(refusal ? 400 : 200, { 'content-type': 'text/html; charset=utf-8' }).end(refusal ? '<!doctype html><title>Login failed</title><p>The login did not succeed. See the terminal.</p>' : '<!doctype html><title>Logged in</title><p>mcp-call is logged in. You can close this tab.</p>');
    });
  }

  /**
   * Takes the address a browser ended on, pasted by the person (`login --no-browser`: the browser
   * may be on another machine, where this loopback address does not load), as if the browser had
   * reached it. Returns why it was not taken, if it was not.
   */
  accept(pasted: string): string | undefined {
    const text = pasted.trim();
    if (!URL.canParse(text)) return 'that is not a URL';
    const url = new URL(text);
    if (url.pathname !== new URL(this.redirectUrl).pathname || !/^http:$/.test(url.protocol)) return `that is not the address the login ends on (${this.redirectUrl}?code=…)`;
    return this.#take(url);
  }

  /** Settles on an answer with the expected state; returns why one was not taken. */
  #take(url: URL): string | undefined {
    const state = url.searchParams.get('state') ?? undefined;
    if (this.expectedState !== undefined && state !== this.expectedState) return OTHER_LOGIN;
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    const refusal = code ? undefined : `the authorization server refused: ${(error ?? 'no code').slice(0, 100)}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')!.slice(0, 200)})` : ''}`;
    this.#settle(code ? { code, state, iss: url.searchParams.get('iss') ?? undefined } : new Error(refusal));
    return refusal;
  }

  /** Starts listening on `port` (0: any free one). */
  static async start(port = 0): Promise<LoopbackCallback> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return new LoopbackCallback(server);
  }

  get redirectUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/callback`;
  }

  /** Waits for the answer, at most five minutes, or until `signal` aborts. */
  wait(signal: AbortSignal): Promise<CallbackResult> {
    if (this.#result) return this.#result instanceof Error ? Promise.reject(this.#result) : Promise.resolve(this.#result);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(new Error(`no answer from the browser within ${LOGIN_TIMEOUT_MS / 60_000} minutes`)), LOGIN_TIMEOUT_MS);
      const abort = (): void => this.#settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', abort, { once: true });
      this.#waiting = {
        resolve: (result) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', abort);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', abort);
          reject(error);
        },
      };
    });
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #settle(result: CallbackResult | Error): void {
    if (this.#result) return;
    this.#result = result;
    if (result instanceof Error) this.#waiting?.reject(result);
    else this.#waiting?.resolve(result);
  }
}
