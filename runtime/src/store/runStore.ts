import type { StoreCluster } from './storeCluster';
import type { ArtifactRef, ArtifactStore } from '../artifacts/artifactStore';
import type { AttemptError } from '../model/attemptError';
import { UnprocessableError } from '../model/errorCodes';
import type { AttemptStatus, RunStatus, StepStatus } from '../model/status';
import type { HeartbeatGap } from '../model/heartbeatGap';
import type {
  ApiTokenRecord,
  AttemptRecord,
  CacheEntryRecord,
  HeartbeatGapRecord,
  HeartbeatTime,
  HookCallRecord,
  LogLine,
  LogRecord,
  NewApiToken,
  NewRun,
  OutputCommit,
  RunOutputRecord,
  RunRecord,
  StepRecord,
  StepStatusDetail,
  StoredEvent,
  TransitionRecord,
} from './records';

export type * from './records';

/** Raised when a run name is already used by another run of the same pipeline. */
/** Where a running attempt of a remote launcher is: waiting in its queue, or claimed by a worker. */
export type AttemptPlacement = 'queued' | 'claimed';

export class RunNameTakenError extends UnprocessableError {
  constructor(
    readonly pipeline: string,
    readonly runName: string,
  ) {
    super(`run name "${runName}" is already used by a run of pipeline "${pipeline}"; run names are unique per pipeline (add {time} or another substitution to the template)`);
    this.name = 'RunNameTakenError';
  }
}

/** Raised when an API token of that name exists already (names are unique; revoke the old one first). */
export class TokenNameTakenError extends UnprocessableError {
  constructor(readonly tokenName: string) {
    super(`a token named "${tokenName}" exists already; pick another name or revoke it first (pipewright tokens revoke ${tokenName})`);
    this.name = 'TokenNameTakenError';
  }
}

/** `readWrite` creates (or migrates) the store; `readOnly` changes nothing, so it works on a full disk. */
export type StoreMode = 'readWrite' | 'readOnly';

/**
 * Where runs are recorded: runs, their invocations and attempts, outputs, the cache, logs,
 * hook calls and the daemon's event stream. Every method is one unit of work: what it writes
 * is committed at once (one transaction) or not at all, so an implementation over a shared
 * database needs no transaction across calls. Records come back decoded; no caller sees how
 * they are stored. A write the full disk refuses rejects with a DiskFullError; outcome records
 * (an attempt's end, a step's or run's status) may use space kept in reserve, so a run that
 * fills the disk still ends recorded. `test/contracts/runStore.contract.ts` is the contract.
 */
export interface RunStore {
  /** The local store folder (bundles, the daemon's files; the artifact folder by default). */
  readonly dir: string;
  readonly readOnly: boolean;
  readonly artifacts: ArtifactStore;
  close(): Promise<void>;
  /** Puts back the space kept in reserve for outcome records, if it was given up and there is room again; never rejects. */
  restoreReserve(): Promise<void>;

  // ---- runs
  /** Creates the run (status `running`, every invocation `pending`, or `cached` with reused outputs); rejects with {@link RunNameTakenError} on a taken name. */
  createRun(run: NewRun): Promise<void>;
  runNameTaken(pipeline: string, name: string): Promise<boolean>;
  setRunStatus(runId: string, status: RunStatus, at: number, error?: string): Promise<void>;
  /** Records which process now drives the run (with its identity, so a reused pid is never taken for it). */
  setEnginePid(runId: string, pid: number | null): Promise<void>;
  /**
   * Makes process `pid` this store's one daemon, unless a live daemon already is one: atomic,
   * so of daemons started at once exactly one wins. Answers the live owner's pid when another
   * process owns the store (a dead, zombie or reused-pid owner does not). A claim that can be
   * lost while its daemon lives on (a database's, whose server restarted) is taken again by the
   * store; `onLost` hears when another daemon took it meanwhile: the daemon must stop then.
   */
  claimDaemon(pid: number, onLost?: (why: string) => void): Promise<number | undefined>;
  /** A store several daemons share (PostgreSQL): they join it instead of claiming it (see storeCluster.ts). Absent: one daemon per store. */
  readonly cluster?: StoreCluster;
  /** Runs whose status is `running` (whether or not anything still drives them), oldest first. */
  runningRuns(): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Finds a run by id, name (newest run of that name) or unique id prefix. */
  findRun(idOrName: string): Promise<RunRecord | undefined>;
  /** Newest first; `pipeline` and `statuses` (any of them) narrow the list before `limit` (default 50) applies. */
  listRuns(options?: { limit?: number; pipeline?: string; statuses?: readonly RunStatus[] }): Promise<RunRecord[]>;

