/** Where the library reports what happens; the CLI decides how it looks (text or JSON lines). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** False when debug messages are dropped: work done only to log one (an upstream's stderr) is skipped. */
  readonly debugEnabled?: boolean;
}

/** A logger that drops everything: the default of the programmatic API. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  debugEnabled: false,
};
