import * as fs from 'node:fs';

/**
 * The store holds run parameters, logs, outputs and pipeline code: it is its owner's alone,
 * whatever the umask. These create folders 0700 and files 0600, and tighten existing ones.
 */
export function ownerOnlyDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
}

/** Writes `data` to `file` through a temp file renamed into place, owner-only. */
export function writeOwnerOnly(file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.chmodSync(temp, 0o600);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Creates `file` (owner-only) with `data` unless it exists, atomically: of processes racing to
 * create it, one wins and every one returns the winner's content (a temp file linked into place,
 * so no reader ever sees it half-written).
 */
export function createOwnerOnlyOnce(file: string, data: string): string {
  const temp = `${file}.${process.pid}.new`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.chmodSync(temp, 0o600);
    fs.linkSync(temp, file);
    return data;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Sets `mode` on `file` if it exists with a wider one (a store made by an older pipewright). */
export function tighten(file: string, mode: number): void {
  try {
    if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
