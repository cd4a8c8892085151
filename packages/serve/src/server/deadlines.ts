/**
 * Deadlines that one timer checks, each run a little late at most (an eighth of its wait, and
 * never more than a second): under load, a timer per request costs more than the rest of a
 * small request's work. Body reads and tool calls share the one instance below.
 */
export class Deadlines {
  readonly #due = new Map<() => void, number>();
  #everyMs = Infinity;
  #timer: NodeJS.Timeout | undefined;

  /** Runs `onLate` once `ms` have passed, unless it is {@link forget}-ten first. */
  watch(onLate: () => void, ms: number): void {
    this.#due.set(onLate, Date.now() + ms);
    const every = Math.max(25, Math.min(1000, Math.floor(ms / 8)));
    if (this.#timer && every >= this.#everyMs) return;
    clearInterval(this.#timer);
    this.#everyMs = every;
    this.#timer = setInterval(() => this.#sweep(), every).unref();
  }

  forget(onLate: () => void): void {
    this.#due.delete(onLate);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [onLate, due] of this.#due) {
      if (due > now) continue;
      this.#due.delete(onLate);
      onLate();
    }
    if (this.#due.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#everyMs = Infinity;
  }
}

export const deadlines = new Deadlines();
