import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../system/processAlive';

/** Whether `pid` is alive (not a zombie) and is a pipewright runner (not some process that reused the pid). */
export function isRunnerProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.endsWith(`${path.sep}runner.js`));
  } catch {
    return false;
  }
}
