import type { ArtifactRef } from '../artifacts/artifactStore';
import type { PipelineDag } from '../model/dag';
import type { AttemptStatus, RunStatus, StepStatus } from '../model/status';
import { decodeError, type ErrorColumns } from './errorColumns';
import type { TokenScope } from '../model/tokenScopes';
import type { ApiTokenRecord, AttemptRecord, HeartbeatGapRecord, HookCallRecord, LogRecord, RunOutputRecord, RunRecord, StepRecord, StoredEvent, TransitionRecord } from './records';

/**
 * The rows of both stores' tables (the same columns in SQLite and PostgreSQL) and their one
 * decoding into the store's records. Where the drivers hand a column over differently, the row
 * type says both: nothing outside a store ever sees a row.
 */

/** An integer column: a number from SQLite, a BIGINT's text from PostgreSQL (every value the stores write fits a double). */
type Int = number | string;
/** A flag: 0 or 1 in SQLite, a boolean in PostgreSQL. */
type Flag = number | boolean;
/** Log text: a string in SQLite, bytes in PostgreSQL (whose text cannot hold NUL). */
type Text = string | Buffer;

const num = (value: Int): number => Number(value);
const numOrNull = (value: Int | null): number | null => (value === null ? null : Number(value));
const flag = (value: Flag): boolean => value === true || value === 1;
const text = (value: Text): string => (typeof value === 'string' ? value : value.toString('utf8'));

export interface RunRow {
  id: string;
  name: string;
  pipeline: string;
  status: RunStatus;
  parameters_json: string;
  options_json: string;
  dag_json: string;
  bundle_path: string;
  manifest_json: string | null;
  parent_run_id: string | null;
  parent_invocation: string | null;
  engine_pid: number | null;
  engine_identity: string | null;
  /** PostgreSQL only: the daemon instance driving the run (absent from SQLite rows). */
  engine_instance?: string | null;
  error: string | null;
  created_at: Int;
  started_at: Int | null;
  ended_at: Int | null;
  working_dir: string | null;
  project_dir: string | null;
}

export interface StepRow extends ErrorColumns {
  run_id: string;
  id: string;
  step_name: string;
  position: number;
  status: StepStatus;
  cached: Flag;
  cache_key: string | null;
  attempts: number;
  started_at: Int | null;
  ended_at: Int | null;
}

export interface AttemptRow extends ErrorColumns {
  run_id: string;
  step_id: string;
  attempt: number;
  status: AttemptStatus;
  runner_pid: number | null;
  started_at: Int;
  ended_at: Int | null;
  heartbeat_at: Int | null;
}

export interface TransitionRow {
  seq: Int;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  status: string;
  detail: string | null;
  at: Int;
}

export interface LogRow {
  seq: Int;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr';
  text: Text;
  at: Int;
}

export interface HookCallRow {
  seq: Int;
  run_id: string;
  step_id: string;
  hook: 'onSuccess' | 'onFailure';
  source: string;
  ok: Flag;
  error: string | null;
  at: Int;
}

/** A committed output joined with its artifact. */
export interface OutputRow {
  step_id: string;
  output: string;
  hash: string;
  materializer: string;
  size: Int;
  type_name: string;
}

/** A row of the event stream's union: a stored event (json), a log line or an attempt's newest heartbeat. */
export interface EventRow {
  seq: Int;
  run_id: string | null;
  type: string;
  json: string | null;
  step_id: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr' | null;
  text: Text | null;
  at: Int;
}

export function runRecord(row: RunRow): RunRecord {
  const record: Omit<RunRecord, 'dag' | 'manifest'> = {
    id: row.id,
    name: row.name,
    pipeline: row.pipeline,
    status: row.status,
    parameters: JSON.parse(row.parameters_json) as Record<string, unknown>,
    options: JSON.parse(row.options_json) as Record<string, unknown>,
    bundlePath: row.bundle_path,
    parentRunId: row.parent_run_id,
    parentInvocation: row.parent_invocation,
    enginePid: row.engine_pid,
    engineIdentity: row.engine_identity,
    engineInstance: row.engine_instance ?? null,
    error: row.error,
    createdAt: num(row.created_at),
    startedAt: numOrNull(row.started_at),
    endedAt: numOrNull(row.ended_at),
    workingDir: row.working_dir,
    projectDir: row.project_dir,
  };
  // The DAG and manifest are the run's large parts (about 500 bytes a step): decoded when first read,
  // so listing and showing runs do not parse them (`runs show` of a 100,000-step run parsed 45 MB thrice).
  return Object.defineProperties(record, {
    dag: lazyJson(() => JSON.parse(row.dag_json) as PipelineDag),
    manifest: lazyJson(() => (row.manifest_json === null ? undefined : (JSON.parse(row.manifest_json) as unknown))),
  }) as RunRecord;
}

