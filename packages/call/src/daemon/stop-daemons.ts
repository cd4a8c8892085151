import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { openSocket } from './connect-daemon.ts';
import type { DaemonHello } from './daemon-spec.ts';
import { readJsonLines, writeJsonLine } from './json-lines.ts';
import { isAlive, readPid } from './pid-file.ts';

/** How long a daemon has to say hello and to stop. */
const ANSWER_MS = 5_000;
const MAX_HELLO_BYTES = 1024 * 1024;
/** How long a stopping daemon may take to stop its server (a stdio server gets its grace period). */
const STOP_WAIT_MS = 10_000;

/**
 * Stops the user's warm-server daemons in `dir`: every one, or those holding `server` (a URL or a
 * command line, as the daemon names it). The files of a daemon that died (SIGKILL) are removed.
 * Resolves with the number stopped.
 */
export async function stopDaemons(dir: string, server: string | undefined): Promise<number> {
  let stopped = 0;
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.sock'))) {
    const path = join(dir, name);
    const socket = await openSocket(path);
    if (!socket) {
      removeIfDead(path, path.replace(/\.sock$/, '.pid'));
      continue;
    }
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, ANSWER_MS);
      let greeted = false;
      readJsonLines(socket, MAX_HELLO_BYTES, (message) => {
        if (greeted) return;
        greeted = true;
        const hello = message.params as DaemonHello | undefined;
        if (server !== undefined && hello?.server !== server) {
          clearTimeout(timer);
          socket.destroy();
          resolve(false);
          return;
        }
        writeJsonLine(socket, { jsonrpc: '2.0', id: 1, method: 'daemon/stop' });
      }, () => socket.destroy());
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(greeted);
      });
    });
    if (!done) continue;
    stopped++;
    await untilGone(path.replace(/\.sock$/, '.pid'));
  }
  return stopped;
}

/** Waits, a bounded time, until the daemon has stopped its server and exited: `stop` then leaves nothing running. */
async function untilGone(pidFile: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === undefined) return;
  for (const deadline = Date.now() + STOP_WAIT_MS; Date.now() < deadline && isAlive(pid); ) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The socket and pid file of a daemon whose process is gone. */
function removeIfDead(socket: string, pidFile: string): void {
  const pid = readPid(pidFile);
  if (pid !== undefined && isAlive(pid)) return; // alive, only not answering yet
  for (const file of [socket, pidFile]) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
