/** Process exit codes shared by both CLIs. Scripts depend on these numbers: never renumber. */
export const ExitCode = {
  ok: 0,
  toolError: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
  internal: 70,
  interrupted: 130,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Base class of every error a user can cause or fix. `run()` prints its one-line message and exits
 * with its `exitCode`; anything else is treated as a bug (exit 70).
 */
export class McpCliError extends Error {
  /** A stable machine-readable code such as `E_CONFIG_INVALID`. */
  readonly code: string;
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCodeValue;

  constructor(message: string, code: string, exitCode: ExitCodeValue, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A bad flag, an unknown tool, arguments that fail a schema (exit 2). */
export class UsageError extends McpCliError {
  constructor(message: string, code = 'E_USAGE', options?: ErrorOptions) {
    super(message, code, ExitCode.usage, options);
  }
}

/** An invalid config file or tool module, or an address that cannot be bound (exit 2). */
export class ConfigError extends McpCliError {
  constructor(message: string, code = 'E_CONFIG_INVALID', options?: ErrorOptions) {
    super(message, code, ExitCode.usage, options);
  }
}

/** The server is unreachable, or the transport or protocol failed (exit 3). */
export class ConnectionError extends McpCliError {
  constructor(message: string, code = 'E_CONNECTION', options?: ErrorOptions) {
    super(message, code, ExitCode.connection, options);
  }
}

/** The connection or the call ran past its deadline (exit 4). */
export class TimeoutError extends McpCliError {
  constructor(message: string, code = 'E_TIMEOUT', options?: ErrorOptions) {
    super(message, code, ExitCode.timeout, options);
  }
}

/** The tool ran and answered `isError: true` (exit 1). */
export class ToolError extends McpCliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'E_TOOL', ExitCode.toolError, options);
  }
}

/** Ctrl-C or SIGTERM ended the run (exit 130). */
export class InterruptedError extends McpCliError {
  constructor(message = 'interrupted') {
    super(message, 'E_INTERRUPTED', ExitCode.interrupted);
  }
}
