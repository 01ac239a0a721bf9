/**
 * What each route of the API's table (`api/routes.ts`) does: one handler per entry, given its
 * validated input, answering its declared type. `httpApi.ts` registers and dispatches them.
 */
import type { PlanRunRequest } from '../api/protocol';
import type { RouteHandlers } from '../api/routes';
import type { PlanStoreReads } from '../engine/planPrediction';
import { ConflictError, NotFoundError } from '../model/errorCodes';
import type { PipelinePlan } from '../model/plan';
import type { RunRecord, RunStore } from '../store/runStore';
import { runWithContents } from '../store/runContents';
import { diffRuns } from '../model/runDiff';
import { runTimeline } from '../store/runTimeline';
import { runtimeVersion } from '../system/packagePaths';
import type { WorkerHub } from '../remote/workerHub';
import type { Orchestrator } from './orchestrator';

export interface ApiHandlerContext {
  orchestrator: Orchestrator;
  /** One of several daemons of a shared store: its health answer says whether it leads. */
  inCluster?: boolean;
  /** Who this daemon is (its health answer). */
  instanceId: string;
  startedAt: string;
  /** Called once the daemon was asked to stop (after answering). */
  onShutdown(): void;
  /** The daemon's log (one line per call). */
  log(line: string): void;
  /** Its remote workers' hub (`--workers remote`); none when it runs steps itself. */
  workerHub?: WorkerHub;
  /** Plans a file against this store (`launch/planPipelineFile.ts`, above the daemon: given by the process entry). */
  planFile?: PlanFile;
}

/** What answers `POST /v1/plan`: bundles, compiles and predicts against the daemon's store. */
export type PlanFile = (body: PlanRunRequest, store: { reads: PlanStoreReads; dir: string }) => Promise<PipelinePlan>;

export function apiHandlers({ orchestrator, inCluster, instanceId, startedAt, onShutdown, log, workerHub, planFile }: ApiHandlerContext): RouteHandlers {
  const { store, services } = orchestrator;
  return {
    health: () => ({
      status: 'ok',
      pid: process.pid,
      instanceId,
      version: runtimeVersion,
      startedAt,
      runsInFlight: orchestrator.runsInFlight,
      slotsHeld: orchestrator.slots.held,
      leasesHeld: orchestrator.leasesHeld,
      ...(inCluster ? { role: orchestrator.isLeading ? ('leader' as const) : ('replica' as const) } : {}),
    }),
    shutdown: (_input, reply) => {
      reply.afterAnswer(onShutdown);
      return { stopping: true };
    },
    resumeAbandoned: async () => ({ resumed: await orchestrator.resumeAbandoned(log) }),

    listRuns: async ({ limit, pipeline, status }) => Promise.all((await store.listRuns({ limit, pipeline, statuses: status })).map((row) => orchestrator.detail(row.id))),
    // What the submitted code did wrong is coded where it is found (422); anything else is the daemon's (500).
    submitRun: ({ body }) => orchestrator.submit(body),
    planRun: ({ body }) => {
      if (!planFile) throw new ConflictError('this orchestrator cannot plan (it was started without a planner)');
      return planFile(body, { reads: store, dir: store.dir });
    },
    getRun: async ({ run }) => orchestrator.detail((await findRun(store, run)).id),
    runDag: async ({ run }) => (await findRun(store, run)).dag,
    diffRuns: async ({ run, other }) => {
      const [a, b] = await Promise.all([findRun(store, run), findRun(store, other)]);
      return diffRuns(await runWithContents(store, a.id), await runWithContents(store, b.id));
    },
    runTimeline: async ({ run }) => runTimeline(store, (await findRun(store, run)).id),
    cancelRun: async ({ run: name }) => {
      const run = await findRun(store, name);
      if (run.status !== 'running') throw new ConflictError(`run ${run.name} is already ${run.status}`);
      if (!orchestrator.cancel(run.id)) throw new ConflictError(`run ${run.name} is not executing on this orchestrator`);
      return { cancelling: run.id };
    },
    retryRun: async ({ run, body }) => orchestrator.retry((await findRun(store, run)).id, body.step),
    logs: async ({ run, step, attempt }) => orchestrator.logs((await findRun(store, run)).id, step, step === undefined ? undefined : attempt),

    listServices: () => services.list(),
    startService: ({ body }) => services.start(body),
    serviceStatus: ({ name }) => services.status(name),
    stopService: ({ name }) => services.stop(name),
    serviceLogs: ({ name, tail }) => ({ name, text: services.logs(name, tail) }),

    listWorkers: () => workerHub?.snapshot() ?? { workersMode: 'local', at: Date.now(), pools: [], workers: [], queued: [] },
  };
}

/** A run of the store by id or name; a 404 naming it when there is none. */
export async function findRun(store: RunStore, name: string): Promise<RunRecord> {
  const run = await store.findRun(name);
  if (!run) throw new NotFoundError(`no run "${name}"`);
  return run;
}
