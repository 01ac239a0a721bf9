import * as path from 'node:path';
import type pg from 'pg';
import type { ArtifactRef, ArtifactStore } from '../../artifacts/artifactStore';
import type { ArtifactStoreBeside } from '../artifactStoreBeside';
import { keepCarriedFirst } from '../carriedBytes';
import { LocalArtifactStore } from '../../artifacts/localArtifactStore';
import { PostgresArtifactStore } from './postgresArtifactStore';
import type { AttemptError } from '../../model/attemptError';
import { CodedError, InputError } from '../../model/errorCodes';
import type { AttemptStatus, RunStatus, StepStatus } from '../../model/status';
import type { HeartbeatGap } from '../../model/heartbeatGap';
import { redactUrl } from '../../model/storeUrl';
import { ownerOnlyDir } from '../../system/ownerOnly';
import { processIdentity } from '../../system/processAlive';
import { NewerSchemaError } from '../newerSchemaError';
import type {
  ApiTokenRecord,
  NewApiToken,
  AttemptRecord,
  CacheEntryRecord,
  HeartbeatGapRecord,
  HeartbeatTime,
  HookCallRecord,
  LogLine,
  LogRecord,
  NewRun,
  OutputCommit,
  RunOutputRecord,
  RunRecord,
  StepRecord,
  StepStatusDetail,
  StoredEvent,
  TransitionRecord,
} from '../records';
import { RunNameTakenError, TokenNameTakenError, type AttemptPlacement, type RunStore, type StoreMode } from '../runStore';
import { commitStepOutputs } from './stepCommit';
import { TRANSITION_COLUMNS, withoutNul, writeAttemptEnd, writeAttemptStart, writeStepStatus } from './stepWrites';
import { inTransaction, openPostgresPool, postgresConfig, type Queryable } from './connection';
import { DaemonClaim } from './daemonClaim';
import { EventNotifier } from './eventNotices';
import { PostgresCluster } from './postgresCluster';
import { migratePostgres } from './migrate';
import {
  artifactRef,
  attemptRecord,
  eventRecord,
  hookCallRecord,
  logRecord,
  runOutputRecord,
  runRecord,
  stepRecord,
  transitionRecord,
  type AttemptRow,
  type EventRow,
  type HookCallRow,
  type LogRow,
  type OutputRow,
  type RunRow,
  type StepRow,
  type TransitionRow,
  HEARTBEAT_GAP_TRANSITION,
  heartbeatGapRecord,
  apiTokenRecord,
  type ApiTokenRow,
} from '../storeRows';
import { POSTGRES_SCHEMA_VERSION } from './schema';

/** PostgreSQL's SQLSTATE for a unique constraint violated. */
const UNIQUE_VIOLATION = '23505';
/** PostgreSQL's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = '42P01';

/**
 * The run store in a PostgreSQL database (cluster mode): runs, steps, attempts, logs and the
 * event stream in the database at `url`; artifacts, bundles and the daemon's files stay in the
 * local store folder `dir`. Each method is one statement or one transaction; rows are decoded
 * here (../storeRows.ts, shared with SQLite) and never leave the store as rows. A read-only store's connections run
 * read-only transactions, so the server itself refuses its writes.
 */
export class PostgresRunStore implements RunStore {
  readonly artifacts: ArtifactStore;
  private readonly claim: DaemonClaim;
  /** Several daemons may serve this database: one leads, the others are replicas (storeCluster.ts). */
  readonly cluster: PostgresCluster;

  private constructor(
    readonly dir: string,
    readonly readOnly: boolean,
    private readonly pool: pg.Pool,
    /**
     * Connections whose commits do not wait for the disk, for bookkeeping that a crash of the
     * database server may lose harmlessly: events, placements, refusals, heartbeats, and workers'
     * lease renewals and claims (a lost one only fences its worker, whose attempt is retried).
     * What a commit's fence relies on (a run, an attempt's start, the commit itself) is written
     * on `pool`, and waits.
     */
    private readonly relaxed: pg.Pool,
    url: string,
    artifactsBeside?: ArtifactStoreBeside,
  ) {
    // The database (or a bucket beside it) holds every output; the folder keeps copies, and is where local runners write.
    const folder = new LocalArtifactStore(path.join(dir, 'artifacts'));
    this.artifacts = artifactsBeside ? artifactsBeside(folder, readOnly) : new PostgresArtifactStore(pool, `PostgreSQL store at ${redactUrl(url)}`, folder, { fillCache: !readOnly });
    const config = postgresConfig(url, { readOnly });
    this.claim = new DaemonClaim(config);
    this.cluster = new PostgresCluster(this.claim, pool, relaxed, config, new EventNotifier(pool));
  }

