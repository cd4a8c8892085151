/** Characters that move the cursor, recolour, retitle or reorder a terminal's text (C0 but tab and newline, DEL, C1, bidi overrides). */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, and newlines and tabs: for one log line that must stay one line. */
const UNSAFE_IN_A_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Shows each character of a peer's text that a terminal would act on as a visible `\uXXXX`
 * escape (also valid inside JSON strings). `oneLine` escapes newlines and tabs too, so a log line
 * cannot be split into forged ones.
 */
export function escapeControls(text: string, { oneLine = false }: { oneLine?: boolean } = {}): string {
  return text.replace(oneLine ? UNSAFE_IN_A_LINE : UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
