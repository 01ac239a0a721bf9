/**
 * The PostgreSQL statements that write a step's progress, built from parts: a step's status and
 * an attempt's end each have one definition, written alone (`writeStepStatus`, `writeAttemptEnd`)
 * or inside a success's commit (`stepCommit.ts`), which is one statement, so one round trip and
 * one implicit transaction. Each part takes its parameters from a {@link Params}, so parts
 * compose without renumbering; `gate` is a condition every row it writes must also meet (the
 * commit's fence).
 */
import type { AttemptError } from '../../model/attemptError';
import type { AttemptStatus, StepStatus } from '../../model/status';
import { errorColumns } from '../errorColumns';
import type { StepStatusDetail } from '../records';
import type { Queryable } from './connection';

/** The parameters of one statement, numbered as they are added. */
export class Params {
  readonly values: unknown[] = [];

  /** `$n` for `value`, cast to `type` (PostgreSQL cannot infer a parameter's type in a SELECT list). */
  add(value: unknown, type: 'text' | 'int' | 'bigint' | 'boolean' | 'bytea' | 'text[]' | 'bigint[]'): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** PostgreSQL's text holds no NUL character: a message from user code is kept with U+FFFD in its place. */
export function withoutNul(text: string): string;
export function withoutNul(text: string | null): string | null;
export function withoutNul(text: string | null): string | null {
  return text === null ? null : text.replaceAll('\0', '\uFFFD');
}

/** A failure's columns, as PostgreSQL's text can hold them. */
export function failureColumns(error: string | AttemptError | undefined) {
  const columns = errorColumns(error);
  return { error: withoutNul(columns.error), error_name: withoutNul(columns.error_name), error_stack: withoutNul(columns.error_stack), error_value: columns.error_value };
}

export const TRANSITION_COLUMNS = '(run_id, step_id, attempt, status, detail, at)';

/** One row of `INSERT INTO transitions ${TRANSITION_COLUMNS} VALUES …`. */
export function transitionRow(p: Params, runId: string, invocationId: string | null, attempt: number | null, status: string, detail: string | null, at: number): string {
  return `(${p.add(runId, 'text')}, ${p.add(invocationId, 'text')}, ${p.add(attempt, 'int')}, ${p.add(status, 'text')}, ${p.add(detail, 'text')}, ${p.add(at, 'bigint')})`;
}

/** Writes `rows` (of {@link transitionRow}) in their order, when `gate` holds. */
export function transitionsInsert(rows: readonly string[], gate = 'true'): string {
  return `INSERT INTO transitions ${TRANSITION_COLUMNS} SELECT * FROM (VALUES ${rows.join(', ')}) AS t WHERE ${gate}`;
}

/**
 * The update of a step's status (its error, cache facts and times as they change), and the
 * transition it makes; `attempts`: the update also counts that many attempts (one update of the
 * row: a statement may not update one row twice).
 */
export function stepStatusWrite(p: Params, runId: string, invocationId: string, status: StepStatus, at: number, detail: StepStatusDetail, gate = 'true', attempts?: number): { update: string; transition: string } {
  const terminal = status !== 'pending' && status !== 'running';
  const failure = failureColumns(detail.error);
  const hasError = p.add(failure.error !== null, 'boolean');
  const statusParam = p.add(status, 'text');
  const atParam = p.add(at, 'bigint');
  const update = `UPDATE steps SET status = ${statusParam},
      error = CASE WHEN ${hasError} THEN ${p.add(failure.error, 'text')} ELSE error END,
      error_name = CASE WHEN ${hasError} THEN ${p.add(failure.error_name, 'text')} ELSE error_name END,
      error_stack = CASE WHEN ${hasError} THEN ${p.add(failure.error_stack, 'text')} ELSE error_stack END,
      error_value = CASE WHEN ${hasError} THEN ${p.add(failure.error_value, 'text')} ELSE error_value END,
      cached = COALESCE(${p.add(detail.cached ?? null, 'boolean')}, cached), cache_key = COALESCE(${p.add(detail.cacheKey ?? null, 'text')}, cache_key),
      started_at = CASE WHEN ${statusParam} = 'running' AND started_at IS NULL THEN ${atParam} ELSE started_at END,
      ended_at = CASE WHEN ${p.add(terminal, 'boolean')} THEN ${atParam} ELSE ended_at END${attempts === undefined ? '' : `, attempts = ${p.add(attempts, 'int')}`}
    WHERE run_id = ${p.add(runId, 'text')} AND id = ${p.add(invocationId, 'text')} AND ${gate}`;
  return { update, transition: transitionRow(p, runId, invocationId, null, status, failure.error, at) };
}

/** The end of a running attempt (an attempt already ended stays as it ended), and the transition it makes. */
export function attemptEndWrite(p: Params, runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error: string | AttemptError | undefined, gate = 'true'): { update: string; transition: string } {
  const failure = failureColumns(error);
  const update = `UPDATE step_attempts SET status = ${p.add(status, 'text')}, error = ${p.add(failure.error, 'text')}, error_name = ${p.add(failure.error_name, 'text')},
      error_stack = ${p.add(failure.error_stack, 'text')}, error_value = ${p.add(failure.error_value, 'text')}, ended_at = ${p.add(at, 'bigint')}
    WHERE run_id = ${p.add(runId, 'text')} AND step_id = ${p.add(invocationId, 'text')} AND attempt = ${p.add(attempt, 'int')} AND status = 'running' AND ${gate}`;
  return { update, transition: transitionRow(p, runId, invocationId, attempt, status, failure.error, at) };
}

/** One statement: a step's status and its transition. */
export async function writeStepStatus(db: Queryable, runId: string, invocationId: string, status: StepStatus, at: number, detail: StepStatusDetail): Promise<void> {
  const p = new Params();
  const write = stepStatusWrite(p, runId, invocationId, status, at, detail);
  await db.query(`WITH changed AS (${write.update}) ${transitionsInsert([write.transition])}`, p.values);
}

/**
 * One statement: an attempt's start, counted on its step, and its transition; with
 * `stepRunningAt`, the step's `running` status and its transition first, in the same statement.
 */
export async function writeAttemptStart(db: Queryable, runId: string, invocationId: string, attempt: number, at: number, runnerPid: number | null, stepRunningAt?: number): Promise<void> {
  const p = new Params();
  const inserted = `INSERT INTO step_attempts (run_id, step_id, attempt, status, runner_pid, started_at)
    VALUES (${p.add(runId, 'text')}, ${p.add(invocationId, 'text')}, ${p.add(attempt, 'int')}, 'running', ${p.add(runnerPid, 'int')}, ${p.add(at, 'bigint')})`;
  const running = stepRunningAt === undefined ? undefined : stepStatusWrite(p, runId, invocationId, 'running', stepRunningAt, {}, 'true', attempt);
  const counted = running?.update ?? `UPDATE steps SET attempts = ${p.add(attempt, 'int')} WHERE run_id = ${p.add(runId, 'text')} AND id = ${p.add(invocationId, 'text')}`;
  const transitions = [...(running ? [running.transition] : []), transitionRow(p, runId, invocationId, attempt, 'running', null, at)];
  await db.query(`WITH started AS (${inserted}), counted AS (${counted}) ${transitionsInsert(transitions)}`, p.values);
}

/** One statement: a running attempt's end and its transition. */
export async function writeAttemptEnd(db: Queryable, runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): Promise<void> {
  const p = new Params();
  const write = attemptEndWrite(p, runId, invocationId, attempt, status, at, error);
  await db.query(`WITH ended AS (${write.update}) ${transitionsInsert([write.transition])}`, p.values);
}
