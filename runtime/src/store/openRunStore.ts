import type { RunStore, StoreMode } from './runStore';
import { SqliteRunStore } from './sqlite/sqliteRunStore';

/**
 * Opens the run store of the store folder `dir`: the embedded SQLite store in it, or, given the
 * `url` of a PostgreSQL database, that database (see `postgres/`), with `dir` still holding the
 * artifacts, bundles and the daemon's files. `readWrite` creates the store if needed; `readOnly`
 * needs an existing store and changes nothing.
 */
export async function openRunStore(dir: string, mode: StoreMode, url?: string): Promise<RunStore> {
  if (url !== undefined) {
    // The PostgreSQL driver loads only in processes that use it.
    const { PostgresRunStore } = await import('./postgres/postgresRunStore.js');
    return PostgresRunStore.open(dir, url, mode);
  }
  return SqliteRunStore.open(dir, mode);
}
