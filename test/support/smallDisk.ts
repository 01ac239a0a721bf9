import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A real small file system: a tmpfs of `size` (e.g. "4m") mounted on `dir` (needs root). */
export function mountTmpfs(dir: string, size: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir]);
}

/** Fills the file system holding `dir` with `file` until the kernel says ENOSPC. */
export function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

export interface AttemptSeen {
  step_id: string;
  attempt: number;
  status: string;
  error: string | null;
}

/** The attempts of the store's newest run, read straight from its SQLite file (read-only). */
export function newestAttempts(store: string): { runId: string; runStatus: string; attempts: AttemptSeen[] } | undefined {
  const file = path.join(store, 'pipewright.db');
  if (!fs.existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const run = db.prepare('SELECT id, status FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { id: string; status: string } | undefined;
    if (!run) return undefined;
    const attempts = db.prepare('SELECT step_id, attempt, status, error FROM attempts WHERE run_id = ? ORDER BY started_at, attempt').all(run.id) as AttemptSeen[];
    return { runId: run.id, runStatus: run.status, attempts };
  } catch {
    // The schema is not there yet.
    return undefined;
  } finally {
    db.close();
  }
}
