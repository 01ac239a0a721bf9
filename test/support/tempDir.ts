import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary folder, removed when the test file ends (after stopping any daemon inside). */
export function tempDir(prefix = 'pipewright-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => removeFolder(dir));
  return dir;
}

/** Removes a test's folder after stopping any daemon inside it, runners and all, and any process still working in it. */
export function removeFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  stopDaemonsUnder(dir);
  // A runner whose daemon was stopped first (it outlives it by its lease timeout) works in the folder still.
  for (const pid of processesWorkingUnder(dir)) killQuietly(pid);
  // A killed runner's last write may land while the folder goes: retry, as `rm -rf` would.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}

/** Processes whose working folder is `dir` or inside it (never this one). */
function processesWorkingUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}${path.sep}`)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** `pipewright run` starts a daemon per store on demand; a test's stores die with its folder, runners and all. */
function stopDaemonsUnder(dir: string): void {
  const pidFiles = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) => entry.endsWith(`${path.sep}server${path.sep}pid`));
  for (const entry of pidFiles) {
    const pid = Number(fs.readFileSync(path.join(dir, entry), 'utf8'));
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('__server')) continue;
      for (const child of [pid, ...descendantsOf(pid)]) killQuietly(child);
    } catch {
      // Already gone.
    }
  }
}

function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The field after the parenthesised command name is the state, then the parent's pid.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone while listing.
    }
  }
  const found: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixture = (...parts: string[]) => path.join(repoRoot, 'test', 'fixtures', ...parts);

/** A temporary project folder where `pipewright` resolves to this repository's runtime. */
export function tempProject(): string {
  const dir = tempDir('pipewright-project-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repoRoot, 'runtime'), path.join(dir, 'node_modules', 'pipewright'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fixture-project', private: true }));
  return dir;
}
