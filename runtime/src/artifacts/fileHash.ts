import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The sha256 of a file's bytes, or of a folder's files (their relative paths and bytes, in
 * sorted order): for a step's `cacheKey`, so that editing the data a step reads misses the
 * cache. A relative path resolves against the run's working folder, as the step's own reads do.
 *
 * ```ts
 * step({ cacheKey: ({ path }) => fileHash(path as string) }, function load(path: string) { ... })
 * ```
 */
export function fileHash(target: string): string {
  const absolute = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    throw new Error(`fileHash: no file or folder at ${absolute}`);
  }
  const hash = createHash('sha256');
  if (stat.isDirectory()) hashFolder(hash, absolute, '');
  else hash.update(fs.readFileSync(absolute));
  return hash.digest('hex');
}

function hashFolder(hash: Hash, root: string, relative: string): void {
  const entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) hashFolder(hash, root, name);
    else if (entry.isFile()) {
      const bytes = fs.readFileSync(path.join(root, name));
      hash.update(`${name}\0${bytes.length}\0`).update(bytes);
    }
  }
}