  /**
   * Opens the store in the database at `url`, with `dir` as its local folder. `readWrite`
   * creates or migrates the schema (refusing a newer one); `readOnly` changes nothing, except that
   * a schema older than this pipewright's is migrated once, as the embedded store does.
   */
  static async open(dir: string, url: string, mode: StoreMode, artifactsBeside?: ArtifactStoreBeside): Promise<PostgresRunStore> {
    const resolved = path.resolve(dir);
    const where = redactUrl(url);
    if (mode === 'readWrite') {
      const pool = openPostgresPool(url);
      await prepare(pool, where, () => migratePostgres(pool).then(() => undefined));
      ownerOnlyDir(resolved);
      const relaxed = openPostgresPool(url, { max: 4, asyncCommit: true, applicationName: 'pipewright bookkeeping' });
      return new PostgresRunStore(resolved, false, pool, relaxed, url, artifactsBeside);
    }
    const pool = openPostgresPool(url, { max: 4, readOnly: true });
    await prepare(pool, where, async () => {
      const version = await schemaVersion(pool);
      if (version === 0) throw new InputError(`no pipewright store in the PostgreSQL database at ${where} (a daemon started with it creates one: pipewright server start --store URL)`);
      if (version > POSTGRES_SCHEMA_VERSION) throw new NewerSchemaError(where, version, POSTGRES_SCHEMA_VERSION);
      if (version < POSTGRES_SCHEMA_VERSION) await (await PostgresRunStore.open(resolved, url, 'readWrite')).close();
    });
    return new PostgresRunStore(resolved, true, pool, pool, url, artifactsBeside);
  }

  async close(): Promise<void> {
    this.cluster.close();
    this.artifacts.close?.();
    await this.claim.close();
    await this.pool.end();
    if (this.relaxed !== this.pool) await this.relaxed.end();
  }

  /** The reserve file is the embedded store's answer to a full local disk; the database's disk is its server's. */
  async restoreReserve(): Promise<void> {}

  // ---- runs ----------------------------------------------------------------------------

