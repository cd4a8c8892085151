import { closeSync, openSync, writeSync } from 'node:fs';

import { RECORDING_FORMAT, type RecordingHeader, redactSecrets, UsageError } from '@mcp-cli/core';

import type { MessageTap } from '../client/message-tap.ts';
import { VERSION } from './version.ts';

/** A recording being written: one per file and process, however many connections a run opens. */
interface OpenRecording {
  fd: number;
  started: number;
  connections: number;
  secrets: string[];
}

const open = new Map<string, OpenRecording>();

/**
 * `--record FILE`: a tap for one connection that writes each message as a line of the recording
 * (see core's recording.ts), redacted: properties named like secrets, bearer credentials and JWTs
 * in any text, and `secrets` (the user's own token, header values) wherever they appear. The file
 * is created (0600) on the run's first connection and written line by line as messages pass, so a
 * run that is interrupted keeps what it exchanged.
 *
 * @throws UsageError when the file cannot be created.
 */
export function recordTo(file: string, server: string, secrets: string[]): MessageTap {
  let recording = open.get(file);
  if (!recording) {
    let fd: number;
    try {
      fd = openSync(file, 'w', 0o600);
    } catch (error) {
      throw new UsageError(`Cannot write --record ${file}: ${(error as Error).message}`, 'E_RECORD_FILE');
    }
    recording = { fd, started: Date.now(), connections: 0, secrets: [] };
    open.set(file, recording);
    const header: RecordingHeader = { mcpRecording: RECORDING_FORMAT, recorded: new Date().toISOString(), client: `mcp-call ${VERSION}`, server: redactSecrets(server, secrets) };
    writeSync(fd, `${JSON.stringify(header)}\n`);
    process.once('exit', () => closeSync(fd));
  }
  const into = recording;
  into.secrets.push(...secrets.filter((s) => !into.secrets.includes(s)));
  const c = into.connections++;
  return (from, message) => {
    const line = { t: Date.now() - into.started, ...(c > 0 ? { c } : {}), from, message: redactSecrets(message, into.secrets) };
    writeSync(into.fd, `${JSON.stringify(line)}\n`);
  };
}
