import { escapeControls } from '@mcp-cli/core';

import type { Logger } from '../logger.ts';

/** How log lines look: human text or one JSON object per line. */
export type LogFormat = 'text' | 'json';
/** Lowest level printed. */
export type CliLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<CliLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Colours for text lines; identity functions when colour is off. */
export interface Paint {
  dim(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  green(text: string): string;
  bold(text: string): string;
  cyan(text: string): string;
}

/** Paint that leaves text alone. */
export const noPaint: Paint = {
  dim: (t) => t,
  yellow: (t) => t,
  red: (t) => t,
  green: (t) => t,
  bold: (t) => t,
  cyan: (t) => t,
};

/** A logger that writes to stderr, never stdout, which is reserved for protocol output. */
export function createCliLogger(options: {
  level: CliLogLevel;
  format: LogFormat;
  paint: Paint;
  write?: (line: string) => void;
}): Logger {
  const write = options.write ?? stderrWriter();
  const threshold = ORDER[options.level];
  const emit = (level: Exclude<CliLogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < threshold) return;
    // Messages and fields carry peers' text (request ids, reasons, an upstream's stderr): escaped,
    // so no one can forge a log line or send escape sequences to the operator's terminal.
    if (options.format === 'json') {
      write(escapeControls(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })));
      return;
    }
    const { paint } = options;
    const tag = { debug: paint.dim('debug'), info: paint.cyan('info'), warn: paint.yellow('warn'), error: paint.red('error') }[level];
    const extra = fields
      ? Object.entries(fields)
          .map(([key, value]) => paint.dim(`${key}=${escapeControls(typeof value === 'string' ? value : String(JSON.stringify(value)), { oneLine: true })}`))
          .join(' ')
      : '';
    write(`${tag} ${escapeControls(message, { oneLine: true })}${extra ? ` ${extra}` : ''}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    debugEnabled: threshold <= ORDER.debug,
  };
}

/**
 * Writes lines to stderr until it breaks: once its reader is gone (`mcp-serve 2>&1 | head`), an
 * EPIPE turns this sink off instead of raising an error that would be logged to it again.
 */
function stderrWriter(): (line: string) => void {
  let open = true;
  process.stderr.on('error', () => {
    open = false;
  });
  return (line) => {
    if (open && !process.stderr.destroyed) process.stderr.write(`${line}\n`);
  };
}