  async createRun(run: NewRun): Promise<void> {
    try {
      await inTransaction(this.pool, async (tx) => {
        await tx.query(
          `INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES ($1, $2, $3, $3)
           ON CONFLICT (name) DO UPDATE SET source_file = EXCLUDED.source_file, updated_at = EXCLUDED.updated_at`,
          [run.pipeline, run.sourceFile, run.at],
        );
        await tx.query(
          `WITH created AS (
             INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, manifest_json,
               parent_run_id, parent_invocation, engine_pid, engine_identity, created_at, started_at, working_dir, project_dir, engine_instance)
             VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $18)
             RETURNING id
           ), invocations AS (
             INSERT INTO steps (run_id, id, step_name, position, status)
             SELECT (SELECT id FROM created), node.id, node.step, node.position - 1, 'pending'
             FROM unnest($16::text[], $17::text[]) WITH ORDINALITY AS node(id, step, position)
           )
           INSERT INTO transitions (run_id, step_id, attempt, status, detail, at) SELECT id, NULL, NULL, 'running', NULL, $13 FROM created`,
          [
            run.id,
            run.name,
            run.pipeline,
            JSON.stringify(run.parameters),
            JSON.stringify(run.options),
            JSON.stringify(run.dag),
            run.bundlePath,
            run.manifest === undefined ? null : JSON.stringify(run.manifest),
            run.parentRunId ?? null,
            run.parentInvocation ?? null,
            run.enginePid ?? null,
            run.enginePid === undefined ? null : processIdentity(run.enginePid),
            run.at,
            run.workingDir,
            run.projectDir,
            run.dag.nodes.map((node) => node.id),
            run.dag.nodes.map((node) => node.step),
            this.engineInstance(run.enginePid ?? null),
          ],
        );
        if (run.reuse) {
          await tx.query(
            `INSERT INTO step_outputs (run_id, step_id, output, hash)
             SELECT $1, step_id, output, hash FROM step_outputs WHERE run_id = $2 AND step_id = ANY($3::text[]) ORDER BY seq
             ON CONFLICT (run_id, step_id, output) DO UPDATE SET hash = EXCLUDED.hash`,
            [run.id, run.reuse.fromRunId, run.reuse.invocationIds],
          );
          for (const invocationId of run.reuse.invocationIds) await writeStepStatus(tx, run.id, invocationId, 'cached', run.at, { cached: true });
        }
      });
    } catch (error) {
      // Told by SQLSTATE and the constraint's name, never by the message's words.
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === 'runs_name_unique') throw new RunNameTakenError(run.pipeline, run.name);
      throw error;
    }
  }

  async runNameTaken(pipeline: string, name: string): Promise<boolean> {
    return (await this.pool.query('SELECT 1 FROM runs WHERE pipeline = $1 AND name = $2', [pipeline, name])).rowCount !== 0;
  }

  async setRunStatus(runId: string, status: RunStatus, at: number, error?: string): Promise<void> {
    await this.pool.query(
      `WITH changed AS (
         UPDATE runs SET status = $4, error = COALESCE($5, error), ended_at = CASE WHEN $4 = 'running' THEN NULL ELSE $6::bigint END WHERE id = $1
       )
       ${TRANSITION_INSERT}`,
      [runId, null, null, status, error === undefined ? null : withoutNul(error), at],
    );
  }

  async setEnginePid(runId: string, pid: number | null): Promise<void> {
    await this.pool.query('UPDATE runs SET engine_pid = $2, engine_identity = $3, engine_instance = $4 WHERE id = $1', [runId, pid, pid === null ? null : processIdentity(pid), this.engineInstance(pid)]);
  }

  /** The daemon instance that drives a run whose engine is `pid`: this process's, when it is a daemon that joined the cluster. */
  private engineInstance(pid: number | null): string | null {
    return pid === process.pid ? (this.cluster.member?.instance ?? null) : null;
  }

  /** The holder of the database's owner lock, on a connection of its own (see DaemonClaim). */
  async claimDaemon(pid: number, onLost?: (why: string) => void): Promise<number | undefined> {
    return this.claim.claim(pid, onLost);
  }

  async runningRuns(): Promise<RunRecord[]> {
    return (await this.pool.query<RunRow>("SELECT * FROM runs WHERE status = 'running' ORDER BY created_at, seq")).rows.map(runRecord);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = (await this.pool.query<RunRow>('SELECT * FROM runs WHERE id = $1', [runId])).rows[0];
    return row && runRecord(row);
  }

  async findRun(idOrName: string): Promise<RunRecord | undefined> {
    const exact = await this.getRun(idOrName);
    if (exact) return exact;
    const byName = (await this.pool.query<RunRow>('SELECT * FROM runs WHERE name = $1 ORDER BY created_at DESC, seq DESC LIMIT 1', [idOrName])).rows[0];
    if (byName) return runRecord(byName);
    const prefix = idOrName.replace(/[\\%_]/g, (c) => `\\${c}`);
    const byPrefix = (await this.pool.query<RunRow>(`SELECT * FROM runs WHERE id LIKE $1 || '%' ESCAPE '\\' LIMIT 2`, [prefix])).rows;
    return byPrefix.length === 1 ? runRecord(byPrefix[0]!) : undefined;
  }

  async listRuns(options: { limit?: number; pipeline?: string; statuses?: readonly RunStatus[] } = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (options.pipeline) {
      values.push(options.pipeline);
      where.push(`pipeline = $${values.length}`);
    }
    if (options.statuses && options.statuses.length > 0) {
      values.push(options.statuses);
      where.push(`status = ANY($${values.length}::text[])`);
    }
    values.push(options.limit ?? 50);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')} ` : '';
    return (await this.pool.query<RunRow>(`SELECT * FROM runs ${filter}ORDER BY created_at DESC, seq DESC LIMIT $${values.length}`, values)).rows.map(runRecord);
  }

  // ---- invocations and attempts --------------------------------------------------------

  async setStepStatus(runId: string, invocationId: string, status: StepStatus, at: number, detail: StepStatusDetail = {}): Promise<void> {
    await writeStepStatus(this.pool, runId, invocationId, status, at, detail);
  }

  async startAttempt(runId: string, invocationId: string, attempt: number, at: number, runnerPid: number | null, stepRunningAt?: number): Promise<void> {
    await writeAttemptStart(this.pool, runId, invocationId, attempt, at, runnerPid, stepRunningAt);
  }

  async setAttemptRunner(runId: string, invocationId: string, attempt: number, pid: number): Promise<void> {
    await this.pool.query('UPDATE step_attempts SET runner_pid = $4 WHERE run_id = $1 AND step_id = $2 AND attempt = $3', [runId, invocationId, attempt, pid]);
  }

  async recordHeartbeats(beats: readonly HeartbeatTime[]): Promise<void> {
    if (beats.length === 0) return;
    // Never back: batches written by two recorders (the engine's, the daemon's stream) may land in
    // either order. Rows are locked in key order, so two batches never deadlock.
    await this.relaxed.query(
      `WITH beat AS (
         SELECT run_id, step_id, attempt, max(at) AS at, max(seq) AS seq
         FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS b(run_id, step_id, attempt, at, seq)
         GROUP BY run_id, step_id, attempt
       ), target AS (
         SELECT a.run_id, a.step_id, a.attempt FROM step_attempts a JOIN beat USING (run_id, step_id, attempt)
         ORDER BY a.run_id, a.step_id, a.attempt FOR UPDATE OF a
       )
       UPDATE step_attempts a SET heartbeat_at = GREATEST(COALESCE(a.heartbeat_at, 0), beat.at),
         heartbeat_seq = CASE WHEN beat.seq IS NULL THEN a.heartbeat_seq ELSE GREATEST(COALESCE(a.heartbeat_seq, 0), beat.seq) END
       FROM beat JOIN target USING (run_id, step_id, attempt)
       WHERE a.run_id = beat.run_id AND a.step_id = beat.step_id AND a.attempt = beat.attempt`,
      [beats.map((b) => b.runId), beats.map((b) => b.invocationId), beats.map((b) => b.attempt), beats.map((b) => b.at), beats.map((b) => b.seq ?? null)],
    );
  }

  async recordRefusal(runId: string, invocationId: string, attempt: number, what: string, at: number): Promise<void> {
    await this.relaxed.query(TRANSITION_INSERT, [runId, invocationId, attempt, 'refused', withoutNul(what), at]);
  }

  async recordPlacement(runId: string, invocationId: string, attempt: number, placement: AttemptPlacement, detail: string | null, at: number): Promise<void> {
    await this.relaxed.query(TRANSITION_INSERT, [runId, invocationId, attempt, placement, detail === null ? null : withoutNul(detail), at]);
  }

  async recordHeartbeatGap(runId: string, invocationId: string, attempt: number, gap: HeartbeatGap): Promise<void> {
    await this.relaxed.query(TRANSITION_INSERT, [runId, invocationId, attempt, HEARTBEAT_GAP_TRANSITION, String(gap.from), gap.to]);
  }

  async endAttempt(runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): Promise<void> {
    await writeAttemptEnd(this.pool, runId, invocationId, attempt, status, at, error);
  }

  async commitOutputs(runId: string, invocationId: string, outputs: Record<string, ArtifactRef>, at: number, commit: OutputCommit): Promise<void> {
    const refs = Object.values(outputs);
    const carried = commit.carried;
    // Bytes a remote worker's result carried: written in the commit's statement when the artifacts are in this database.
    const database = this.artifacts instanceof PostgresArtifactStore ? this.artifacts : undefined;
    const inStatement = carried && database ? await database.keepCarried(refs, carried) : [];
    if (!database) await keepCarriedFirst(this.artifacts, refs, carried);
    // Outputs a local runner wrote are in the folder only until now; the commit needs them in the database.
    await this.artifacts.publish?.(inStatement.length > 0 ? refs.filter((ref) => !inStatement.some((entry) => entry.ref.hash === ref.hash)) : refs, commit.attempt === undefined ? undefined : { runId, invocationId, attempt: commit.attempt });
    await commitStepOutputs(this.pool, runId, invocationId, outputs, at, commit, this.engineInstance(process.pid), inStatement);
    database?.committed(inStatement);
  }

  async lookupCache(key: string, since = -Infinity): Promise<Record<string, ArtifactRef> | undefined> {
    const row = (await this.pool.query<{ outputs_json: string; created_at: string }>('SELECT outputs_json, created_at FROM cache WHERE key = $1', [key])).rows[0];
    if (!row || Number(row.created_at) < since) return undefined;
    const outputs = JSON.parse(row.outputs_json) as Record<string, ArtifactRef>;
    const stored = await Promise.all(Object.values(outputs).map((ref) => this.artifacts.has(ref.hash)));
    return stored.every(Boolean) ? outputs : undefined;
  }

  async newestCacheEntry(stepName: string, invocationId: string): Promise<CacheEntryRecord | undefined> {
    const row = (
      await this.pool.query<{ key: string; step_name: string; run_id: string; step_id: string; created_at: string }>(
        'SELECT key, step_name, run_id, step_id, created_at FROM cache WHERE step_name = $1 ORDER BY (step_id = $2) DESC, created_at DESC LIMIT 1',
        [stepName, invocationId],
      )
    ).rows[0];
    return row && { key: row.key, stepName: row.step_name, runId: row.run_id, invocationId: row.step_id, createdAt: Number(row.created_at) };
  }

  async outputsCommittedUnder(key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const row = (await this.pool.query<{ run_id: string; id: string }>(`SELECT run_id, id FROM steps WHERE cache_key = $1 AND status IN ('completed', 'cached') ORDER BY ended_at DESC NULLS LAST LIMIT 1`, [key])).rows[0];
    return row && this.getOutputs(row.run_id, row.id);
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    return (await this.pool.query<StepRow>('SELECT * FROM steps WHERE run_id = $1 ORDER BY position', [runId])).rows.map(stepRecord);
  }

  async getAttempts(runId: string, invocationId?: string): Promise<AttemptRecord[]> {
    const { rows } =
      invocationId === undefined
        ? await this.pool.query<AttemptRow>('SELECT * FROM step_attempts WHERE run_id = $1 ORDER BY started_at, attempt', [runId])
        : await this.pool.query<AttemptRow>('SELECT * FROM step_attempts WHERE run_id = $1 AND step_id = $2 ORDER BY attempt', [runId, invocationId]);
    return rows.map(attemptRecord);
  }

  async getOutputs(runId: string, invocationId: string): Promise<Record<string, ArtifactRef>> {
    const { rows } = await this.pool.query<OutputRow>(`${OUTPUTS_SELECT} WHERE o.run_id = $1 AND o.step_id = $2 ORDER BY o.seq`, [runId, invocationId]);
    return Object.fromEntries(rows.map((row) => [row.output, artifactRef(row)]));
  }

  async outputOf(runId: string, invocationId: string, output: string): Promise<ArtifactRef | undefined> {
    const row = (await this.pool.query<OutputRow>(`${OUTPUTS_SELECT} WHERE o.run_id = $1 AND o.step_id = $2 AND o.output = $3`, [runId, invocationId, output])).rows[0];
    return row && artifactRef(row);
  }

  async getRunOutputs(runId: string): Promise<RunOutputRecord[]> {
    const { rows } = await this.pool.query<OutputRow>(
      `${OUTPUTS_SELECT} LEFT JOIN steps s ON s.run_id = o.run_id AND s.id = o.step_id WHERE o.run_id = $1 ORDER BY s.position, o.seq`,
      [runId],
    );
    return rows.map(runOutputRecord);
  }

  async getHeartbeatGaps(runId: string): Promise<HeartbeatGapRecord[]> {
    return (await this.pool.query<TransitionRow>('SELECT * FROM transitions WHERE run_id = $1 AND status = $2 ORDER BY seq', [runId, HEARTBEAT_GAP_TRANSITION])).rows.map(heartbeatGapRecord);
  }

  async getTransitions(runId: string): Promise<TransitionRecord[]> {
    return (await this.pool.query<TransitionRow>('SELECT * FROM transitions WHERE run_id = $1 ORDER BY seq', [runId])).rows.map(transitionRecord);
  }

  // ---- logs, hooks, events -------------------------------------------------------------

  async appendLog(line: LogLine, eventSeq?: number): Promise<void> {
    await this.pool.query('INSERT INTO logs (run_id, step_id, attempt, stream, text, at, event_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      line.runId,
      line.invocationId,
      line.attempt,
      line.stream,
      Buffer.from(line.text, 'utf8'),
      line.at,
      eventSeq ?? null,
    ]);
  }

  async getLogs(runId: string, invocationId?: string, attempt?: number): Promise<LogRecord[]> {
    const where = ['run_id = $1', ...(invocationId === undefined ? [] : ['step_id = $2']), ...(invocationId === undefined || attempt === undefined ? [] : ['attempt = $3'])];
    const values = [runId, ...(invocationId === undefined ? [] : [invocationId]), ...(invocationId === undefined || attempt === undefined ? [] : [attempt])];
    const { rows } = await this.pool.query<LogRow>(`SELECT * FROM logs WHERE ${where.join(' AND ')} ORDER BY seq`, values);
    return rows.map(logRecord);
  }

  async recordHook(runId: string, invocationId: string, hook: 'onSuccess' | 'onFailure', source: string, error: string | undefined, at: number): Promise<void> {
    await this.pool.query('INSERT INTO hook_calls (run_id, step_id, hook, source, ok, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      runId,
      invocationId,
      hook,
      source,
      error === undefined,
      error === undefined ? null : withoutNul(error),
      at,
    ]);
  }

  async getHookCalls(runId: string): Promise<HookCallRecord[]> {
    return (await this.pool.query<HookCallRow>('SELECT * FROM hook_calls WHERE run_id = $1 ORDER BY seq', [runId])).rows.map(hookCallRecord);
  }

  /**
   * Events appended in the same turn (the daemon hands over those of steps that finished
   * together at once) are inserted by one statement; should it fail, each is inserted on its own,
   * so each event is stored or refused by itself, as one call would.
   */
  async appendEvent(seq: number, runId: string | null, type: string, data: unknown, at: number): Promise<void> {
    const event: PendingEvent = { row: [seq, runId, type, JSON.stringify(data), at], done: () => undefined };
    const stored = new Promise<void>((resolve, reject) => (event.done = (error?: unknown) => (error === undefined ? resolve() : reject(error))));
    if (this.unwrittenEvents.length === 0) setImmediate(() => void this.insertEvents(this.unwrittenEvents.splice(0)));
    this.unwrittenEvents.push(event);
    return stored;
  }

  private readonly unwrittenEvents: PendingEvent[] = [];

  private async insertEvents(batch: PendingEvent[]): Promise<void> {
    const one = 'INSERT INTO events (seq, run_id, type, json, at) VALUES ($1, $2, $3, $4, $5)';
    if (batch.length > 1) {
      const column = (i: number) => batch.map((event) => event.row[i]);
      const inserted = await this.relaxed
        .query('INSERT INTO events (seq, run_id, type, json, at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])', [0, 1, 2, 3, 4].map(column))
        .then(
          () => true,
          () => false,
        );
      if (inserted) {
        for (const event of batch) event.done();
        return;
      }
    }
    await Promise.all(batch.map((event) => this.relaxed.query(one, event.row).then(() => event.done(), (error: unknown) => event.done(error))));
  }

  async reserveEventSeqs(seq: number): Promise<void> {
    await this.pool.query('INSERT INTO event_numbers (seq) VALUES ($1) ON CONFLICT (single) DO UPDATE SET seq = GREATEST(event_numbers.seq, EXCLUDED.seq)', [seq]);
  }

  async lastEventSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>(
      `SELECT GREATEST(COALESCE((SELECT max(seq) FROM events), 0), COALESCE((SELECT max(event_seq) FROM logs), 0),
         COALESCE((SELECT max(heartbeat_seq) FROM step_attempts), 0), COALESCE((SELECT seq FROM event_numbers), 0)) AS seq`,
    );
    return Number(rows[0]!.seq);
  }

  async eventsSince(seq: number, runId: string | undefined, limit: number): Promise<StoredEvent[]> {
    const ofRun = runId === undefined ? '' : ' AND run_id = $3';
    const sql = `SELECT seq, run_id, type, json, NULL AS step_id, NULL::int AS attempt, NULL AS stream, NULL::bytea AS text, at FROM events WHERE seq > $1${ofRun}
      UNION ALL SELECT event_seq, run_id, 'log', NULL, step_id, attempt, stream, text, at FROM logs WHERE event_seq > $1${ofRun}
      UNION ALL SELECT heartbeat_seq, run_id, 'heartbeat', NULL, step_id, attempt, NULL, NULL, heartbeat_at FROM step_attempts WHERE heartbeat_seq > $1${ofRun}
      ORDER BY seq LIMIT $2`;
    const { rows } = await this.pool.query<EventRow>(sql, runId === undefined ? [seq, limit] : [seq, limit, runId]);
    return rows.map(eventRecord);
  }

  // ---- API tokens ----------------------------------------------------------------------

  async createApiToken(token: NewApiToken): Promise<void> {
    const inserted = await this.pool.query('INSERT INTO api_tokens (name, scope, hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [token.name, token.scope, token.hash, token.createdAt]);
    if (inserted.rowCount === 0) throw new TokenNameTakenError(token.name);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (await this.pool.query<ApiTokenRow>('SELECT name, scope, created_at, last_used_at FROM api_tokens ORDER BY created_at, name')).rows.map(apiTokenRecord);
  }

  async findApiToken(hash: string): Promise<ApiTokenRecord | undefined> {
    const row = (await this.pool.query<ApiTokenRow>('SELECT name, scope, created_at, last_used_at FROM api_tokens WHERE hash = $1', [hash])).rows[0];
    return row && apiTokenRecord(row);
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    await this.pool.query('UPDATE api_tokens SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $2) WHERE name = $1', [name, at]);
  }

  async revokeApiToken(name: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM api_tokens WHERE name = $1', [name])).rowCount ?? 0) > 0;
  }
}

