import { readFile } from 'node:fs/promises';

import { ExitCode, UsageError } from '@mcp-cli/core';

import { type ContractChange, diffSnapshots } from '../../contract/diff-snapshots.ts';
import { formatSnapshot, SNAPSHOT_FORMAT, type Snapshot, takeSnapshot } from '../../contract/snapshot.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeErr, writeOut } from '../terminal-text.ts';

/** Largest lock file read: a surface of thousands of tools is a few megabytes. */
const MAX_LOCK_BYTES = 64 * 1024 * 1024;

/** `snapshot`: the server's surface as stable JSON on stdout (`> mcp.lock.json`). */
export async function snapshotCommand({ connection, signal }: CommandContext): Promise<number> {
  writeOut(formatSnapshot(await takeSnapshot(connection, signal)));
  return ExitCode.ok;
}

/**
 * `diff LOCK`: the live server against a snapshot, a line per change. Exits 1 on a breaking change
 * (on any change with `--fail-on any`), else 0.
 */
export async function diffCommand(context: CommandContext, expected: Snapshot, failOn: 'breaking' | 'any'): Promise<number> {
  const changes = diffSnapshots(expected, await takeSnapshot(context.connection, context.signal));
  const breaking = changes.filter((c) => c.severity === 'breaking').length;
  if (context.opts.json) writeOut(`${JSON.stringify({ breaking, compatible: changes.length - breaking, changes })}\n`);
  else if (changes.length) writeOut(`${changes.map(formatChange).join('\n')}\n`);
  if (!context.opts.json) writeErr(`${changes.length === 0 ? 'no changes' : `${plural(changes.length, 'change')}: ${breaking} breaking, ${changes.length - breaking} compatible`}\n`);
  const failed = failOn === 'any' ? changes.length > 0 : breaking > 0;
  return failed ? ExitCode.toolError : ExitCode.ok;
}

/**
 * Reads a lock file written by `snapshot`, before connecting.
 *
 * @throws UsageError naming the file and what is wrong with it.
 */
export async function readSnapshotFile(file: string): Promise<Snapshot> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file (write one with mcp-call snapshot > FILE)' : error.message}`, 'E_LOCK_FILE');
  });
  if (text.length > MAX_LOCK_BYTES) throw new UsageError(`${file} is larger than ${MAX_LOCK_BYTES} bytes: not a snapshot`, 'E_LOCK_FILE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON (${(error as Error).message}): write it with mcp-call snapshot > ${file}`, 'E_LOCK_FILE');
  }
  const snapshot = parsed as Partial<Snapshot> | null;
  if (snapshot?.mcpSnapshot !== SNAPSHOT_FORMAT || !Array.isArray(snapshot.tools) || typeof snapshot.server !== 'object') {
    throw new UsageError(`${file} is not a snapshot of format ${SNAPSHOT_FORMAT}: write it with mcp-call snapshot > ${file}`, 'E_LOCK_FILE');
  }
  return { prompts: [], resources: [], resourceTemplates: [], capabilities: {}, ...snapshot } as Snapshot;
}

/** `--fail-on`, checked. */
export function checkFailOn(value: string): 'breaking' | 'any' {
  if (value !== 'breaking' && value !== 'any') throw new UsageError(`Invalid --fail-on "${value}": use breaking or any`, 'E_INVALID_OPTION');
  return value;
}

function formatChange(change: ContractChange): string {
  return `${change.severity.padEnd(10)}  ${change.subject}: ${change.change}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
