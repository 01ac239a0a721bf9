import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPipelineSource } from '../../../contracts/src/pipelineSource';

/** Folders never searched for pipeline files: dependencies, build output, stores, VCS. */
const SKIPPED = new Set(['node_modules', 'dist', 'out', 'build', 'coverage']);

/**
 * TypeScript and JavaScript files under `root` that mention `pipewright` (a cheap text test: only those can
 * define steps or pipelines, directly or through a re-export of pipewright). Hidden folders and
 * build output are skipped. Never throws: unreadable folders are left out.
 */
export function findPipelineFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isPipelineSource(entry.name) && mentionsPipewright(full)) found.push(full);
    }
  };
  walk(path.resolve(root));
  return found.sort();
}

function mentionsPipewright(file: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8').includes('pipewright');
  } catch {
    return false;
  }
}
