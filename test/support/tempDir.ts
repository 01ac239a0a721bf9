import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { descendantsOf, killQuietly, processesUsing } from './processTree';

/** A fresh temporary folder, removed when the test file ends (after stopping any daemon inside). */
export function tempDir(prefix = 'pipewright-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => removeFolder(dir));
  return dir;
}

/** Removes a test's folder after stopping any daemon inside it, runners and all, and any process still using it. */
export function removeFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  stopDaemonsUnder(dir);
  // A runner whose daemon was stopped first (it outlives it by its lease timeout) works in the folder still,
  // and so may a workbench's helper processes (extension host, file watcher) that write their logs there.
  for (const pid of processesUsing(dir)) killQuietly(pid);
  // A killed runner's last write may land while the folder goes: retry, as `rm -rf` would.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
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
