import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The `pipewright` package folder, found by walking up from this file. The same code runs
 * from `src/` (tests under tsx) and from the esbuild bundles in `dist/`, so no fixed depth works.
 */
export const packageRoot: string = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pipewright') return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking.
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`pipewright: cannot find the package folder above ${start}`);
  }
}

export const runtimeVersion: string = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The runner process entry (always the built bundle, also when the engine runs from source in tests). */
export const runnerEntry: string = path.join(packageRoot, 'dist', 'runner.js');
