import type { Socket } from 'node:net';

/**
 * Reads newline-delimited JSON objects from a socket: each complete line is parsed and handed on.
 * A line longer than `maxBytes`, or one that is not a JSON object, ends the stream with `onError`.
 */
export function readJsonLines(socket: Socket, maxBytes: number, onMessage: (message: Record<string, unknown>) => void, onError: (error: Error) => void): void {
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    let text = partial + chunk;
    let end = text.indexOf('\n');
    while (end !== -1) {
      const line = text.slice(0, end);
      text = text.slice(end + 1);
      end = text.indexOf('\n');
      if (!line.trim()) continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return onError(new Error('a line that is not JSON'));
      }
      if (message === null || typeof message !== 'object' || Array.isArray(message)) return onError(new Error('a JSON value that is not an object'));
      onMessage(message as Record<string, unknown>);
      if (socket.destroyed) return;
    }
    if (text.length > maxBytes) return onError(new Error(`a line longer than ${maxBytes} bytes`));
    partial = text;
  });
}

/** Writes one JSON object as a line. */
export function writeJsonLine(socket: Socket, message: unknown): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}
