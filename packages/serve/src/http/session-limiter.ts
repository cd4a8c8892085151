import type { Refusal } from './request-guard.ts';

/**
 * Caps open sessions in total and per client address. `acquire` returns a release function, or a
 * refusal (503 when the server is full, 429 when one client holds too many) with `Retry-After`.
 */
export class SessionLimiter {
  readonly #perClient = new Map<string, number>();
  #total = 0;

  readonly #maxTotal: number;
  readonly #maxPerClient: number;

  constructor(maxTotal: number, maxPerClient: number) {
    this.#maxTotal = maxTotal;
    this.#maxPerClient = maxPerClient;
  }

  acquire(client: string): (() => void) | Refusal {
    if (this.#total >= this.#maxTotal) {
      return {
        status: 503,
        message: `Server is at its session limit (${this.#maxTotal}, limits.maxSessions): retry later`,
        headers: { 'Retry-After': '5' },
      };
    }
    const held = this.#perClient.get(client) ?? 0;
    if (held >= this.#maxPerClient) {
      return {
        status: 429,
        message: `Too many sessions from ${client} (${this.#maxPerClient}, limits.maxSessionsPerClient): close some and retry`,
        headers: { 'Retry-After': '5' },
      };
    }
    this.#total++;
    this.#perClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left === 0) this.#perClient.delete(client);
      else this.#perClient.set(client, left);
    };
  }

  get total(): number {
    return this.#total;
  }
}
