/**
 * The record of a client's exchange with a server, as `mcp-call --record` writes it and
 * `mcp-serve --replay` serves it back: NDJSON, a header line, then a line per JSON-RPC message
 * with the milliseconds since the start and who sent it. Secrets are redacted as lines are written.
 */

/** The format number in the header; a format that reads differently gets a new one. */
export const RECORDING_FORMAT = 1;

/** The first line of a recording. */
export interface RecordingHeader {
  mcpRecording: typeof RECORDING_FORMAT;
  /** When the recording started (ISO 8601). */
  recorded: string;
  /** The client that made it (`mcp-call 0.1.0`). */
  client: string;
  /** The server's URL (password and query hidden) or its command (no environment). */
  server: string;
}

/** Every later line. */
export interface RecordedMessage {
  t: number;
  /** Which connection of the run (a run may open several: one per server, or a new session). */
  c?: number;
  from: 'client' | 'server';
  message: Record<string, unknown>;
}

/** A request of the client and the server's answer to it. */
export interface RecordedExchange {
  method: string;
  params: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** What a redacted value is replaced by. */
export const REDACTED = '[redacted]';

/** Words that name a secret, in property names and in `name=value` text. */
const SECRET_NAME = 'token|secret|password|passwd|api[-_]?key|authorization|cookie|credential|private[-_]?key';
/** Property names whose string or object values are secrets, wherever they are in a message. */
const SECRET_KEY = new RegExp(`${SECRET_NAME}|session[-_]?id`, 'i');
/** Protocol fields named like secrets that are not: kept. */
const NOT_SECRET = new Set(['progressToken', 'maxTokens', 'nextCursor', 'cursor']);
/**
 * Secrets recognizable in any text: bearer credentials, JWTs, and secret-named pairs of JSON text
 * or of a query string. Names are at most 64 characters, which keeps each pattern linear.
 */
const SECRET_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/-]+=*/g, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [new RegExp(String.raw`("[^"\\]{0,64}(?:${SECRET_NAME})[^"\\]{0,64}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), '$1"[redacted]"'],
  [new RegExp(String.raw`\b([\w.-]{0,64}(?:${SECRET_NAME})[\w.-]{0,64}=)[^&\s"']+`, 'gi'), '$1[redacted]'],
];
/** How deep a message is walked; deeper values are replaced whole (a message is peer data). */
const MAX_DEPTH = 64;

/**
 * A copy of `value` with secrets replaced by {@link REDACTED}: values of properties named like
 * secrets, bearer credentials and JWTs in any text, and each of `known` (the user's own token and
 * headers) wherever it appears.
 */
export function redactSecrets<T>(value: T, known: readonly string[] = []): T {
  const secrets = known.filter((s) => s.length >= 4);
  const text = (s: string): string => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) && !NOT_SECRET.has(key) && (typeof inner === 'string' || (inner !== null && typeof inner === 'object')) ? REDACTED : walk(inner, depth + 1),
      ]),
    );
  };
  return walk(value, 0) as T;
}

/**
 * Reads a recording's text.
 *
 * @throws Error with a message naming the line and what is wrong (callers wrap it in their own error).
 */
export function parseRecording(text: string): { header: RecordingHeader; messages: RecordedMessage[] } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${n}: not JSON (${(error as Error).message})`);
    }
  };
  const header = parse(lines[0] ?? '{}', 1) as Partial<RecordingHeader>;
  if (header.mcpRecording !== RECORDING_FORMAT) throw new Error(`line 1: not a recording of format ${RECORDING_FORMAT} (write one with mcp-call --record FILE)`);
  const messages = lines.slice(1).map((line, i) => {
    const entry = parse(line, i + 2) as Partial<RecordedMessage> | null;
    if (!entry || (entry.from !== 'client' && entry.from !== 'server') || typeof entry.message !== 'object' || entry.message === null) {
      throw new Error(`line ${i + 2}: expected {"t", "from": "client" or "server", "message"}`);
    }
    return entry as RecordedMessage;
  });
  return { header: header as RecordingHeader, messages };
}

/** The client's requests, each with the server's answer, in the order they were sent; unanswered ones are left out. */
export function pairExchanges(messages: readonly RecordedMessage[]): RecordedExchange[] {
  // Ids are unique within one connection only.
  const key = (c: number | undefined, id: unknown): string => `${c ?? 0}:${JSON.stringify(id)}`;
  const answers = new Map<string, Record<string, unknown>>();
  for (const { c, from, message } of messages) {
    if (from === 'server' && message.id !== undefined && message.method === undefined) answers.set(key(c, message.id), message);
  }
  const exchanges: RecordedExchange[] = [];
  for (const { c, from, message } of messages) {
    if (from !== 'client' || typeof message.method !== 'string' || message.id === undefined) continue;
    const answer = answers.get(key(c, message.id));
    if (!answer) continue;
    const params = (message.params ?? {}) as Record<string, unknown>;
    if (answer.error) exchanges.push({ method: message.method, params, error: answer.error as RecordedExchange['error'] });
    else exchanges.push({ method: message.method, params, result: (answer.result ?? {}) as Record<string, unknown> });
  }
  return exchanges;
}
