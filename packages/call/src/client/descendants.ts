import { readdirSync, readFileSync } from 'node:fs';

/** How often the tree is read while the server runs, to know descendants whose parent left. */
const SNAPSHOT_EVERY_MS = 2000;
/** Most descendants remembered (a server that forks without end is not followed further). */
const MAX_TRACKED = 4096;

/**
 * The processes a server started, and theirs, followed through Linux's /proc (each task's
 * `children` list): also those that left the server's process group with `setsid`, which
 * signalling the group misses. Each is remembered with its start time, so a pid the system has
 * given to another process since is never signalled. Elsewhere it tracks nothing.
 */
export class DescendantTracker {
  readonly #root: number;
  /** pid → start time (clock ticks since boot, field 22 of /proc/PID/stat). */
  readonly #known = new Map<number, string>();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(root: number) {
    this.#root = root;
    this.#timer = process.platform === 'linux' ? setInterval(() => this.snapshot(), SNAPSHOT_EVERY_MS).unref() : undefined;
  }

  /** Reads the tree under the server now and remembers every process in it. */
  snapshot(): void {
    if (process.platform !== 'linux') return;
    const pending = [this.#root, ...this.#known.keys()];
    const seen = new Set<number>();
    while (pending.length > 0 && this.#known.size < MAX_TRACKED) {
      const pid = pending.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      for (const child of childrenOf(pid)) {
        const started = startTimeOf(child);
        if (started === undefined) continue;
        if (!this.#known.has(child)) this.#known.set(child, started);
        pending.push(child);
      }
    }
  }

  /** Signals every remembered descendant that is still the process it was. */
  signal(signal: NodeJS.Signals): void {
    for (const pid of this.#living()) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }

  /** True while a remembered descendant still runs. */
  anyAlive(): boolean {
    return this.#living().length > 0;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #living(): number[] {
    const living: number[] = [];
    for (const [pid, started] of this.#known) {
      if (startTimeOf(pid) === started) living.push(pid);
      else this.#known.delete(pid);
    }
    return living;
  }
}

/** The direct children of a process: every one of its threads' children lists. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** A running process's start time; undefined when it is gone or a zombie. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}
