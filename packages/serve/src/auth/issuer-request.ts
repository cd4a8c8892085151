import { readResponseText } from '@mcp-cli/core';

/** An issuer's answer is waited for this long, and read up to this size. */
const TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 64 * 1024;

/** An issuer's answer: its status, and its body when that is a JSON object (else empty). */
export interface IssuerAnswer {
  ok: boolean;
  status: number;
  body: Record<string, unknown>;
}

/**
 * POSTs a form (or a JSON document) to an issuer's endpoint, with a deadline, no redirects, and
 * a bounded answer. Throws only when the endpoint cannot be reached; an answer that is not a
 * JSON object reads as an empty one, for the caller to judge by its status.
 *
 * @param basic client credentials sent as HTTP Basic (RFC 6749 section 2.3.1)
 */
export async function postToIssuer(url: string, body: URLSearchParams | Record<string, unknown>, basic?: { id: string; secret: string }): Promise<IssuerAnswer> {
  const form = body instanceof URLSearchParams;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      accept: 'application/json',
      ...(basic ? { authorization: basicAuthorization(basic.id, basic.secret) } : {}),
    },
    body: form ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
    redirect: 'error',
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readResponseText(response, MAX_ANSWER_BYTES));
  } catch {
    parsed = undefined;
  }
  return { ok: response.ok, status: response.status, body: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {} };
}

/** An HTTP Basic header of client credentials, each form-encoded first as RFC 6749 asks. */
export function basicAuthorization(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
