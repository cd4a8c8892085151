import { escapeControls } from '@mcp-cli/core';

/** Shows each character a terminal would act on as a visible `\uXXXX` escape (one place: core). */
export { escapeControls } from '@mcp-cli/core';

let keepRaw = false;

/** `--raw`: keep the server's bytes on a terminal too (the person asked for them). */
export function keepRawOutput(raw: boolean): void {
  keepRaw = raw;
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * stdout or stderr, made to end quietly once the reader of its pipe has gone (`mcp-call --help |
 * head`): what was left to write is not wanted, so EPIPE is no error and prints no stack trace.
 */
export function outputStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', ignoreClosedReader);
  }
  return stream;
}

function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/**
 * Writes server-provided text to stdout: escaped when stdout is a terminal (unless `--raw`), and
 * byte-exact when it is a pipe or a file, so scripts get exactly what the server sent.
 */
export function writeOut(text: string): void {
  const stdout = outputStream(process.stdout);
  stdout.write(stdout.isTTY && !keepRaw ? escapeControls(text) : text);
}

/** Writes a line to stderr, always escaped: stderr is where people look. */
export function writeErr(text: string): void {
  outputStream(process.stderr).write(escapeControls(text));
}

/**
 * Says that a listing is empty: on stderr, so stdout holds only what was listed and a script
 * reading it gets nothing, not a placeholder it could mistake for an entry.
 */
export function writeNone(text: string): void {
  writeErr(`${text}\n`);
}
