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
import type { LauncherFactory } from '../engine/launcher';
import { SlotPool } from '../engine/slots';
import { limitsFromEnv } from '../model/environment';
import type { RunOptions } from '../sdk/options';
import { ServiceManager } from '../services/serviceManager';
import type { RunRecord, RunStore, StoredEvent } from '../store/runStore';
import { HeartbeatRecorder } from '../engine/heartbeatRecorder';
import { attemptHeartbeatOf } from '../engine/heartbeatSettings';
import { saveBundle } from '../prepare/bundle';
import { ConflictError, NotFoundError, UnprocessableError } from '../model/errorCodes';
import type { LogAnswer, RunDetail, StreamEvent, SubmitRunRequest } from '../api/protocol';
import { isAbandoned } from '../store/abandonedRuns';
import { SessionUse } from './sessionUse';

type Subscriber = (event: StreamEvent) => void;

/** How many stored events one read of the stream's replay takes. */
export const EVENT_PAGE = 10_000;

/** Event numbers reserved in the store at a time (see RunStore.reserveEventSeqs). */
const EVENT_SEQ_BLOCK = 10_000;

/** How often the heartbeats streamed are recorded (with their event numbers), in one store call. */
const HEARTBEAT_FLUSH_MS = 250;

/**
 * What the daemon hosts: engine sessions (one per pipeline bundle) over the embedded store,
 * the runs they execute, and the event stream. Runs outlive the clients that submitted them.
 */
export class Orchestrator {
  readonly store: RunStore;
  private readonly sessions = new Map<string, EngineSession>();
  private readonly runs = new Map<string, EngineSession>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly relayedTo = new Set<Subscriber>();
  private lastSeq = 0;
  /** Event numbers up to this one are reserved in the store. */
  private reservedSeq = 0;
  /** Resolves once the event numbering is read from the store, when this daemon leads; every way a run starts waits for it. */
  private readonly ready: Promise<void>;
  /** Starts leading (at once unless constructed as a replica). */
  private startLeading!: () => void;
  private leading = false;
  /** The stream's store writes, in order (see {@link publish}). */
  private eventWrites: Promise<void> = Promise.resolve();
  /** Events published in this turn, not yet handed to the store (see {@link storeEvent}). */
  private readonly unwrittenEvents: { write: () => Promise<void>; what: string }[] = [];
  /** Streamed heartbeats: only the newest of each attempt is recorded, in batches. */
  private readonly beats: HeartbeatRecorder;
  private readonly beatFlush: NodeJS.Timeout;
  /** The pass of resumeAbandoned in progress: passes run one at a time. */
  private resuming: Promise<void> = Promise.resolve();
  private readonly unstored = new Set<string>();
  /** Long-lived services (model servers and the like) that outlive runs. */
  readonly services: ServiceManager;
  /** One pool of concurrency slots for every run the daemon hosts. */
  readonly slots = new SlotPool(limitsFromEnv());
  private readonly sessionUse = new SessionUse<EngineSession>();
  private readonly sessionSweep: NodeJS.Timeout;

  /** Hosts runs of `store` (opened and closed by the daemon). */
  constructor(
    store: RunStore,
    private readonly leaseEndpoint: () => { url: string; token: string },
    /** Where sessions run their attempts (default: runner processes of this machine). */
    private readonly launcher: LauncherFactory = localLauncher,
    /** The daemon's instance (the engine of the runs it drives); `replica`: it drives nothing until {@link lead} (a daemon of a shared store that does not hold its claim). */
    private readonly role: { instanceId?: string; replica?: boolean } = {},
  ) {
    this.store = store;
    // A replica reads the numbering once it leads: the leader before it went on numbering events meanwhile.
    this.ready = new Promise<void>((resolve) => (this.startLeading = resolve)).then(async () => {
      const seq = await store.lastEventSeq();
      this.lastSeq = seq;
      this.reservedSeq = seq;
    });
    if (!role.replica) this.lead();
    this.beats = new HeartbeatRecorder(store);
    this.beatFlush = setInterval(() => void this.writeEvent(() => this.beats.flush(), 'heartbeat times'), HEARTBEAT_FLUSH_MS);
    this.beatFlush.unref();
    this.services = new ServiceManager(path.join(this.store.dir, 'server', 'services'));
    const idleTimeoutMs = runnerPoolSettingsFromEnv().idleTimeoutMs;
    this.sessionSweep = setInterval(() => this.closeIdleSessions(idleTimeoutMs), Math.min(1000, Math.max(50, idleTimeoutMs / 2)));
    this.sessionSweep.unref();
  }

  /** Starts leading: runs may start from now on (a replica that took the store's claim). */
  lead(): void {
    this.leading = true;
    this.startLeading();
  }

