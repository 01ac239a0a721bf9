// How a child process of the contract opens the PostgreSQL store: by its folder and database URL.
import { openRunStore } from '../../runtime/src/store/openRunStore';
import type { RunStore } from '../../runtime/src/store/runStore';

export function openStore(dir: string, url: string): Promise<RunStore> {
  return openRunStore(dir, 'readWrite', url);
}
