/** A callback that runs `first` (when set), then `second`: how a transport adds its own work to a session's `onclose`. */
export function chain(first: (() => void) | undefined, second: () => void): () => void {
  return () => {
    first?.();
    second();
  };
}
