import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest folder at or above `start` holding a package.json (else `start` itself). */
export function projectRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}
