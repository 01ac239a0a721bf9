import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, tempDir } from './tempDir';

/**
 * A temporary project with pipewright INSTALLED: a real copy of the built package (its
 * package.json, bin and dist, as `npm pack` ships them) under `node_modules/pipewright`, and its
 * dependencies beside it (linked from this repository). Unlike `tempProject()`'s symlink, the
 * package's files really live under the project's node_modules. Returns the project folder and
 * the installed CLI.
 */
export function installedProject(): { dir: string; bin: string } {
  const dir = tempDir('pipewright-installed-');
  const runtime = path.join(repoRoot, 'runtime');
  const target = path.join(dir, 'node_modules', 'pipewright');
  fs.mkdirSync(target, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(runtime, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> };
  fs.copyFileSync(path.join(runtime, 'package.json'), path.join(target, 'package.json'));
  // `files` as npm reads it: the listed paths, less the `!` exclusions.
  for (const entry of manifest.files.filter((e) => !e.startsWith('!'))) fs.cpSync(path.join(runtime, entry), path.join(target, entry), { recursive: true });
  for (const entry of manifest.files.filter((e) => e.startsWith('!'))) fs.rmSync(path.join(target, entry.slice(1)), { recursive: true, force: true });
  for (const dependency of Object.keys(manifest.dependencies)) {
    const link = path.join(dir, 'node_modules', dependency);
    // A scoped package (`@aws-sdk/client-s3`) lives in its scope's folder.
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(repoRoot, 'node_modules', dependency), link, 'dir');
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'installed-project', private: true }));
  return { dir, bin: path.join(target, 'bin', 'pipewright.js') };
}
