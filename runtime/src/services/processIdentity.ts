import * as fs from 'node:fs';

/**
 * Who a pid is: the boot id plus the process's start time in clock ticks since boot (field 22 of
 * `/proc/<pid>/stat`). A pid reused by another process, or the same pid after a reboot, has
 * another identity. `null` where `/proc` cannot tell (not Linux, or the process is gone).
 */
export function processIdentity(pid: number): string | null {
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  return `${bootId()}/${stat.startTicks}`;
}

/** Whether `pid` is alive (not a zombie) and still the process whose identity was recorded. */
export function isSameProcess(pid: number, identity: string | null): boolean {
  return identity !== null && processIdentity(pid) === identity;
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
    const stat = readStat(Number(pid));
    return stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
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

interface Stat {
  state: string;
  pgrp: number;
  startTicks: string;
}

function readStat(pid: number): Stat | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = fields[19];
  return fields[0] && startTicks ? { state: fields[0], pgrp: Number(fields[2]), startTicks } : null;
}

let cachedBootId: string | undefined;

function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = 'unknown-boot';
    }
  }
  return cachedBootId;
}
