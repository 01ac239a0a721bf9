import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { waitFor } from './waitFor';

/**
 * Starts `command args...` as the child of a parent that never reaps it (a `sleep` that the
 * shell execs into), as a container's init that does not reap would: once killed, the child
 * stays a zombie until the test ends. Resolves with the child's pid.
 */
export async function spawnUnreaped(command: string, args: string[], options: { dir: string; log: string; env?: NodeJS.ProcessEnv }): Promise<{ pid: number; parent: ChildProcess }> {
  const pidFile = path.join(options.dir, `unreaped-${Date.now()}-${Math.random().toString(36).slice(2)}.pid`);
  const log = fs.openSync(options.log, 'a');
  const parent = spawn('sh', ['-c', '"$@" & echo $! > "$PIDFILE"; exec sleep 100000', 'sh', command, ...args], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env, PIDFILE: pidFile },
  });
  fs.closeSync(log);
  after(() => {
    parent.kill('SIGKILL');
  });
  const pid = await waitFor('the unreaped child to start', () => {
    const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
    return text ? Number(text) : undefined;
  });
  return { pid, parent };
}

/** The state letter of `/proc/<pid>/stat` (R, S, Z...), or undefined when there is no such process. */
export function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
