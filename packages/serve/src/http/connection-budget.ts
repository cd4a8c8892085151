import { readFileSync } from 'node:fs';

/** Descriptors kept back from connections: files, upstream pipes, Redis, the listener itself. */
const RESERVED_DESCRIPTORS = 256;
/** The budget where the limit cannot be read (not Linux). */
const FALLBACK_BUDGET = 10_000;

/**
 * How many connections this process can hold: its open-files limit (the soft one, which the
 * process may use) less a reserve for what else it opens. A count that real deployments reach
 * never refuses a client before the system would; the system's limit is the one that matters.
 */
export function connectionBudget(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft === undefined) return FALLBACK_BUDGET;
    if (soft === 'unlimited') return 1_000_000;
    return Math.max(64, Number(soft) - RESERVED_DESCRIPTORS);
  } catch {
    return FALLBACK_BUDGET;
  }
}
