import type { IncomingMessage, ServerResponse } from 'node:http';

import { RpcCode } from '@mcp-cli/core';

import type { ProtectedResource } from '../auth/protected-resource.ts';
import { sendRpcError } from '../http/http-errors.ts';
import { accessRefusal, type Refusal, staticTokenMatcher } from '../http/request-guard.ts';
import type { RefusalReason, ServerMetrics } from './server-metrics.ts';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/** Who may read `/metrics`: a token of its own, or whoever may use the MCP endpoints. */
export interface MetricsAccess {
  /** A token only for `/metrics` (`--metrics-token`): then nothing else opens it. */
  token: string | undefined;
  guard: (req: IncomingMessage) => Refusal | undefined;
  oauth: ProtectedResource | undefined;
}

/** The handler of scrapes of `/metrics`, refusing what the MCP endpoints would refuse. */
export function createMetricsEndpoint(metrics: ServerMetrics, access: MetricsAccess): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Digested once: a scrape compares, it does not hash the configured token again.
  const ownToken = access.token === undefined ? undefined : staticTokenMatcher([access.token]);
  return async (req, res) => {
    req.resume();
    if (req.method !== 'GET') {
      sendRpcError(res, 405, RpcCode.serverError, `Method ${req.method ?? ''} not allowed here: use GET`, { Allow: 'GET' });
      return;
    }
    const refusal = await refusalOf(req, ownToken, access);
    if (refusal) {
      metrics.refused(refusal.status === 401 ? 'auth' : 'forbidden');
      sendRpcError(res, refusal.status, RpcCode.serverError, refusal.message, refusal.headers);
      return;
    }
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
  };
}

/** The reason a refusal counts under in `mcp_refused_total`. */
export function refusalReason(status: number): RefusalReason {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429 || status === 503) return 'limits';
  return status === 421 ? 'forbidden' : 'bad_request';
}

async function refusalOf(req: IncomingMessage, ownToken: ((header: string | undefined) => boolean) | undefined, access: MetricsAccess): Promise<Refusal | undefined> {
  if (ownToken) {
    return ownToken(req.headers.authorization) ? undefined : { status: 401, message: 'Unauthorized: /metrics needs its token (--metrics-token) as a Bearer token', headers: { 'WWW-Authenticate': 'Bearer' } };
  }
  return accessRefusal(req, access.guard, access.oauth);
}
