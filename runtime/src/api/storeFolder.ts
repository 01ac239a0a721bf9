import * as path from 'node:path';
import { projectRoot } from '../system/projectRoot';
import { storeFromEnv } from '../model/environment';

/** The store folder: explicit choice, then `PIPEWRIGHT_STORE`, then `.pipewright/` at the project root. */
export function resolveStoreDir(explicit: string | undefined, near: string): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = storeFromEnv();
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(projectRoot(near), '.pipewright');
}
