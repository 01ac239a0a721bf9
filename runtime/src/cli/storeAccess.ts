import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveStoreDir } from '../engine/projectPaths';
import type { RunRow } from '../store/rows';
import { RunStore } from '../store/runStore';
import { UsageError } from './errors';

/** Opens the store named by `--store` (or the default one) for a read command; it must exist. */
export function openStoreFor(command: Command): RunStore {
  const dir = resolveStoreDir(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
  if (!fs.existsSync(path.join(dir, 'pipewright.db'))) throw new UsageError(`no pipewright store at ${dir} (run a pipeline first, or pass --store)`);
  const store = RunStore.open(dir);
  reconcileDeadEngines(store);
  return store;
}

export function findRunOrFail(store: RunStore, idOrName: string): RunRow {
  const run = store.findRun(idOrName);
  if (!run) throw new UsageError(`no run "${idOrName}" in ${store.dir} (see pipewright runs list)`);
  return run;
}

/**
 * A run still marked running whose engine process is gone was abandoned mid-way: mark it and
 * its unfinished steps crashed so nothing shows it running forever.
 */
function reconcileDeadEngines(store: RunStore): void {
  for (const run of store.listRuns({ limit: 200 })) {
    if (run.status !== 'running' || run.engine_pid === null || isAlive(run.engine_pid)) continue;
    const at = Date.now();
    store.transaction(() => {
      for (const step of store.getSteps(run.id)) {
        if (step.status === 'running' || step.status === 'pending') store.setStepStatus(run.id, step.id, 'crashed', at, { error: 'the engine process exited' });
      }
      store.setRunStatus(run.id, 'crashed', at, `engine process ${run.engine_pid} is gone`);
    });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
