import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveStore } from '../api/storeFolder';
import type { RunRecord, RunStore } from '../store/runStore';
import { openRunStore } from '../store/openRunStore';
import { checkDaemonStore, connectDaemon } from '../api/daemonControl';
import { UsageError } from './errors';
import { isAbandoned } from '../store/abandonedRuns';
import type { OrchestratorClient } from '../api/client';
import { remoteOrchestrator } from './remoteOrchestrator';

/**
 * Opens the store named by `--store` (or the default one) for a read command; it must exist.
 * Read-only: reading changes no file, so it works on a full disk (and beside a running daemon).
 */
export async function openStoreFor(command: Command): Promise<RunStore> {
  const { dir, url } = resolveStore(command.optsWithGlobals<{ store?: string }>().store, process.cwd());
  // The folder's daemon keeping its runs elsewhere is said before the folder is found empty.
  checkDaemonStore(dir, url);
  if (url === undefined && !fs.existsSync(path.join(dir, 'pipewright.db'))) throw new UsageError(`no pipewright store at ${dir} (run a pipeline first, or pass --store)`);
  const store = await openRunStore(dir, 'readOnly', url);
  try {
    await resumeAbandoned(store, url);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Reads from the remote orchestrator when `--orchestrator` names one, else straight from this store. */
export async function withRunSource<T>(command: Command, remote: (client: OrchestratorClient) => Promise<T>, local: (store: RunStore) => Promise<T>): Promise<T> {
  const orchestrator = await remoteOrchestrator(command);
  if (orchestrator) return remote(orchestrator.client);
  const store = await openStoreFor(command);
  try {
    return await local(store);
  } finally {
    await store.close();
  }
}

export async function findRunOrFail(store: RunStore, idOrName: string): Promise<RunRecord> {
  const run = await store.findRun(idOrName);
  if (!run) throw new UsageError(`no run "${idOrName}" in ${store.dir} (see pipewright runs list)`);
  return run;
}

/**
 * A run still marked running whose engine is gone was abandoned mid-way (a killed daemon or
 * CLI; see isAbandoned). The daemon (started if need be) resumes it now, before anything is
 * shown, so nothing shows it running forever.
 */
async function resumeAbandoned(store: RunStore, storeUrl: string | undefined): Promise<void> {
  if (!(await store.runningRuns()).some((run) => isAbandoned(run))) return;
  await (await connectDaemon(store.dir, { storeUrl })).resumeAbandoned();
}
