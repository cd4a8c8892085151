import { createHash } from 'node:crypto';

import type { HandlerContext } from '@mcp-cli/core';
import { RpcCode, RpcError } from '@mcp-cli/core';

import { type InternalHandlerContext, REQUEST } from '../server/handler-context.ts';

/** Whose upstream a call goes to, under `scope: "user"`. */
export interface UserIdentity {
  /** Names the user among all others: never shown, never a label. */
  key: string;
  /** The OAuth subject; '' without OAuth. */
  sub: string;
  /** The OAuth token's claims; empty without OAuth. */
  claims: Readonly<Record<string, unknown>>;
  /** The user's secrets for the server being started (`${user.secrets.NAME}`), once read. */
  secrets?: Readonly<Record<string, string>>;
}

/** The error of a call to a server that needs a secret the caller has not set (JSON-RPC server error range). */
export const SECRET_MISSING = -32051;

/** Longest value one `${user.…}` puts in a command's arguments or environment. */
const MAX_VALUE = 1024;
const PLACEHOLDER = /\$\{user\.(sub|id|claims\.([A-Za-z0-9_.:-]{1,128})|secrets\.([A-Za-z0-9_.-]{1,64}))\}/g;

/**
 * Who makes a call or holds a subscription, as far as the gateway's routing needs: its session,
 * its token's verified claims, and its credential's digest (a session satisfies it).
 */
export interface Caller {
  readonly id: string | undefined;
  readonly auth: Readonly<Record<string, unknown>> | undefined;
  readonly principal: string;
}

/** The caller of one request, as its handler context tells. */
export function callerOf(ctx: HandlerContext): Caller {
  return { id: ctx.sessionId, auth: ctx.auth, principal: (ctx as InternalHandlerContext)[REQUEST]?.session.principal ?? '' };
}

/**
 * The identity a caller acts as: its OAuth subject (with the issuer, so two issuers' users
 * never meet), else its static token (by digest), else its session; undefined for an anonymous
 * request without a session, which nothing ties to the next one.
 */
export function userOf(caller: Caller): UserIdentity | undefined {
  const claims = caller.auth;
  if (claims && typeof claims.sub === 'string' && claims.sub !== '') {
    return { key: `sub:${typeof claims.iss === 'string' ? claims.iss : ''} ${claims.sub}`, sub: claims.sub, claims };
  }
  if (caller.principal) return { key: `token:${caller.principal}`, sub: '', claims: {} };
  if (caller.id !== undefined) return { key: `session:${caller.id}`, sub: '', claims: {} };
  return undefined;
}

/** The identity of no one: the listing run of a per-user server fills its placeholders with ''. */
export const NO_USER: UserIdentity = { key: '', sub: '', claims: {} };

/**
 * `text` with each `${user.sub}`, `${user.id}`, `${user.claims.NAME}` and `${user.secrets.NAME}`
 * replaced by the caller's value. `${user.id}` is a digest-based name safe in file names.
 *
 * @throws RpcError naming the claim when the caller's token lacks it, or {@link SECRET_MISSING}
 * naming the secret the caller has not set (never its value).
 */
export function fillUserPlaceholders(text: string, user: UserIdentity, server: string): string {
  return text.replace(PLACEHOLDER, (_match, field: string, claim: string | undefined, secret: string | undefined) => {
    if (field === 'sub') return user.sub;
    if (field === 'id') return user.key === '' ? '' : idOf(user.key);
    if (secret !== undefined) {
      if (user.key === '') return '';
      const value = user.secrets?.[secret];
      if (value === undefined) throw new RpcError(SECRET_MISSING, `Server "${server}" needs your secret ${secret}: set it with mcp-call secrets set ${server} ${secret}`, { server, secret });
      return value;
    }
    const value = user.key === '' ? '' : user.claims[claim!];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new RpcError(RpcCode.invalidRequest, `Server "${server}" needs the caller's "${claim}" claim (\${user.claims.${claim}}), which this token does not carry`);
    }
    const filled = String(value);
    if (filled.length > MAX_VALUE) throw new RpcError(RpcCode.invalidRequest, `The caller's "${claim}" claim is longer than ${MAX_VALUE} characters`);
    return filled;
  });
}

/** The names of the secrets a server's command, arguments, environment and headers use. */
export function secretsNamedIn(spec: { command?: string; args?: string[]; env?: Record<string, string>; cwd?: string; headers?: Record<string, string>; token?: string; url?: string }): string[] {
  const texts = [...(spec.args ?? []), ...Object.values(spec.env ?? {}), spec.cwd ?? '', ...Object.values(spec.headers ?? {}), spec.token ?? ''];
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(PLACEHOLDER)) if (match[3] !== undefined) names.add(match[3]);
  return [...names].sort();
}

/** A short, stable name for a user: 16 hex characters of the SHA-256 of its key. */
function idOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A server's command, arguments, environment and headers with the caller's values filled in. */
export function specForUser<T extends { args?: string[]; env?: Record<string, string>; cwd?: string; headers?: Record<string, string>; token?: string }>(spec: T, user: UserIdentity, server: string): T {
  const fill = (text: string): string => fillUserPlaceholders(text, user, server);
  const fillAll = (values: Record<string, string> | undefined) => values && Object.fromEntries(Object.entries(values).map(([key, value]) => [key, fill(value)]));
  return {
    ...spec,
    ...(spec.args ? { args: spec.args.map(fill) } : {}),
    ...(spec.env ? { env: fillAll(spec.env) } : {}),
    ...(spec.cwd ? { cwd: fill(spec.cwd) } : {}),
    ...(spec.headers ? { headers: fillAll(spec.headers) } : {}),
    ...(spec.token ? { token: fill(spec.token) } : {}),
  };
}
