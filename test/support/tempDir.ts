import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'pipewright-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
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
