import { createHash, hkdfSync, randomBytes } from 'node:crypto';

import { ConfigError, RpcCode, RpcError } from '@mcp-cli/core';
import { CompactEncrypt, compactDecrypt } from 'jose';

import type { StateStore } from '../store/state-store.ts';
import type { UserIdentity } from './user-identity.ts';

/** The environment variable that holds the key secrets are sealed with. */
export const SECRETS_KEY_VARIABLE = 'MCP_SERVE_SECRETS_KEY';
/** A secret's name: what `${user.secrets.NAME}` says. */
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Longest secret value, and most secrets one user keeps for one server. */
export const MAX_SECRET_BYTES = 8 * 1024;
export const MAX_SECRETS_PER_SERVER = 32;
const MIN_KEY_LENGTH = 32;
/** The protected header field that ties a sealed value to its server, user and name. */
const BOUND_TO = 'mcp-serve.for';

/**
 * Per-user secrets for `scope: "user"` servers (`${user.secrets.NAME}`), sealed before they reach
 * the store: JWE (`dir`, A256GCM, by jose) under a key derived from `MCP_SERVE_SECRETS_KEY`, each
 * bound in its authenticated header to its server, user and name, so a value copied to another
 * user's place in the store does not open. In the store, users are named by digest only.
 *
 * With a memory store and no key, a key of this process's own is made (the secrets live as long
 * as the process anyway); a Redis store needs the key, which every process shares.
 */
export class UserSecrets {
  readonly #store: StateStore;
  readonly #key: Uint8Array | undefined;

  private constructor(store: StateStore, key: Uint8Array | undefined) {
    this.#store = store;
    this.#key = key;
  }

  /**
   * @throws ConfigError when the key is set but too short.
   */
  static open(store: StateStore, env: NodeJS.ProcessEnv): UserSecrets {
    const text = env[SECRETS_KEY_VARIABLE];
    if (text !== undefined && text.length < MIN_KEY_LENGTH) {
      throw new ConfigError(`${SECRETS_KEY_VARIABLE} must be at least ${MIN_KEY_LENGTH} characters: make one with openssl rand -base64 32`, 'E_SECRETS_KEY');
    }
    if (text === undefined) return new UserSecrets(store, store.redis ? undefined : randomBytes(32));
    return new UserSecrets(store, new Uint8Array(hkdfSync('sha256', text, 'mcp-serve secrets', 'A256GCM', 32)));
  }

  /**
   * Calls `listener` when a user's secrets for a server change, in any process of the store, with
   * the server and the user's digest (see {@link UserSecrets.digestOf}).
   */
  onChange(listener: (server: string, userDigest: string) => void): void {
    this.#store.onFieldsChanged((key) => {
      const place = /^secrets:(.*):([A-Za-z0-9_-]{43})$/.exec(key);
      if (place) listener(place[1]!, place[2]!);
    });
  }

  /** How the store names a user: by digest, never by name. */
  static digestOf(userKey: string): string {
    return digest(userKey);
  }

  /** False for a shared store with no key: nothing can be sealed, so nothing is kept. */
  get canSeal(): boolean {
    return this.#key !== undefined;
  }

  async set(server: string, user: UserIdentity, name: string, value: string): Promise<void> {
    const key = this.#requireKey();
    const sealed = await new CompactEncrypt(new TextEncoder().encode(value)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', [BOUND_TO]: binding(server, user, name) }).encrypt(key);
    if (!(await this.#store.setField(placeOf(server, user), name, sealed, MAX_SECRETS_PER_SERVER))) {
      throw new RpcError(RpcCode.invalidParams, `You keep ${MAX_SECRETS_PER_SERVER} secrets for "${server}" already: delete one first (mcp-call secrets delete ${server} NAME)`);
    }
  }

  delete(server: string, user: UserIdentity, name: string): Promise<boolean> {
    return this.#store.deleteField(placeOf(server, user), name);
  }

  async names(server: string, user: UserIdentity): Promise<string[]> {
    return Object.keys(await this.#store.getFields(placeOf(server, user))).sort();
  }

  /** The user's secrets for `server`, opened; one sealed under another key, or for someone else, is left out. */
  async valuesFor(server: string, user: UserIdentity): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    if (!this.#key) return values;
    for (const [name, sealed] of Object.entries(await this.#store.getFields(placeOf(server, user)))) {
      try {
        const { plaintext, protectedHeader } = await compactDecrypt(sealed, this.#key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
        if (protectedHeader[BOUND_TO] === binding(server, user, name)) values[name] = new TextDecoder().decode(plaintext);
      } catch {
        // Sealed under an earlier key: as if never set, so the user is asked to set it again.
      }
    }
    return values;
  }

  #requireKey(): Uint8Array {
    if (!this.#key) throw new RpcError(RpcCode.internalError, `This gateway keeps no secrets: with a shared store, set ${SECRETS_KEY_VARIABLE} (the same in every process) to seal them`);
    return this.#key;
  }
}

/** Where a user's secrets for one server are kept: the user by digest, never by name. */
function placeOf(server: string, user: UserIdentity): string {
  return `secrets:${server}:${digest(user.key)}`;
}

function binding(server: string, user: UserIdentity, name: string): string {
  return digest(`${server}\u0000${user.key}\u0000${name}`);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
