import type { ArtifactRef } from '../artifacts/artifactStore';
import type { CarriedBytes } from '../model/artifactRef';
import type { AttemptError } from '../model/attemptError';
import type { PipelineDag } from '../model/dag';
import type { AttemptStatus, RunStatus, StepStatus } from '../model/status';
import type { TokenScope } from '../model/tokenScopes';

/**
 * What the store holds, decoded: callers see these records, never a column or its encoding.
 * Every implementation of {@link RunStore} answers these same shapes.
 */

/** A run to insert, with its compiled DAG (every node starts `pending`). */
export interface NewRun {
  id: string;
  name: string;
  pipeline: string;
  sourceFile: string;
  parameters: Record<string, unknown>;
  options: Record<string, unknown>;
  dag: PipelineDag;
  bundlePath: string;
  /** The folder the user ran from: steps run there, so relative paths resolve against it. */
  workingDir: string;
  /** The folder whose node_modules provide the bundle's external packages. */
  projectDir: string;
  manifest?: unknown;
  parentRunId?: string;
  parentInvocation?: string;
  enginePid?: number;
  at: number;
  /**
   * Invocations whose committed outputs are taken over from an earlier run (a retry), in the
   * same transaction: they start `cached` with those outputs, so nobody sees them pending.
   */
  reuse?: { fromRunId: string; invocationIds: readonly string[] };
}

export interface RunRecord {
  id: string;
  name: string;
  pipeline: string;
  status: RunStatus;
  /** The run's parameters, encoded as stored (see artifacts/structured). */
  parameters: Record<string, unknown>;
  options: Record<string, unknown>;
  dag: PipelineDag;
  bundlePath: string;
  manifest: unknown;
  parentRunId: string | null;
  parentInvocation: string | null;
  enginePid: number | null;
  /** Who enginePid is (processIdentity): a reused pid is not the engine. */
  engineIdentity: string | null;
  /** The daemon instance driving the run, when a daemon of a shared (PostgreSQL) store does: it drives it while it holds the store's claim. */
  engineInstance?: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Null for runs stored before working folders were recorded. */
  workingDir: string | null;
  projectDir: string | null;
}

/** One invocation of a run. */
export interface StepRecord {
  runId: string;
  invocationId: string;
  stepName: string;
  position: number;
  status: StepStatus;
  cached: boolean;
  cacheKey: string | null;
  attempts: number;
  /** Why it failed (or the engine's reason), if it did. */
  error?: AttemptError;
  startedAt: number | null;
  endedAt: number | null;
}

export interface AttemptRecord {
  runId: string;
  invocationId: string;
  attempt: number;
  status: AttemptStatus;
  runnerPid: number | null;
  error?: AttemptError;
  startedAt: number;
  endedAt: number | null;
  /** The newest heartbeat the store was given (heartbeats are written in batches). */
  heartbeatAt: number | null;
}

export interface TransitionRecord {
  seq: number;
  runId: string;
  invocationId: string | null;
  attempt: number | null;
  status: string;
  detail: string | null;
  at: number;
}

export interface LogLine {
  runId: string;
  invocationId: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr';
  text: string;
  at: number;
}

export interface LogRecord extends LogLine {
  seq: number;
}

export interface HookCallRecord {
  seq: number;
  runId: string;
  invocationId: string;
  hook: 'onSuccess' | 'onFailure';
  source: string;
  ok: boolean;
  error: string | null;
  at: number;
}

/** One committed output of a run, with its artifact's description. */
export type RunOutputRecord = { invocationId: string; output: string } & ArtifactRef;

/** A late heartbeat of one attempt: the silence before it (see `model/heartbeatGap.ts`). */
export interface HeartbeatGapRecord {
  invocationId: string;
  attempt: number;
  from: number;
  to: number;
}

/** The newest heartbeat of one attempt. */
export interface HeartbeatTime {
  runId: string;
  invocationId: string;
  attempt: number;
  at: number;
  /** The beat's number in the daemon's event stream, when it was streamed (see RunStore.eventsSince). */
  seq?: number;
}

/** One stored event of the orchestrator's stream. */
export interface StoredEvent {
  seq: number;
  runId: string | null;
  type: string;
  data: unknown;
}

/** What a successful attempt (or a cache hit) commits, in one transaction. */
export interface OutputCommit {
  /** The attempt that produced the outputs (none for a cache hit). */
  attempt?: number;
  cacheKey?: string;
  cached: boolean;
  stepName: string;
  /** Whether the outputs are stored as a cache entry under `cacheKey`. */
  cacheable: boolean;
  /**
   * Bytes of outputs that no artifact store holds yet (they came inside a remote worker's
   * result, checked against their hashes): the store keeps them no later than the commit. A
   * PostgreSQL store whose artifacts are in its database writes them in the commit's statement,
   * so a refused commit keeps none; other stores keep them first (content-addressed garbage
   * when the commit is then refused).
   */
  carried?: CarriedBytes;
}

/** What a step's status carries besides the status. */
export interface StepStatusDetail {
  error?: string | AttemptError;
  cached?: boolean;
  cacheKey?: string;
}

/** One cache entry: which invocation of which run made it, and when. */
export interface CacheEntryRecord {
  key: string;
  stepName: string;
  runId: string;
  invocationId: string;
  createdAt: number;
}

/** An API token to record: its secret is never stored, only the secret's SHA-256 (`hash`, hex). */
export interface NewApiToken {
  name: string;
  scope: TokenScope;
  hash: string;
  createdAt: number;
}

/** A recorded API token, as `tokens list` shows it (never its secret). */
export interface ApiTokenRecord {
  name: string;
  scope: TokenScope;
  createdAt: number;
  /** When it last authenticated a request (null: never). */
  lastUsedAt: number | null;
}
