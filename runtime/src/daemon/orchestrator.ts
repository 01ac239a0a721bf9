import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeStructured } from '../artifacts/structured';
import { resolveRunParameters } from '../prepare/runParameters';
import type { ModuleManifest } from '../prepare/typeExtract';
import type { EngineEvent } from '../model/events';
import type { AttemptAnswer, HeartbeatRequest } from '../model/heartbeatProtocol';
import type { FromRunner } from '../model/runnerProtocol';
import { runContents } from '../store/runContents';
import { summarizeRun } from '../store/runSummary';
import type { RunPlan } from '../engine/executor';
import { runnerPoolSettingsFromEnv } from '../runnerPool/settings';
import { EngineSession } from '../engine/session';
import { localLauncher } from '../runnerPool/runnerPool';
import { SlotPool } from '../engine/slots';
import { limitsFromEnv } from '../model/environment';
import type { RunOptions } from '../sdk/options';
import { ServiceManager } from '../services/serviceManager';
import { decodeError } from '../store/errorColumns';
import { RunStore } from '../store/runStore';
import type { RunRow } from '../store/rows';
import { saveBundle } from '../prepare/bundle';
import { NotFoundError, UnprocessableError } from '../model/errorCodes';
import type { RunDetail, StreamEvent, SubmitRunRequest } from '../api/protocol';
import { isAbandoned } from '../store/abandonedRuns';
import { SessionUse } from './sessionUse';

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
  private lastSeq: number;
  /** Long-lived services (model servers and the like) that outlive runs. */
  readonly services: ServiceManager;
  /** One pool of concurrency slots for every run the daemon hosts. */
  readonly slots = new SlotPool(limitsFromEnv());
  private readonly sessionUse = new SessionUse<EngineSession>();
  private readonly sessionSweep: NodeJS.Timeout;

  constructor(
    readonly storeDir: string,
    private readonly leaseEndpoint: () => { url: string; token: string },
  ) {
    this.store = RunStore.open(storeDir);
    this.lastSeq = this.store.lastEventSeq();
    this.services = new ServiceManager(path.join(this.store.dir, 'server', 'services'));
    const idleTimeoutMs = runnerPoolSettingsFromEnv().idleTimeoutMs;
    this.sessionSweep = setInterval(() => this.closeIdleSessions(idleTimeoutMs), Math.min(1000, Math.max(50, idleTimeoutMs / 2)));
    this.sessionSweep.unref();
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
    request: Required<Pick<SubmitRunRequest, 'file' | 'target' | 'bundle'>> & Pick<SubmitRunRequest, 'workingDir' | 'projectDir'> & { parameters: Record<string, unknown>; options: RunOptions; manifest?: unknown },
  ): Promise<RunDetail> {
    const workingDir = existingFolder(request.workingDir, 'workingDir') ?? process.cwd();
    const folders = { workingDir, projectDir: existingFolder(request.projectDir, 'projectDir') ?? workingDir };
    const hash = createHash('sha256').update(request.bundle).digest('hex');
    const bundlePath = saveBundle(this.store.dir, hash, request.bundle);
    const manifest = request.manifest as ModuleManifest | undefined;
    const parameters = resolveRunParameters(manifest, request.target, [{ kind: 'values', where: 'request', values: decodeStructured(request.parameters) as Record<string, unknown> }]);
    const session = this.sessionFor(hash, bundlePath, request.file, folders, manifest);
    const release = this.sessionUse.hold(session);
    let plan: RunPlan;
    try {
      plan = await session.prepare({
        target: request.target,
        parameters,
        options: { ...request.options, detach: false, storeDir: undefined },
      });
    } catch (error) {
      release();
      throw error;
    }
    this.execute(session, plan, release);
    return this.detail(plan.run.runId);
  }

  /** Starts a retry of a finished run (see EngineSession.prepareRetry). */
  retry(runId: string, step?: string): RunDetail {
    const source = this.store.getRun(runId);
    if (!source) throw new NotFoundError(`no run with id ${runId}`);
    const hash = path.basename(source.bundle_path, '.cjs');
    const session = this.sessionFor(hash, source.bundle_path, source.pipeline, foldersOf(source), source.manifest_json ? (JSON.parse(source.manifest_json) as ModuleManifest) : undefined);
    const release = this.sessionUse.hold(session);
    let plan: RunPlan;
    try {
      plan = session.prepareRetry(runId, step);
    } catch (error) {
      release();
      throw error;
    }
    this.execute(session, plan, release);
    return this.detail(plan.run.runId);
  }

  /** Executes a created run in `session`, which stays held until the run ends. */
  private execute(session: EngineSession, plan: RunPlan, release: () => void): void {
    const runId = plan.run.runId;
    this.runs.set(runId, session);
    void session.execute(plan).finally(() => {
      this.runs.delete(runId);
      release();
    });
  }

  /** Closes sessions (and their runner pools) nobody used for the idle timeout, but the last one used. */
  private closeIdleSessions(idleTimeoutMs: number): void {
    for (const session of this.sessionUse.due(idleTimeoutMs)) {
      for (const [hash, known] of this.sessions) if (known === session) this.sessions.delete(hash);
      void session.close();
    }
  }

  /**
   * Picks up abandoned runs (see isAbandoned: a daemon or CLI that drove them died, even one
   * left a zombie): what they committed stays, attempts that were running are lost and retried.
   * Runs whose engine is alive (this daemon, or an in-process run elsewhere) are left alone.
   * Run at start-up, every few seconds after, and when a CLI asks (POST /v1/resume).
   */
  resumeAbandoned(log: (line: string) => void): string[] {
    const resumed: string[] = [];
    for (const row of this.store.runningRuns()) {
      if (this.runs.has(row.id) || !isAbandoned(row)) continue;
      try {
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
        const release = this.sessionUse.hold(session);
        let plan: RunPlan;
        try {
          plan = { ...session.planOf(row.id), resume: true };
        } catch (error) {
          release();
          throw error;
        }
        this.store.setEnginePid(row.id, process.pid);
        this.execute(session, plan, release);
        log(`resumed run ${row.name} (${row.id}): its engine (pid ${row.engine_pid ?? 'unknown'}) is gone`);
        resumed.push(row.id);
      } catch (error) {
        // One run that cannot be resumed must not keep the others (or itself) running forever.
        this.runs.delete(row.id);
        this.store.setRunStatus(row.id, 'crashed', Date.now(), `could not be resumed: ${(error as Error).message}`);
        log(`could not resume run ${row.name} (${row.id}): ${(error as Error).message}`);
      }
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
        error: decodeError(row) ?? null,
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
        launcher: localLauncher,
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  cancel(runId: string): boolean {
    return this.runs.get(runId)?.cancel(runId) ?? false;
  }

  heartbeat(request: HeartbeatRequest): AttemptAnswer {
    const session = this.runs.get(request.runId);
    if (!session) return { fenced: true, reason: `run ${request.runId} is not executing on this orchestrator` };
    return session.heartbeat(request);
  }

  /** A result delivered over HTTP by a runner whose daemon died (and was restarted). */
  runnerResult(runId: string, invocationId: string, attempt: number, reply: FromRunner): AttemptAnswer {
    const session = this.runs.get(runId);
    if (!session) return { fenced: true, reason: `run ${runId} is not executing on this orchestrator` };
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
    clearInterval(this.sessionSweep);
    this.services.close();
    for (const [runId, session] of this.runs) session.cancel(runId);
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    this.store.close();
  }

  /**
   * Stores and streams one event. Sequence numbers are handed out here, so an event the store
   * cannot take (a full disk) still reaches every follower: a run's end is never lost to them.
   */
  private publish(event: EngineEvent): void {
    const runId = 'runId' in event ? event.runId : null;
    const seq = ++this.lastSeq;
    try {
      this.store.appendEvent(runId, event.type, JSON.stringify(event), event.at, seq);
    } catch (error) {
      process.stderr.write(`${new Date().toISOString()} event ${seq} (${event.type}) streamed but not stored: ${(error as Error).message}\n`);
    }
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
  if (!path.isAbsolute(dir)) throw new UnprocessableError(`${what} must be an absolute path, got ${dir}`);
  if (!isFolder(dir)) throw new UnprocessableError(`${what} ${dir} is not a folder on the orchestrator's machine`);
  return dir;
}
