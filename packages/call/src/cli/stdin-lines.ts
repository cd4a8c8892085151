import { createInterface, type Interface } from 'node:readline';

/** Lines typed ahead of their question are kept, up to this many (a flood of input is dropped). */
const MAX_TYPED_AHEAD = 100;

interface Reader {
  rl: Interface;
  typedAhead: string[];
  waiting: ((line: string | undefined) => void) | undefined;
  ended: boolean;
}

let reader: Reader | undefined;

/**
 * The next line of standard input, for questions asked at a terminal (or answers piped in): one
 * reader serves every question of the run, so lines typed (or piped) ahead of a question are
 * kept for it. Resolves undefined at the end of input, or when `signal` aborts (the server
 * withdrew its question). Between questions stdin is paused, so it never keeps the process alive.
 */
export function nextLine(signal?: AbortSignal): Promise<string | undefined> {
  const input = (reader ??= open());
  if (input.typedAhead.length > 0) return Promise.resolve(input.typedAhead.shift());
  if (input.ended || signal?.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const withdraw = (): void => {
      if (input.waiting !== deliver) return;
      input.waiting = undefined;
      input.rl.pause();
      resolve(undefined);
    };
    const deliver = (line: string | undefined): void => {
      signal?.removeEventListener('abort', withdraw);
      resolve(line);
    };
    input.waiting = deliver;
    signal?.addEventListener('abort', withdraw, { once: true });
    input.rl.resume();
  });
}

function open(): Reader {
  const state: Reader = { rl: createInterface({ input: process.stdin, terminal: false }), typedAhead: [], waiting: undefined, ended: false };
  state.rl.on('line', (line) => {
    const waiting = state.waiting;
    if (!waiting) {
      if (state.typedAhead.length < MAX_TYPED_AHEAD) state.typedAhead.push(line);
      return;
    }
    state.waiting = undefined;
    state.rl.pause();
    waiting(line);
  });
  state.rl.on('close', () => {
    state.ended = true;
    state.waiting?.(undefined);
    state.waiting = undefined;
  });
  return state;
}
