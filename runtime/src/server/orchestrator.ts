import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeStructured } from '../artifacts/structured';
import type { ModuleManifest } from '../build/typeExtract';
import type { EngineEvent } from '../engine/events';
import type { HeartbeatRequest } from '../engine/heartbeatProtocol';
import type { FromRunner } from '../engine/runnerProtocol';
import type { HeartbeatHandler } from '../engine/leaseServer';
import { runContents } from '../engine/runContents';
import { summarizeRun } from '../engine/runSummary';
import { EngineSession } from '../engine/session';
import { limitsFromEnv, SlotPool } from '../engine/slots';
import type { RunOptions } from '../sdk/options';
import { ServiceManager } from '../services/serviceManager';
import { RunStore } from '../store/runStore';
import type { RunRow } from '../store/rows';
import type { RunDetail, StreamEvent, SubmitRunRequest } from './apiProtocol';
import { isProcessAlive } from '../processAlive';

type Subscriber = (event: StreamEvent) => void;

/** How many stored events one read of the stream's replay takes. */
export const EVENT_PAGE = 10_000;

/**
 * What the daemon hosts: engine sessions (one per pipeline bundle) over the embedded store,
 * the runs they execute, and the event stream. Runs outlive the clients that submitted them.
 */
export class Orchestrator {
  readonly store: RunStore;
  private readonly sessions = new Map<string, EngineSession>();
  private readonly runs = new Map<string, EngineSession>();
  private readonly subscribers = new Set<Subscriber>();
  /** Long-lived services (model servers and the like) that outlive runs. */
  readonly services: ServiceManager;
  /** One pool of concurrency slots for every run the daemon hosts. */
  readonly slots = new SlotPool(limitsFromEnv());

  constructor(
    readonly storeDir: string,
    private readonly leaseEndpoint: () => { url: string; token: string },
  ) {
    this.store = RunStore.open(storeDir);
    this.services = new ServiceManager(path.join(this.store.dir, 'server', 'services'));
  }

  get runsInFlight(): number {
    return this.runs.size;
  }

  get leasesHeld(): number {
    let held = 0;
    for (const session of this.sessions.values()) held += session.leasesHeld();
    return held;
  }

  /** Creates the run (compiled and checked) and starts executing it; resolves once it exists. */
  async submit(
    request: Required<Pick<SubmitRunRequest, 'file' | 'pipeline' | 'bundle'>> & Pick<SubmitRunRequest, 'workingDir' | 'projectDir'> & { parameters: Record<string, unknown>; options: RunOptions; manifest?: unknown },
  ): Promise<RunDetail> {
    const workingDir = existingFolder(request.workingDir, 'workingDir') ?? process.cwd();
    const folders = { workingDir, projectDir: existingFolder(request.projectDir, 'projectDir') ?? workingDir };
    const hash = createHash('sha256').update(request.bundle).digest('hex');
    const bundlePath = path.join(this.store.dir, 'bundles', `${hash}.cjs`);
    if (!fs.existsSync(bundlePath)) {
      fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
      fs.writeFileSync(`${bundlePath}.tmp`, request.bundle);
      fs.renameSync(`${bundlePath}.tmp`, bundlePath);
    }
    const session = this.sessionFor(hash, bundlePath, request.file, folders, request.manifest as ModuleManifest | undefined);
    const plan = await session.prepare({
      pipeline: request.pipeline,
      parameters: decodeStructured(request.parameters) as Record<string, unknown>,
      options: { ...request.options, detach: false, storeDir: undefined },
    });
    const runId = plan.run.runId;
    this.runs.set(runId, session);
    void session.execute(plan).finally(() => this.runs.delete(runId));
    return this.detail(runId);
  }

  /** Starts a retry of a finished run (see EngineSession.prepareRetry). */
  retry(runId: string, step?: string): RunDetail {
    const source = this.store.getRun(runId);
    if (!source) throw new Error(`no run with id ${runId}`);
    const hash = path.basename(source.bundle_path, '.cjs');
    const session = this.sessionFor(hash, source.bundle_path, source.pipeline, foldersOf(source), source.manifest_json ? (JSON.parse(source.manifest_json) as ModuleManifest) : undefined);
    const plan = session.prepareRetry(runId, step);
    const id = plan.run.runId;
    this.runs.set(id, session);
    void session.execute(plan).finally(() => this.runs.delete(id));
    return this.detail(id);
  }

