/**
 * A step's success committed to PostgreSQL in one statement (RunStore.commitOutputs): its
 * artifacts and outputs (with the bytes of those a remote worker's result carried, when the
 * artifacts are in the same database), its attempt's end, its cache entry and its status, with
 * their transitions, behind the attempt's fence. One statement is one implicit transaction and one
 * round trip (a transaction of one statement each took six in turn: about 2 ms of each step's
 * critical path on loopback).
 *
 * The fence: the attempt must still be running and its run driven by `instance` (this daemon;
 * null outside a cluster), and when a remote worker holds it by a lease row (`attempts`,
 * workerLeaseBook.ts), that lease must still be held by the database's clock; the same statement
 * marks the lease row committed. Every write is gated on the fence, so a fenced commit writes
 * nothing. The rows read for the fence stay locked until the statement ends: a daemon taking the
 * run over (which updates the run's driver, then ends its running attempts as lost) and the
 * lease reaper wait for it, then see the step committed.
 */
import type { ArtifactRef } from '../../artifacts/artifactStore';
import { drivenElsewhere, leaseNotHeld, notRunningAttempt } from '../commitFence';
import type { OutputCommit } from '../records';
import type { Queryable } from './connection';
import { oneChunkEntriesWrite, type OneChunkEntry } from './postgresArtifactStore';
import { attemptEndWrite, Params, stepStatusWrite, transitionsInsert } from './stepWrites';

interface FenceRow {
  status: string;
  engine_instance: string | null;
  lease_state: string | null;
  lease_owner: string | null;
  lease_overdue_ms: number | null;
  lease_committed: boolean;
}

/** `carried`: artifact entries of one chunk that the statement writes too (bytes a remote worker's result carried), behind the same fence. */
export async function commitStepOutputs(
  db: Queryable,
  runId: string,
  invocationId: string,
  outputs: Record<string, ArtifactRef>,
  at: number,
  commit: OutputCommit,
  instance: string | null,
  carried: readonly OneChunkEntry[] = [],
): Promise<void> {
  const p = new Params();
  const ctes: string[] = [];
  let gate = 'true';
  if (commit.attempt !== undefined) {
    const [run, step, attempt] = [p.add(runId, 'text'), p.add(invocationId, 'text'), p.add(commit.attempt, 'int')];
    const driver = p.add(instance, 'text');
    ctes.push(
      `recorded AS (
         SELECT a.status, r.engine_instance FROM step_attempts a JOIN runs r ON r.id = a.run_id
         WHERE a.run_id = ${run} AND a.step_id = ${step} AND a.attempt = ${attempt} FOR UPDATE OF a FOR SHARE OF r
       )`,
      `lease AS (
         SELECT id, state, owner, lease_expires_at FROM attempts WHERE run_id = ${run} AND step_id = ${step} AND attempt = ${attempt} FOR UPDATE
       )`,
      `committed AS (
         UPDATE attempts l SET state = 'committed', committed_at = now(), lease_expires_at = NULL
         FROM lease, recorded
         WHERE l.id = lease.id AND lease.state = 'running' AND lease.lease_expires_at > now() AND recorded.status = 'running' AND recorded.engine_instance IS NOT DISTINCT FROM ${driver}
         RETURNING l.id
       )`,
      `fence AS (
         SELECT recorded.status, recorded.engine_instance, lease.state AS lease_state, lease.owner AS lease_owner,
           (extract(epoch FROM now() - lease.lease_expires_at) * 1000)::float8 AS lease_overdue_ms,
           EXISTS (SELECT 1 FROM committed) AS lease_committed
         FROM recorded LEFT JOIN lease ON true
       )`,
      `passed AS (
         SELECT 1 FROM fence WHERE status = 'running' AND engine_instance IS NOT DISTINCT FROM ${driver} AND (lease_state IS NULL OR lease_committed)
       )`,
    );
    gate = 'EXISTS (SELECT 1 FROM passed)';
  }
  const entries = Object.entries(outputs);
  if (entries.length > 0) {
    const hashes = p.add(entries.map(([, ref]) => ref.hash), 'text[]');
    ctes.push(
      `stored AS (
         INSERT INTO artifacts (hash, materializer, size, type_name, created_at)
         SELECT DISTINCT ON (hash) hash, materializer, size, type_name, ${p.add(at, 'bigint')}
         FROM unnest(${hashes}, ${p.add(entries.map(([, ref]) => ref.materializer), 'text[]')}, ${p.add(entries.map(([, ref]) => ref.size), 'bigint[]')}, ${p.add(entries.map(([, ref]) => ref.typeName), 'text[]')}) AS a(hash, materializer, size, type_name)
         WHERE ${gate}
         ON CONFLICT (hash) DO NOTHING
       )`,
      // Its foreign keys are checked at the statement's end, when the artifacts' rows are in.
      `outputs AS (
         INSERT INTO step_outputs (run_id, step_id, output, hash)
         SELECT ${p.add(runId, 'text')}, ${p.add(invocationId, 'text')}, output, hash FROM unnest(${p.add(entries.map(([output]) => output), 'text[]')}, ${hashes}) WITH ORDINALITY AS o(output, hash, position)
         WHERE ${gate}
         ORDER BY position
         ON CONFLICT (run_id, step_id, output) DO UPDATE SET hash = EXCLUDED.hash
       )`,
    );
  }
  if (carried.length > 0) ctes.push(...oneChunkEntriesWrite(p, carried, at, gate));
  const transitions: string[] = [];
  if (commit.attempt !== undefined) {
    const ended = attemptEndWrite(p, runId, invocationId, commit.attempt, 'completed', at, undefined, gate);
    ctes.push(`ended AS (${ended.update})`);
    transitions.push(ended.transition);
  }
  if (commit.cacheKey && commit.cacheable && !commit.cached) {
    ctes.push(
      `cached AS (
         INSERT INTO cache (key, step_name, run_id, step_id, outputs_json, created_at)
         SELECT ${p.add(commit.cacheKey, 'text')}, ${p.add(commit.stepName, 'text')}, ${p.add(runId, 'text')}, ${p.add(invocationId, 'text')}, ${p.add(JSON.stringify(outputs), 'text')}, ${p.add(at, 'bigint')}
         WHERE ${gate}
         ON CONFLICT (key) DO UPDATE SET step_name = EXCLUDED.step_name, run_id = EXCLUDED.run_id, step_id = EXCLUDED.step_id,
           outputs_json = EXCLUDED.outputs_json, created_at = EXCLUDED.created_at
       )`,
    );
  }
  const status = stepStatusWrite(p, runId, invocationId, commit.cached ? 'cached' : 'completed', at, { cached: commit.cached, cacheKey: commit.cacheKey }, gate);
  ctes.push(`changed AS (${status.update})`, `logged AS (${transitionsInsert([...transitions, status.transition], gate)})`);
  const { rows } = await db.query<FenceRow>(`WITH ${ctes.join(',\n')}\nSELECT ${commit.attempt === undefined ? 'NULL' : '* FROM fence'}`, p.values);
  if (commit.attempt === undefined) return;
  const row = rows[0];
  if (row?.status !== 'running') throw notRunningAttempt(invocationId, commit.attempt, row?.status);
  if (row.engine_instance !== instance) throw drivenElsewhere(runId, invocationId, commit.attempt, row.engine_instance);
  if (row.lease_state !== null && !row.lease_committed) throw leaseNotHeld(invocationId, commit.attempt, row.lease_owner, row.lease_state, row.lease_overdue_ms);
}
