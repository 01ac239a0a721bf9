// How a child process of the contract opens the SQLite store: by its folder.
import { openRunStore } from '../../runtime/src/store/openRunStore';
import type { RunStore } from '../../runtime/src/store/runStore';

export function openStore(dir: string): Promise<RunStore> {
  return openRunStore(dir, 'readWrite');
}
