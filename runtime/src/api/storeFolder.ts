import * as path from 'node:path';
import { projectRoot } from '../system/projectRoot';
import { storeFromEnv, storeUrlFromEnv } from '../model/environment';
import { InputError } from '../model/errorCodes';
import { looksLikeUrl, storeUrlProblem } from '../model/storeUrl';

/**
 * The store folder: explicit choice, then `PIPEWRIGHT_STORE`, then `.pipewright/` at the project
 * root. An explicit database URL (`--store postgres://...`) names no folder: the folder is then
 * found as if none were given (it keeps the artifacts, bundles and the daemon's files).
 */
export function resolveStoreDir(explicit: string | undefined, near: string): string {
  if (explicit && !looksLikeUrl(explicit)) return path.resolve(explicit);
  const fromEnv = storeFromEnv();
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(projectRoot(near), '.pipewright');
}

/**
 * The PostgreSQL database that holds the runs, if any: an explicit `--store postgres://...`, then
 * `PIPEWRIGHT_STORE_URL`; undefined: the embedded SQLite store in the store folder.
 */
export function resolveStoreUrl(explicit: string | undefined): string | undefined {
  if (explicit && looksLikeUrl(explicit)) {
    const problem = storeUrlProblem(explicit);
    if (problem) throw new InputError(`--store: ${problem}`);
    return explicit;
  }
  return storeUrlFromEnv();
}

/** Where a command's store is: its folder and, for the PostgreSQL store, the database's URL. */
export interface StoreLocation {
  dir: string;
  url?: string;
}

export function resolveStore(explicit: string | undefined, near: string): StoreLocation {
  const url = resolveStoreUrl(explicit);
  return { dir: resolveStoreDir(explicit, near), ...(url === undefined ? {} : { url }) };
}