/** An enumerable property decoded on first read, then kept (and writable, as a plain field is). */
function lazyJson<T>(decode: () => T): PropertyDescriptor {
  let decoded: { value: T } | undefined;
  return {
    enumerable: true,
    configurable: true,
    get: () => (decoded ??= { value: decode() }).value,
    set(value: T) {
      decoded = { value };
    },
  };
}

export function stepRecord(row: StepRow): StepRecord {
  const record: StepRecord = {
    runId: row.run_id,
    invocationId: row.id,
    stepName: row.step_name,
    position: row.position,
    status: row.status,
    cached: flag(row.cached),
    cacheKey: row.cache_key,
    attempts: row.attempts,
    startedAt: numOrNull(row.started_at),
    endedAt: numOrNull(row.ended_at),
  };
  const error = decodeError(row);
  if (error) record.error = error;
  return record;
}

export function attemptRecord(row: AttemptRow): AttemptRecord {
  const record: AttemptRecord = {
    runId: row.run_id,
    invocationId: row.step_id,
    attempt: row.attempt,
    status: row.status,
    runnerPid: row.runner_pid,
    startedAt: num(row.started_at),
    endedAt: numOrNull(row.ended_at),
    heartbeatAt: numOrNull(row.heartbeat_at),
  };
  const error = decodeError(row);
  if (error) record.error = error;
  return record;
}

export function transitionRecord(row: TransitionRow): TransitionRecord {
  return { seq: num(row.seq), runId: row.run_id, invocationId: row.step_id, attempt: row.attempt, status: row.status, detail: row.detail, at: num(row.at) };
}

/** A heartbeat gap is kept as a transition of its attempt: this status, the silence's start as its detail, the late beat as its time. */
export const HEARTBEAT_GAP_TRANSITION = 'heartbeat-gap';

export function heartbeatGapRecord(row: TransitionRow): HeartbeatGapRecord {
  return { invocationId: row.step_id ?? '', attempt: row.attempt ?? 0, from: Number(row.detail), to: num(row.at) };
}

export function logRecord(row: LogRow): LogRecord {
  return { seq: num(row.seq), runId: row.run_id, invocationId: row.step_id, attempt: row.attempt, stream: row.stream, text: text(row.text), at: num(row.at) };
}

export function hookCallRecord(row: HookCallRow): HookCallRecord {
  return { seq: num(row.seq), runId: row.run_id, invocationId: row.step_id, hook: row.hook, source: row.source, ok: flag(row.ok), error: row.error, at: num(row.at) };
}

export function artifactRef(row: Omit<OutputRow, 'step_id'>): ArtifactRef {
  return { hash: row.hash, materializer: row.materializer, size: num(row.size), typeName: row.type_name };
}

export function runOutputRecord(row: OutputRow): RunOutputRecord {
  return { invocationId: row.step_id, output: row.output, ...artifactRef(row) };
}

/** Log and heartbeat events are rebuilt as the engine emitted them (same fields, same order). */
export function eventRecord(row: EventRow): StoredEvent {
  const base = { seq: num(row.seq), runId: row.run_id, type: row.type };
  if (row.json !== null) return { ...base, data: JSON.parse(row.json) as unknown };
  const at = num(row.at);
  if (row.type === 'heartbeat') return { ...base, data: { type: 'heartbeat', runId: row.run_id, invocationId: row.step_id, attempt: row.attempt, at } };
  return {
    ...base,
    data: {
      type: 'log',
      runId: row.run_id,
      ...(row.step_id === null ? {} : { invocationId: row.step_id }),
      ...(row.attempt === null ? {} : { attempt: row.attempt }),
      stream: row.stream,
      text: text(row.text as Text),
      at,
    },
  };
}

export interface ApiTokenRow {
  name: string;
  scope: TokenScope;
  created_at: Int;
  last_used_at: Int | null;
}

export function apiTokenRecord(row: ApiTokenRow): ApiTokenRecord {
  return { name: row.name, scope: row.scope, createdAt: num(row.created_at), lastUsedAt: numOrNull(row.last_used_at) };
}
