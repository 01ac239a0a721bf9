import type { RunStore, StoreMode } from './runStore';
import { SqliteRunStore } from './sqlite/sqliteRunStore';

/**
 * Opens the run store of the store folder `dir` (today the embedded SQLite store: see
 * `sqlite/`). `readWrite` creates it if needed; `readOnly` needs an existing store and changes no file.
 */
export async function openRunStore(dir: string, mode: StoreMode): Promise<RunStore> {
  return SqliteRunStore.open(dir, mode);
}