  get isLeading(): boolean {
    return this.leading;
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
    request: Required<Pick<SubmitRunRequest, 'file' | 'target' | 'bundle'>> & Pick<SubmitRunRequest, 'workingDir' | 'projectDir' | 'reuse' | 'runId'> & { parameters: Record<string, unknown>; options: RunOptions; manifest?: unknown },
  ): Promise<RunDetail> {
    // A submit sent again (its first answer was lost) is answered with the run it made.
    const made = await this.madeBy(request);
    if (made) return made;
    const workingDir = existingFolder(request.workingDir, 'workingDir') ?? process.cwd();
    const folders = { workingDir, projectDir: existingFolder(request.projectDir, 'projectDir') ?? workingDir };
    const hash = createHash('sha256').update(request.bundle).digest('hex');
    await this.ready;
    const bundlePath = saveBundle(this.store.dir, hash, request.bundle);
    // Any daemon of a shared store that comes to lead may resume or retry the run: it finds the bundle there.
    await this.store.cluster?.keepBundle(hash, request.bundle);
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
        ...(request.reuse ? { reuse: request.reuse } : {}),
        ...(request.runId ? { runId: request.runId } : {}),
      });
    } catch (error) {
      release();
      // The same submit, sent twice at once: the one that made the run answers both.
      const made = await this.madeBy(request).catch(() => undefined);
      if (made) return made;
      throw error;
    }
    this.execute(session, plan, release);
    return this.detail(plan.run.runId);
  }

  /** The run an earlier submit of the same id made, if there is one; a run of that id made from another bundle is a conflict. */
  private async madeBy(request: { runId?: string; bundle: string }): Promise<RunDetail | undefined> {
    if (request.runId === undefined) return undefined;
    await this.ready;
    const run = await this.store.getRun(request.runId);
    if (!run) return undefined;
    const hash = createHash('sha256').update(request.bundle).digest('hex');
    if (path.basename(run.bundlePath, '.cjs') !== hash) {
      throw new ConflictError(`run id ${request.runId} is taken by run ${run.name} of pipeline ${run.pipeline}, made from other code: a submit that sends a run id again must be the same submit`);
    }
    return this.detail(request.runId);
  }

  /** Starts a retry of a finished run (see EngineSession.prepareRetry). */
  async retry(runId: string, step?: string): Promise<RunDetail> {
    await this.ready;
    const source = await this.store.getRun(runId);
    if (!source) throw new NotFoundError(`no run with id ${runId}`);
    const hash = path.basename(source.bundlePath, '.cjs');
    const bundlePath = await this.localBundle(source.bundlePath);
    if (bundlePath === undefined) throw new UnprocessableError(`run ${source.name} cannot be retried: its bundle ${source.bundlePath} is gone`);
    const session = this.sessionFor(hash, bundlePath, source.pipeline, foldersOf(source), source.manifest as ModuleManifest | undefined);
    const release = this.sessionUse.hold(session);
    let plan: RunPlan;
    try {
      plan = await session.prepareRetry(runId, step);
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
  async resumeAbandoned(log: (line: string) => void): Promise<string[]> {
    // One pass at a time: a run found abandoned is taken by the pass that found it first. Chained
    // at once, so a runner's word that arrives meanwhile waits for this pass (heartbeatOnceResumed).
    const pass = this.resuming.then(() => this.ready).then(() => this.resumeNow(log));
    this.resuming = pass.then(
      () => undefined,
      () => undefined,
    );
    return pass;
  }

  private async resumeNow(log: (line: string) => void): Promise<string[]> {
    const resumed: string[] = [];
    for (const run of await this.store.runningRuns()) {
      if (this.runs.has(run.id) || !isAbandoned(run, this.role.instanceId)) continue;
      try {
        const bundlePath = await this.localBundle(run.bundlePath);
        if (bundlePath === undefined) {
          await this.store.setRunStatus(run.id, 'crashed', Date.now(), `its bundle ${run.bundlePath} is gone`);
          continue;
        }
        const folders = foldersOf(run);
        if (!isFolder(folders.workingDir)) {
          await this.store.setRunStatus(run.id, 'crashed', Date.now(), `its working folder ${folders.workingDir} is gone`);
          continue;
        }
        const hash = path.basename(run.bundlePath, '.cjs');
        const session = this.sessionFor(hash, bundlePath, run.pipeline, folders, run.manifest as ModuleManifest | undefined);
        const release = this.sessionUse.hold(session);
        let plan: RunPlan;
        try {
          plan = { ...(await session.planOf(run.id)), resume: true };
          await this.store.setEnginePid(run.id, process.pid);
        } catch (error) {
          release();
          throw error;
        }
        this.execute(session, plan, release);
        log(`resumed run ${run.name} (${run.id}): its engine (${run.engineInstance ? `daemon ${run.engineInstance}, ` : ''}pid ${run.enginePid ?? 'unknown'}) is gone`);
        resumed.push(run.id);
      } catch (error) {
        // One run that cannot be resumed must not keep the others (or itself) running forever.
        this.runs.delete(run.id);
        await this.store.setRunStatus(run.id, 'crashed', Date.now(), `could not be resumed: ${(error as Error).message}`);
        log(`could not resume run ${run.name} (${run.id}): ${(error as Error).message}`);
      }
    }
    return resumed;
  }

  /**
   * Where this daemon finds a run's bundle: the path the run recorded, or, for a run another daemon
   * of a shared store submitted (on another machine, in another folder), the copy kept in the store,
   * saved in this daemon's folder. Undefined when it is nowhere.
   */
  private async localBundle(recorded: string): Promise<string | undefined> {
    if (fs.existsSync(recorded)) return recorded;
    const hash = path.basename(recorded, '.cjs');
    const text = await this.store.cluster?.bundleText(hash);
    return text === undefined ? undefined : saveBundle(this.store.dir, hash, text);
  }

  async detail(runId: string): Promise<RunDetail> {
    const attempts: RunDetail['attempts'] = {};
    const run = await this.store.getRun(runId);
    for (const record of await this.store.getAttempts(runId)) {
      (attempts[record.invocationId] ??= []).push({
        attempt: record.attempt,
        status: record.status,
        runnerPid: record.runnerPid,
        error: record.error ?? null,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
        heartbeatAt: record.heartbeatAt,
        ...(record.status === 'running' && run ? { heartbeat: attemptHeartbeatOf(run, record.invocationId) } : {}),
      });
    }
    return { ...(await summarizeRun(this.store, runId)), attempts, ...(await runContents(this.store, runId)) };
  }

  /** A run's stored output (of one step, or one attempt of it), as the API answers it. */
  async logs(runId: string, step?: string, attempt?: number): Promise<LogAnswer[]> {
    return (await this.store.getLogs(runId, step, attempt)).map((line) => ({ step: line.invocationId, attempt: line.attempt, stream: line.stream, text: line.text, at: line.at }));
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
        store: this.store,
        logsStoredByListener: true,
        bundle: { path: bundlePath, hash },
        sourceFile,
        ...folders,
        manifest,
        listener: (event) => this.publish(event),
        leaseEndpoint: this.leaseEndpoint(),
        slots: this.slots,
        launcher: this.launcher,
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  cancel(runId: string): boolean {
    return this.runs.get(runId)?.cancel(runId) ?? false;
  }

  /**
   * The heartbeat route's answer. A runner that outlived the last daemon beats this one as soon as
   * it listens, maybe before the resume pass in progress has taken its run back: it is answered
   * once that pass ends, never fenced meanwhile (which would kill a runner the run still needs).
   * A beat for a run already executing here (nearly every beat) is answered in the same turn.
   */
  heartbeatOnceResumed(request: HeartbeatRequest): AttemptAnswer | Promise<AttemptAnswer> {
    if (this.runs.get(request.runId)?.isExecuting(request.runId)) return this.heartbeat(request);
    return this.executing(request.runId).then(() => this.heartbeat(request));
  }

  /** Once run `runId` executes here, if the resume pass in progress is taking it back. */
  private async executing(runId: string): Promise<void> {
    if (!this.runs.has(runId)) await this.resuming;
    await this.runs.get(runId)?.executing(runId);
  }

  heartbeat(request: HeartbeatRequest): AttemptAnswer {
    const session = this.runs.get(request.runId);
    if (!session) return { fenced: true, reason: `run ${request.runId} is not executing on this orchestrator` };
    return session.heartbeat(request);
  }

  /** A result delivered over HTTP by a runner whose daemon died (and was restarted). */
  async runnerResult(runId: string, invocationId: string, attempt: number, reply: FromRunner): Promise<AttemptAnswer> {
    await this.executing(runId);
    const session = this.runs.get(runId);
    if (!session) return { fenced: true, reason: `run ${runId} is not executing on this orchestrator` };
    return session.runnerResult(runId, invocationId, attempt, reply);
  }

  /** Streams an event another daemon (the leader) stored to this daemon's event streams (see EventRelay). */
  relay(event: StreamEvent): void {
    for (const subscriber of this.relayedTo) subscriber(event);
  }

  /** Hears every event this daemon publishes; with `relayed`, also those it relays for the leader (an event stream; not its metrics, which count its own). */
  subscribe(subscriber: Subscriber, options: { relayed?: boolean } = {}): () => void {
    this.subscribers.add(subscriber);
    if (options.relayed) this.relayedTo.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
      this.relayedTo.delete(subscriber);
    };
  }

  /**
   * Stored events after `seq` (for a client resuming its stream), at most {@link EVENT_PAGE}:
   * once every event published so far is in the store, so a replay misses none of them.
   */
  async eventsSince(seq: number, runId?: string): Promise<StreamEvent[]> {
    // A replica publishes nothing itself: the store has what the leader wrote.
    if (this.leading) {
      await this.ready;
      await this.writeEvent(() => this.beats.flush(), 'heartbeat times');
    }
    return (await this.store.eventsSince(seq, runId, EVENT_PAGE)).map((event: StoredEvent) => ({ seq: event.seq, type: event.type, runId: event.runId, data: event.data }));
  }

  /** Cancels what runs and releases every process and file. */
  async close(): Promise<void> {
    clearInterval(this.sessionSweep);
    clearInterval(this.beatFlush);
    this.services.close();
    for (const [runId, session] of this.runs) session.cancel(runId);
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
    await this.writeEvent(() => this.beats.flush(), 'heartbeat times');
  }

  /**
   * Stores and streams one event. Sequence numbers are handed out here, so an event the store
   * cannot take (a full disk) still reaches every follower: a run's end is never lost to them.
   */
  private publish(event: EngineEvent): void {
    const runId = 'runId' in event ? event.runId : null;
    const seq = ++this.lastSeq;
    if (seq > this.reservedSeq - EVENT_SEQ_BLOCK / 2) {
      // Numbers of events with no row of their own (heartbeats) are never handed out twice, even after a crash.
      const upTo = (this.reservedSeq = Math.max(this.reservedSeq, seq) + EVENT_SEQ_BLOCK);
      void this.writeEvent(() => this.store.reserveEventSeqs(upTo), 'event numbers');
    }
    if (event.type === 'heartbeat') {
      // No row per beat: the newest of each attempt is recorded with its number, in batches.
      this.beats.note({ runId: event.runId, invocationId: event.invocationId, attempt: event.attempt, at: event.at, seq });
    } else if (event.type === 'log') {
      // Stored once: the log line is the event.
      const line = { runId: event.runId, invocationId: event.invocationId ?? null, attempt: event.attempt ?? null, stream: event.stream, text: event.text, at: event.at };
      // One after another: a store may number the lines as they arrive (their order is the output's).
      void this.writeEvent(() => this.store.appendLog(line, seq), `event ${seq} (log)`);
    } else {
      this.storeEvent(() => this.store.appendEvent(seq, runId, event.type, event, event.at), `event ${seq} (${event.type})`);
    }
    const streamed: StreamEvent = { seq, type: event.type, runId, data: event };
    for (const subscriber of this.subscribers) subscriber(streamed);
  }

  /**
   * Queues the store write of one event; the events published in one turn of the event loop (of
   * the steps that finished together) go to the store together, after the writes before them, so
   * it can commit them at once (each carries its number: their order of arrival does not matter).
   */
  private storeEvent(write: () => Promise<void>, what: string): void {
    if (this.unwrittenEvents.length === 0) setImmediate(() => this.flushEvents());
    this.unwrittenEvents.push({ write, what });
  }

  private flushEvents(): void {
    const batch = this.unwrittenEvents.splice(0);
    if (batch.length === 0) return;
    const through = this.lastSeq;
    const written = this.eventWrites.then(() => Promise.all(batch.map(({ write, what }) => write().catch((error: unknown) => this.reportUnstored(what, error)))));
    this.eventWrites = written.then(() => this.stored(through));
  }

  /** One write of the event stream, after those before it; one the store refuses is reported (the event still streamed). */
  private writeEvent(write: () => Promise<void>, what: string): Promise<void> {
    this.flushEvents();
    const through = this.lastSeq;
    this.eventWrites = this.eventWrites
      .then(write)
      .catch((error: unknown) => this.reportUnstored(what, error))
      .then(() => this.stored(through));
    return this.eventWrites;
  }

  /**
   * Every event numbered up to `through` has been written (or refused and reported): the other
   * daemons of a shared store are told, and stream them from the store (daemon/eventRelay.ts).
   * The newest heartbeats are written later, in batches: a replica streams those it finds then.
   */
  private stored(through: number): void {
    if (this.leading && through > 0) this.store.cluster?.eventsStored(through);
  }

  private reportUnstored(what: string, error: unknown): void {
    // Said for every event; for the batched writes (heartbeat times, event numbers) once per message.
    const message = `${what} streamed but not stored: ${(error as Error).message}`;
    if (what.startsWith('event ') || !this.unstored.has(message)) process.stderr.write(`${new Date().toISOString()} ${message}\n`);
    this.unstored.add(message);
  }
}

interface RunFolders {
  workingDir: string;
  projectDir: string;
}

/** The folders a stored run executes in (runs stored before they were recorded: the daemon's own). */
function foldersOf(run: RunRecord): RunFolders {
  const workingDir = run.workingDir ?? process.cwd();
  return { workingDir, projectDir: run.projectDir ?? workingDir };
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
