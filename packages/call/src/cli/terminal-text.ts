/**
 * Characters a server could use to take over a terminal: C0 controls other than tab and newline
 * (ESC starts CSI and OSC sequences: clipboard writes, titles, hyperlinks, screen clears; CR
 * overwrites a line), DEL, C1 controls (8-bit CSI and OSC), and bidirectional overrides.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Shows each unsafe character as a visible `\uXXXX` escape (also valid inside JSON strings). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
