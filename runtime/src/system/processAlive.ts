import * as fs from 'node:fs';

/**
 * The one liveness rule for every pid Pipewright records (daemons, engines, runners, services):
 * a process is alive when it exists, is not a zombie (a killed process that nobody reaped,
 * which a container's init may never do), and, when its identity was recorded, is still the
 * very process that was recorded (same `/proc` start time and boot), not another one that
 * reused the pid.
 */
export function isProcessAlive(pid: number, identity?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!procAvailable()) return signalReaches(pid);
  const stat = readProcStat(pid);
  if (!stat || isDeadState(stat.state)) return false;
  return identity === undefined || identity === null || identityOf(stat) === identity;
}

/**
 * Who a pid is: the boot id plus the process's start time in clock ticks since boot (field 22 of
 * `/proc/<pid>/stat`). A pid reused by another process, or the same pid after a reboot, has
 * another identity. `null` where `/proc` cannot tell (not Linux, or the process is gone or a zombie).
 */
export function processIdentity(pid: number): string | null {
  const stat = readProcStat(pid);
  if (!stat || isDeadState(stat.state)) return null;
  return identityOf(stat);
}

/** Z (zombie) and X (dead): the process has ended, whether or not its parent reaped it. */
export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X';
}

export interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: string;
}

/** Fields of `/proc/<pid>/stat`, or null when there is no such process (or no `/proc`). */
export function readProcStat(pid: number): ProcStat | null {
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

function identityOf(stat: ProcStat): string {
  return `${bootId()}/${stat.startTicks}`;
}

/** Without `/proc` (not Linux) only a signal can tell; a process we may not signal still counts. */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let cachedProc: boolean | undefined;

function procAvailable(): boolean {
  cachedProc ??= fs.existsSync(`/proc/${process.pid}/stat`);
  return cachedProc;
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
