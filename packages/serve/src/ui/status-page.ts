import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { RpcCode } from '@mcp-cli/core';

import type { ProtectedResource } from '../auth/protected-resource.ts';
import { sendRpcError } from '../http/http-errors.ts';
import { accessRefusal, type Refusal } from '../http/request-guard.ts';
import type { NameSummary } from '../metrics/tool-summary.ts';
import { escapeHtml } from './escape-html.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

/** Where the page reads upstreams and counters (JSON, protected like /mcp). */
export const STATUS_PATH = '/status';

/** What `/status` tells the page. */
export interface StatusSources {
  name: string;
  version: string;
  /** The gateway's upstreams, when there are any. */
  upstreams: (() => Record<string, unknown>) | undefined;
  /** Per-name counters from the metrics; undefined without --metrics. */
  counters: (() => Promise<NameSummary[]>) | undefined;
}

/** Where the page's script goes: the MCP endpoint, `/status`, and the OAuth login when the server has one. */
export interface StatusPaths {
  mcp: string;
  status: string;
  login: string | undefined;
}

/** Who may read what: the page itself needs only the Host and Origin checks, its data what /mcp needs. */
export interface StatusAccess {
  /** DNS-rebinding protection alone (no token): the page holds no data. */
  pageGuard: (req: IncomingMessage) => Refusal | undefined;
  /** Everything /mcp checks. */
  guard: (req: IncomingMessage) => Refusal | undefined;
  oauth: ProtectedResource | undefined;
}

/**
 * The status page for a browser at `/`: a page with no data of its own whose script asks the
 * server's `/mcp` (tools, prompts, resources, a form per tool) and `/status` (upstreams and
 * counters) with the token the user gives. No external assets, and a Content-Security-Policy
 * that lets only its own script and style run.
 */
export function createStatusPage(sources: StatusSources, access: StatusAccess, paths: StatusPaths) {
  const html = pageHtml(paths);
  const sha = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const headers = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; script-src ${sha(PAGE_SCRIPT)}; style-src ${sha(PAGE_STYLE)}; connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  return {
    /** A browser asking for `/` (API clients, which do not ask for HTML, keep the JSON answers). */
    wantsPage(req: IncomingMessage, pathname: string): boolean {
      return pathname === '/' && req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    },
    servePage(req: IncomingMessage, res: ServerResponse): void {
      req.resume();
      const refusal = access.pageGuard(req);
      if (refusal) return sendRpcError(res, refusal.status, RpcCode.serverError, refusal.message, refusal.headers);
      res.writeHead(200, headers).end(html);
    },
    async serveStatus(req: IncomingMessage, res: ServerResponse): Promise<void> {
      req.resume();
      if (req.method !== 'GET') return sendRpcError(res, 405, RpcCode.serverError, `Method ${req.method ?? ''} not allowed here: use GET`, { Allow: 'GET' });
      const refusal = await accessRefusal(req, access.guard, access.oauth);
      if (refusal) return sendRpcError(res, refusal.status, RpcCode.serverError, refusal.message, refusal.headers);
      const body = { name: sources.name, version: sources.version, upstreams: sources.upstreams?.() ?? null, counters: (await sources.counters?.()) ?? null };
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
    },
  };
}

/** The page: markup only; what it shows comes from the server through its script. */
function pageHtml(paths: StatusPaths): string {
  return `<!doctype html>
<html lang="en" data-mcp="${escapeHtml(paths.mcp)}" data-status="${escapeHtml(paths.status)}"${paths.login ? ` data-login="${escapeHtml(paths.login)}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MCP server status</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1><span id="name">MCP server</span> <small id="version"></small></h1><p id="instructions"></p><p id="problem" role="alert"></p></header>
<form id="login" hidden>
  <p id="login-message"></p>
  <label for="token">Token</label> <input id="token" type="password" autocomplete="off" placeholder="the server's bearer token or an OAuth access token">
  <button type="submit">Use token</button>
  <p id="oauth" hidden>or <a id="oauth-login" href="">log in with the authorization server</a></p>
</form>
<main id="main" hidden>
  <section id="upstreams-section" hidden><h2>Upstream servers</h2>
    <table><thead><tr><th>Server</th><th>State</th><th>Restarts</th><th>Last error</th></tr></thead><tbody id="upstreams"></tbody></table></section>
  <section><h2>Calls</h2><p id="counters-note" class="muted"></p>
    <table><thead><tr><th>Method</th><th>Name</th><th>Calls</th><th>Errors</th><th>p50</th><th>p99</th></tr></thead><tbody id="counters"></tbody></table></section>
  <section><h2>Tools (<span id="tool-count">0</span>)</h2><div id="tools"></div></section>
  <section><h2>Prompts</h2><div id="prompts"></div></section>
  <section><h2>Resources</h2><div id="resources"></div></section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
