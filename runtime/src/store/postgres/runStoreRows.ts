import type { ArtifactRef } from '../../artifacts/artifactStore';
import type { PipelineDag } from '../../model/dag';
import type { AttemptStatus, RunStatus, StepStatus } from '../../model/status';
import type { AttemptRecord, HookCallRecord, LogRecord, RunOutputRecord, RunRecord, StepRecord, StoredEvent, TransitionRecord } from '../records';
import { decodeError, type ErrorColumns } from '../sqlite/errorColumns';

/**
 * Rows of the PostgreSQL store as the `pg` driver hands them over, and their decoding into the
 * store's records: BIGINT columns (times, sizes, sequence numbers) arrive as strings, BYTEA as
 * Buffers, JSON as the text it was stored as. Nothing outside the store sees a row.
 */

/** A BIGINT column: pg hands it over as a string (every value the store writes fits a double). */
type BigintText = string;

const num = (value: BigintText | number): number => Number(value);
const numOrNull = (value: BigintText | number | null): number | null => (value === null ? null : Number(value));

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
  error: string | null;
  created_at: BigintText;
  started_at: BigintText | null;
  ended_at: BigintText | null;
  working_dir: string | null;
  project_dir: string | null;
}

export interface StepRow extends ErrorColumns {
  run_id: string;
  id: string;
  step_name: string;
  position: number;
  status: StepStatus;
  cached: boolean;
  cache_key: string | null;
  attempts: number;
  started_at: BigintText | null;
  ended_at: BigintText | null;
}

export interface AttemptRow extends ErrorColumns {
  run_id: string;
  step_id: string;
  attempt: number;
  status: AttemptStatus;
  runner_pid: number | null;
  started_at: BigintText;
  ended_at: BigintText | null;
  heartbeat_at: BigintText | null;
}

export interface TransitionRow {
  seq: BigintText;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  status: string;
  detail: string | null;
  at: BigintText;
}

export interface LogRow {
  seq: BigintText;
  run_id: string;
  step_id: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr';
  text: Buffer;
  at: BigintText;
}

export interface HookCallRow {
  seq: BigintText;
  run_id: string;
  step_id: string;
  hook: 'onSuccess' | 'onFailure';
  source: string;
  ok: boolean;
  error: string | null;
  at: BigintText;
}

export interface OutputRow {
  step_id: string;
  output: string;
  hash: string;
  materializer: string;
  size: BigintText;
  type_name: string;
}

/** A row of the event stream's union: a stored event (json), a log line or an attempt's newest heartbeat. */
export interface EventRow {
  seq: BigintText;
  run_id: string | null;
  type: string;
  json: string | null;
  step_id: string | null;
  attempt: number | null;
  stream: 'stdout' | 'stderr' | null;
  text: Buffer | null;
  at: BigintText;
}

export function runRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    pipeline: row.pipeline,
    status: row.status,
    parameters: JSON.parse(row.parameters_json) as Record<string, unknown>,
    options: JSON.parse(row.options_json) as Record<string, unknown>,
    dag: JSON.parse(row.dag_json) as PipelineDag,
    bundlePath: row.bundle_path,
    manifest: row.manifest_json === null ? undefined : (JSON.parse(row.manifest_json) as unknown),
    parentRunId: row.parent_run_id,
    parentInvocation: row.parent_invocation,
    enginePid: row.engine_pid,
    engineIdentity: row.engine_identity,
    error: row.error,
    createdAt: num(row.created_at),
    startedAt: numOrNull(row.started_at),
    endedAt: numOrNull(row.ended_at),
    workingDir: row.working_dir,
    projectDir: row.project_dir,
  };
}

export function stepRecord(row: StepRow): StepRecord {
  const record: StepRecord = {
    runId: row.run_id,
    invocationId: row.id,
    stepName: row.step_name,
    position: row.position,
    status: row.status,
    cached: row.cached,
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

export function logRecord(row: LogRow): LogRecord {
  return { seq: num(row.seq), runId: row.run_id, invocationId: row.step_id, attempt: row.attempt, stream: row.stream, text: row.text.toString('utf8'), at: num(row.at) };
}

export function hookCallRecord(row: HookCallRow): HookCallRecord {
  return { seq: num(row.seq), runId: row.run_id, invocationId: row.step_id, hook: row.hook, source: row.source, ok: row.ok, error: row.error, at: num(row.at) };
}

export function artifactRef(row: OutputRow): ArtifactRef {
  return { hash: row.hash, materializer: row.materializer, size: num(row.size), typeName: row.type_name };
}

export function runOutputRecord(row: OutputRow): RunOutputRecord {
  return { invocationId: row.step_id, output: row.output, ...artifactRef(row) };
}

/** Log and heartbeat events are rebuilt as the engine emitted them (same fields, same order). */
export function eventRecord(row: EventRow): StoredEvent {
  const seq = num(row.seq);
  const base = { seq, runId: row.run_id, type: row.type };
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
      text: (row.text as Buffer).toString('utf8'),
      at,
    },
  };
}
