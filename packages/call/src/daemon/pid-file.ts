import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

import type { DaemonLaunch } from './daemon-spec.ts';

/** The pid a daemon's pid file holds, if it can be read. */
export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process runs with that pid (one of another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the pid file, or finds a live daemon that holds it (false); a dead one's is taken over. */
export function takePidFile(pidFile: string): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(pidFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(pidFile);
    if (holder !== undefined && isAlive(holder)) return false;
    try {
      unlinkSync(pidFile);
    } catch {
      // another starter took it over first
    }
  }
  return false;
}

/** Removes the socket and the pid file, only while the pid file is still this daemon's. */
export function removeOwnFiles(launch: DaemonLaunch): void {
  if (readPid(launch.pidFile) !== process.pid) return;
  for (const file of [launch.socket, launch.pidFile]) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