  /**
   * Picks up runs a previous daemon left unfinished (it was killed): what they committed stays,
   * attempts that were running are lost and retried. Runs whose engine is alive elsewhere
   * (an in-process run) are left alone.
   */
  resumeOrphans(log: (line: string) => void): string[] {
    const resumed: string[] = [];
    for (const row of this.store.listRuns({ limit: 1000 })) {
      if (row.status !== 'running' || this.runs.has(row.id)) continue;
      if (row.engine_pid !== null && row.engine_pid !== process.pid && isProcessAlive(row.engine_pid)) continue;
      if (!fs.existsSync(row.bundle_path)) {
        this.store.setRunStatus(row.id, 'crashed', Date.now(), `its bundle ${row.bundle_path} is gone`);
        continue;
      }
      const folders = foldersOf(row);
      if (!isFolder(folders.workingDir)) {
        this.store.setRunStatus(row.id, 'crashed', Date.now(), `its working folder ${folders.workingDir} is gone`);
        continue;
      }
      const hash = path.basename(row.bundle_path, '.cjs');
      const session = this.sessionFor(hash, row.bundle_path, row.pipeline, folders, row.manifest_json ? (JSON.parse(row.manifest_json) as ModuleManifest) : undefined);
      const plan = { ...session.planOf(row.id), resume: true };
      this.store.setEnginePid(row.id, process.pid);
      this.runs.set(row.id, session);
      void session.execute(plan).finally(() => this.runs.delete(row.id));
      log(`resumed run ${row.name} (${row.id})`);
      resumed.push(row.id);
    }
    return resumed;
  }

  detail(runId: string): RunDetail {
    const attempts: RunDetail['attempts'] = {};
    for (const row of this.store.getAttempts(runId)) {
      (attempts[row.step_id] ??= []).push({
        attempt: row.attempt,
        status: row.status,
        runnerPid: row.runner_pid,
        error: row.error,
        startedAt: row.started_at,
        endedAt: row.ended_at,
        heartbeatAt: row.heartbeat_at,
      });
    }
    return { ...summarizeRun(this.store, runId), attempts, ...runContents(this.store, runId) };
  }

  /**
   * The session (and so the runner pool) of one bundle run from one folder: runners move into
   * the run's working folder, so runs from different folders never share a runner. A retry or
   * a resumed run executes in the folder its run recorded.
   */
  private sessionFor(hash: string, bundlePath: string, sourceFile: string, folders: RunFolders, manifest: ModuleManifest | undefined): EngineSession {
    const key = `${hash}\u0000${folders.workingDir}\u0000${folders.projectDir}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = new EngineSession({
        storeDir: this.storeDir,
        bundle: { path: bundlePath, hash },
        sourceFile,
        ...folders,
        manifest,
        listener: (event) => this.publish(event),
        leaseEndpoint: this.leaseEndpoint(),
        slots: this.slots,
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  cancel(runId: string): boolean {
    return this.runs.get(runId)?.cancel(runId) ?? false;
  }

  heartbeat(request: HeartbeatRequest): ReturnType<HeartbeatHandler> {
    const session = this.runs.get(request.runId);
    if (!session) return { status: 409, body: { stop: true, reason: `run ${request.runId} is not executing on this orchestrator` } };
    return session.heartbeat(request);
  }

  /** A result delivered over HTTP by a runner whose daemon died (and was restarted). */
  runnerResult(runId: string, invocationId: string, attempt: number, reply: FromRunner): { status: 200 | 409; body: unknown } {
    const session = this.runs.get(runId);
    if (!session) return { status: 409, body: { stop: true, reason: `run ${runId} is not executing on this orchestrator` } };
    return session.runnerResult(runId, invocationId, attempt, reply);
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Stored events after `seq` (for a client resuming its stream), at most {@link EVENT_PAGE}. */
  eventsSince(seq: number, runId?: string): StreamEvent[] {
    return this.store.eventsSince(seq, runId, EVENT_PAGE).map((row) => ({ seq: row.seq, type: row.type, runId: row.run_id, data: JSON.parse(row.json) as unknown }));
  }

  /** Cancels what runs and releases every process and file. */
  async close(): Promise<void> {
    this.services.close();
    for (const [runId, session] of this.runs) session.cancel(runId);
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    this.store.close();
  }

  private publish(event: EngineEvent): void {
    const runId = 'runId' in event ? event.runId : null;
    const seq = this.store.appendEvent(runId, event.type, JSON.stringify(event), event.at);
    const streamed: StreamEvent = { seq, type: event.type, runId, data: event };
    for (const subscriber of this.subscribers) subscriber(streamed);
  }
}

interface RunFolders {
  workingDir: string;
  projectDir: string;
}

/** The folders a stored run executes in (runs stored before they were recorded: the daemon's own). */
function foldersOf(row: RunRow): RunFolders {
  const workingDir = row.working_dir ?? process.cwd();
  return { workingDir, projectDir: row.project_dir ?? workingDir };
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A submitted folder: absent, or an absolute path to an existing folder on this machine. */
function existingFolder(dir: string | undefined, what: string): string | undefined {
  if (dir === undefined) return undefined;
  if (!path.isAbsolute(dir)) throw new Error(`${what} must be an absolute path, got ${dir}`);
  if (!isFolder(dir)) throw new Error(`${what} ${dir} is not a folder on the orchestrator's machine`);
  return dir;
}
