import { RpcCode, RpcError } from '@mcp-cli/core';

import type { MethodHandler, RequestContext } from '../server/mcp-session.ts';
import type { ProtocolExtension } from '../server/protocol-extension.ts';
import { type UserIdentity, userOf } from './user-identity.ts';
import { MAX_SECRET_BYTES, SECRET_NAME, type UserSecrets } from './user-secrets.ts';

/** The experimental capability that says a gateway takes per-user secrets, and for which servers. */
export const SECRETS_CAPABILITY = 'mcp-serve/secrets';
/** The methods mcp-call's `secrets` command uses. */
export const SECRET_METHODS = { set: 'mcp-serve/secrets/set', delete: 'mcp-serve/secrets/delete', list: 'mcp-serve/secrets/list' } as const;

/**
 * The gateway's secret methods, over whatever carries the session (HTTP, SSE, stdio): a user
 * sets, deletes and lists the names of their own secrets for the servers that use them. Values
 * go in and never come out; whose secrets a call touches is the caller's identity, never a
 * parameter.
 *
 * @param servers each server that uses `${user.secrets.NAME}`, with the names it uses
 */
export function secretMethods(secrets: UserSecrets, servers: ReadonlyMap<string, string[]>): ProtocolExtension {
  const methods = new Map<string, MethodHandler>();
  methods.set(SECRET_METHODS.set, async (params, ctx) => {
    const user = userCalling(ctx);
    const server = serverOf(params, servers);
    const name = nameOf(params);
    const { value } = params;
    if (typeof value !== 'string' || value === '') throw new RpcError(RpcCode.invalidParams, 'Invalid params: "value" must be a string that is not empty');
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES) throw new RpcError(RpcCode.invalidParams, `Invalid params: "value" is longer than ${MAX_SECRET_BYTES} bytes`);
    await secrets.set(server, user, name, value);
    return {};
  });
  methods.set(SECRET_METHODS.delete, async (params, ctx) => {
    const user = userCalling(ctx);
    const server = serverOf(params, servers);
    return { deleted: await secrets.delete(server, user, nameOf(params)) };
  });
  methods.set(SECRET_METHODS.list, async (_params, ctx) => {
    const user = userCalling(ctx);
    return { servers: await Promise.all([...servers].map(async ([server, uses]) => ({ server, uses, set: await secrets.names(server, user) }))) };
  });
  return { methods, experimental: { [SECRETS_CAPABILITY]: { servers: Object.fromEntries(servers) } } };
}

function userCalling(ctx: RequestContext): UserIdentity {
  const user = userOf(ctx.session);
  if (!user) throw new RpcError(RpcCode.invalidRequest, 'Secrets belong to a user: call with a token (or in a session) so the gateway knows whose they are');
  return user;
}

function serverOf(params: Record<string, unknown>, servers: ReadonlyMap<string, string[]>): string {
  const { server } = params;
  if (typeof server === 'string' && servers.has(server)) return server;
  throw new RpcError(RpcCode.invalidParams, `Invalid params: "server" must name a server that takes secrets (${[...servers.keys()].join(', ')})`);
}

function nameOf(params: Record<string, unknown>): string {
  const { name } = params;
  if (typeof name === 'string' && SECRET_NAME.test(name)) return name;
  throw new RpcError(RpcCode.invalidParams, 'Invalid params: "name" must be 1 to 64 letters, digits, "_", "-" or "."');
}