/** An event's columns: seq, run, type, JSON, at. */
type EventColumns = [number, string | null, string, string, number];

/** An event appended and not yet inserted, and how to tell its caller. */
interface PendingEvent {
  row: EventColumns;
  done(error?: unknown): void;
}

/** Inserts a transition: `$1` run, `$2` invocation, `$3` attempt, `$4` status, `$5` detail, `$6` time (the statement may use more parameters before it). */
const TRANSITION_INSERT = `INSERT INTO transitions ${TRANSITION_COLUMNS} VALUES ($1, $2, $3::int, $4, $5, $6::bigint)`;

const OUTPUTS_SELECT = 'SELECT o.step_id, o.output, a.hash, a.materializer, a.size, a.type_name FROM step_outputs o JOIN artifacts a ON a.hash = o.hash';

/** The schema version of the database (0: no store there yet). */
async function schemaVersion(db: Queryable): Promise<number> {
  try {
    return (await db.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0;
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return 0;
    throw error;
  }
}

/**
 * Runs `work` on a freshly opened pool; on failure ends the pool and rejects naming the store
 * (its URL without the password): an unreachable server, a refused login, a missing database,
 * a newer schema.
 */
async function prepare(pool: pg.Pool, where: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof NewerSchemaError) throw new NewerSchemaError(where, error.found, error.known);
    if (error instanceof CodedError || error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(where, error);
  }
}

/** The database could not be reached or opened (an environment failure: exit 1). */
class StoreOpenError extends Error {
  constructor(where: string, cause: unknown) {
    super(`cannot open the PostgreSQL store at ${where}: ${describe(cause)}`, { cause });
    this.name = 'StoreOpenError';
  }
}

/** What went wrong, in a word at least (a refused connection to every address of a host is an AggregateError without a message, with a code). */
function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  return cause.message || (cause as { code?: string }).code || cause.name;
}
