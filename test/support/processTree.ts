import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './waitFor';

/** Every live process on the machine (zombies left out) with its parent and process group, read from /proc. */
function processTable(): Array<{ pid: number; parent: number; group: number }> {
  const table: Array<{ pid: number; parent: number; group: number }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the parenthesised command name: state, parent pid, process group.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') table.push({ pid: Number(entry), parent: Number(parent), group: Number(group) });
    } catch {
      // Gone while listing.
    }
  }
  return table;
}

export function descendantsOf(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    const next = table.filter(({ parent }) => frontier.includes(parent)).map(({ pid }) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Processes (never this one) whose working folder is `dir` or inside it, or whose command line names it. */
export function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const within = (candidate: string) => candidate === dir || candidate.startsWith(`${dir}${path.sep}`);
      if (within(cwd) || commandLine.some((argument) => within(argument) || argument.includes(`=${dir}`))) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Stops a process started with `detached: true` and everything in its group: SIGTERM, then SIGKILL
 * for whatever is left after `graceMs`; returns once no process of the group remains.
 */
export async function stopProcessGroup(leader: number, graceMs = 10_000): Promise<void> {
  if (!(leader > 1)) throw new Error(`not a process group to stop: ${leader}`);
  const members = () => processTable().filter(({ group }) => group === leader);
  killQuietly(-leader, 'SIGTERM');
  try {
    await waitFor(`process group ${leader} to exit`, () => members().length === 0, graceMs);
  } catch {
    killQuietly(-leader, 'SIGKILL');
    await waitFor(`process group ${leader} to die`, () => members().length === 0, graceMs);
  }
}