  // ---- invocations and attempts
  setStepStatus(runId: string, invocationId: string, status: StepStatus, at: number, detail?: StepStatusDetail): Promise<void>;
  /**
   * Starts attempt `attempt` (`running`) and counts it on its invocation. With `stepRunningAt`,
   * the invocation becomes `running` at that time too, in the same write, exactly as
   * `setStepStatus(…, 'running', stepRunningAt)` would before it (the engine's first attempt of a
   * step that starts at once: one write, not two).
   */
  startAttempt(runId: string, invocationId: string, attempt: number, at: number, runnerPid: number | null, stepRunningAt?: number): Promise<void>;
  setAttemptRunner(runId: string, invocationId: string, attempt: number, pid: number): Promise<void>;
  /** Records the newest heartbeat times of attempts (and their event numbers), a batch at once: heartbeats are never one write each. A time or number never goes back. */
  recordHeartbeats(beats: readonly HeartbeatTime[]): Promise<void>;
  /** Notes a message from an attempt that is no longer current, which was refused. */
  recordRefusal(runId: string, invocationId: string, attempt: number, what: string, at: number): Promise<void>;
  /**
   * Notes where a running attempt is: `queued` for a remote worker (`detail`: what it waits for,
   * `pool gpu, labels accelerator=a100`), then `claimed` by one (kept with its transitions).
   */
  recordPlacement(runId: string, invocationId: string, attempt: number, placement: AttemptPlacement, detail: string | null, at: number): Promise<void>;
  /** Notes that a heartbeat of an attempt came late, after a silence since `gap.from` (kept with the attempt's transitions). */
  recordHeartbeatGap(runId: string, invocationId: string, attempt: number, gap: HeartbeatGap): Promise<void>;
  /** Ends a running attempt (an attempt already ended stays as it ended); `error` is a thrown failure or the engine's reason. */
  endAttempt(runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): Promise<void>;
  /**
   * Commits a success at once: artifacts, outputs, the attempt's end, the cache entry and the
   * invocation's status (`completed`, or `cached` for a cache hit). A reader never sees a
   * completed invocation without its outputs. Fenced in the store: an attempt's commit is refused
   * with a `FencedError` (commitFence.ts), writing nothing, unless that attempt is still `running` (not ended
   * as lost by whoever took the run over) and, in a shared store, this daemon still drives the run.
   */
  commitOutputs(runId: string, invocationId: string, outputs: Record<string, ArtifactRef>, at: number, commit: OutputCommit): Promise<void>;
  /** Outputs cached under `key` (no earlier than `since`, when given), if every artifact is still there. */
  lookupCache(key: string, since?: number): Promise<Record<string, ArtifactRef> | undefined>;
  /** The newest cache entry of step `stepName`, one that invocation `invocationId` made if there is one (what a plan explains a miss against). */
  newestCacheEntry(stepName: string, invocationId: string): Promise<CacheEntryRecord | undefined>;
  /** The outputs of the newest invocation committed under cache key `key`, executed or reused, cache entry or not. */
  outputsCommittedUnder(key: string): Promise<Record<string, ArtifactRef> | undefined>;
  /** A run's invocations, in DAG order. */
  getSteps(runId: string): Promise<StepRecord[]>;
  /** Every attempt of a run (in the order they started), or of one invocation (by attempt number). */
  getAttempts(runId: string, invocationId?: string): Promise<AttemptRecord[]>;
  getOutputs(runId: string, invocationId: string): Promise<Record<string, ArtifactRef>>;
  /** One committed output of an invocation (only its own outputs: `constructor` is no output of anything). */
  outputOf(runId: string, invocationId: string, output: string): Promise<ArtifactRef | undefined>;
  /** Every committed output of a run, in DAG order. */
  getRunOutputs(runId: string): Promise<RunOutputRecord[]>;
  /** Every status change of a run, its invocations and attempts, in order. */
  getTransitions(runId: string): Promise<TransitionRecord[]>;
  /** The heartbeat gaps of a run's attempts, in the order they were recorded. */
  getHeartbeatGaps(runId: string): Promise<HeartbeatGapRecord[]>;

  // ---- logs, hooks, events
  /**
   * Stores a line of captured output, once. With `eventSeq`, the line is also event `eventSeq`
   * of the daemon's stream (a `log` event), so {@link eventsSince} replays it: logs are never stored twice.
   */
  appendLog(line: LogLine, eventSeq?: number): Promise<void>;
  /** A run's output in the order it was captured, of every invocation, one, or one attempt. */
  getLogs(runId: string, invocationId?: string, attempt?: number): Promise<LogRecord[]>;
  recordHook(runId: string, invocationId: string, hook: 'onSuccess' | 'onFailure', source: string, error: string | undefined, at: number): Promise<void>;
  getHookCalls(runId: string): Promise<HookCallRecord[]>;
  /** Appends event `seq` of the daemon's stream (`data` is the event). */
  appendEvent(seq: number, runId: string | null, type: string, data: unknown, at: number): Promise<void>;
  /**
   * Notes that event numbers up to `seq` are handed out: events that are streamed but never
   * stored one by one (heartbeats) still never get their number reused after a restart.
   */
  reserveEventSeqs(seq: number): Promise<void>;
  /** The highest event number stored or reserved (0 before the first). */
  lastEventSeq(): Promise<number>;
  /**
   * Events after `seq` in order, at most `limit`: stored events, log lines stored with an event
   * number, and the newest heartbeat of each attempt (recorded with its number: earlier beats
   * of an attempt are superseded and not kept).
   */
  eventsSince(seq: number, runId: string | undefined, limit: number): Promise<StoredEvent[]>;

  // ---- API tokens (`pipewright tokens`; the daemon's token check) ----
  /** Records a token (its secret's hash only); rejects with {@link TokenNameTakenError} on a taken name. */
  createApiToken(token: NewApiToken): Promise<void>;
  /** Every token, oldest first. */
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** The token whose secret's SHA-256 is `hash`, if there is one (a revoked token is gone). */
  findApiToken(hash: string): Promise<ApiTokenRecord | undefined>;
  /** Notes that token `name` authenticated a request at `at` (a time never goes back). */
  touchApiToken(name: string, at: number): Promise<void>;
  /** Deletes token `name`: it authenticates nothing from then on. False when there is none. */
  revokeApiToken(name: string): Promise<boolean>;
}
