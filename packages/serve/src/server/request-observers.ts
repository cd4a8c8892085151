import type { RequestObserver } from './mcp-session.ts';

/** One observer telling each of `observers` (metrics, traces, the audit log); undefined when none is on, so requests pay nothing. */
export function combineObservers(...observers: (RequestObserver | undefined)[]): RequestObserver | undefined {
  const present = observers.filter((o): o is RequestObserver => o !== undefined);
  if (present.length <= 1) return present[0];
  return {
    requestStarted(request) {
      for (const observer of present) observer.requestStarted?.(request);
    },
    requestEnded(request, outcome, seconds, error) {
      for (const observer of present) observer.requestEnded(request, outcome, seconds, error);
    },
  };
}
