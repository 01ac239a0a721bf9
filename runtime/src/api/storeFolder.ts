import * as path from 'node:path';
import { projectRoot } from '../system/projectRoot';

/** The store folder: explicit choice, then `PIPEWRIGHT_STORE`, then `.pipewright/` at the project root. */
export function resolveStoreDir(explicit: string | undefined, near: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.PIPEWRIGHT_STORE) return path.resolve(process.env.PIPEWRIGHT_STORE);
  return path.join(projectRoot(near), '.pipewright');
}
