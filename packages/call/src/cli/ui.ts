import { isatty } from 'node:tty';

import { escapeControls, outputStream } from './terminal-text.ts';

/** How mcp-call talks to the person on stderr: a spinner and colours on a TTY, plain lines otherwise. */
export interface Ui {
  /** Shows what is happening now (spinner text on a TTY; nothing otherwise). */
  status(text: string): void;
  /** A diagnostic line on stderr (above the spinner on a TTY). */
  note(text: string): void;
  /** A --verbose line. */
  debug(text: string): void;
  /** An error line on stderr. */
  error(text: string): void;
  stop(): void;
}

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
  clear(): Spinner;
  render(): Spinner;
  isSpinning: boolean;
}

/**
 * Creates the UI. ora and chalk are imported only when stderr is an interactive terminal and
 * neither `NO_COLOR`, `CI` nor `--quiet` turns them off, so scripted calls load neither.
 */
export async function createUi(options: { quiet: boolean; verbose: boolean; env: NodeJS.ProcessEnv }): Promise<Ui> {
  const { quiet, verbose, env } = options;
  // A terminal that reports no width (some pseudo-terminals) would make the spinner's line
  // arithmetic divide by zero, so it counts as not interactive. isatty(2) first: a call that
  // writes nothing to stderr never makes its stream.
  const interactive =
    isatty(2) && (process.stderr.columns ?? 0) > 0 && env.NO_COLOR === undefined && !env.CI && env.TERM !== 'dumb' && !quiet;
  // Every line may carry server text (logs, errors, elicitation): control characters are escaped.
  const write = (line: string): void => void outputStream(process.stderr).write(`${line}\n`);
  if (!interactive) {
    return {
      status: () => undefined,
      note: (text) => (quiet ? undefined : write(escapeControls(text))),
      debug: (text) => (verbose ? write(`debug: ${escapeControls(text)}`) : undefined),
      error: (text) => write(escapeControls(text)),
      stop: () => undefined,
    };
  }
  const [{ default: ora }, { default: chalk }] = await Promise.all([import('ora'), import('chalk')]);
  const spinner = ora({ stream: outputStream(process.stderr), discardStdin: false }) as unknown as Spinner;
  const above = (line: string): void => {
    const spinning = spinner.isSpinning;
    if (spinning) spinner.clear();
    write(line);
    if (spinning) spinner.render();
  };
  return {
    status(text) {
      spinner.text = escapeControls(text);
      if (!spinner.isSpinning) spinner.start();
    },
    note: (text) => above(chalk.dim(escapeControls(text))),
    debug: (text) => (verbose ? above(chalk.gray(`debug: ${escapeControls(text)}`)) : undefined),
    error: (text) => above(chalk.red(escapeControls(text))),
    stop: () => void spinner.stop(),
  };
}
