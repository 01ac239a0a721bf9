import * as fs from 'node:fs';
import { isDeadState, isProcessAlive, readProcStat } from '../system/processAlive';

export { processIdentity } from '../system/processAlive';

/** Whether `pid` is alive (not a zombie) and still the process whose identity was recorded. */
export function isSameProcess(pid: number, identity: string | null): boolean {
  return identity !== null && isProcessAlive(pid, identity);
}

/** Whether any process is left in process group `pgid` (zombies count until reaped). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether process group `pgid` has a member that is not a zombie. Zombies are skipped because
 * an init that does not reap (some containers) would otherwise keep a stopped group "alive".
 */
export function groupHasLiveMembers(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const stat = readProcStat(Number(pid));
    return stat !== null && stat.pgrp === pgid && !isDeadState(stat.state);
  });
}

/** Sends `signal` to process group `pgid`; false when there was nobody to signal. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
