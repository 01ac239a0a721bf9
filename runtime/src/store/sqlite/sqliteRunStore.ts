import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactRef, ArtifactStore } from '../../artifacts/artifactStore';
import { artifactStoreOf, type ArtifactStoreBeside } from '../artifactStoreBeside';
import { keepCarriedFirst } from '../carriedBytes';
import { notRunningAttempt } from '../commitFence';
import { asDiskFull, isDiskFull } from '../../model/errorCodes';
import type { AttemptError } from '../../model/attemptError';
import type { AttemptStatus, RunStatus, StepStatus } from '../../model/status';
import type { HeartbeatGap } from '../../model/heartbeatGap';
import { ownerOnlyDir, tighten } from '../../system/ownerOnly';
import { isProcessAlive, processIdentity } from '../../system/processAlive';
import { type AttemptPlacement, RunNameTakenError, TokenNameTakenError, type RunStore, type StoreMode } from '../runStore';
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
import { errorColumns } from '../errorColumns';
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
import { ADDED_COLUMNS, INDEX_SQL, MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './schema';

/** Space kept free beside the database, given up to record outcomes when the disk fills (see {@link SqliteRunStore.reserveFile}). */
const RESERVE_BYTES = 256 * 1024;
/** How long a statement waits for another process's write lock before it fails as busy. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * The embedded store: one SQLite file (WAL, better-sqlite3) plus the artifact folder, under
 * the store folder (`.pipewright/` at the project root by default), all owner-only. Each
 * method's writes are one transaction, done before its promise settles.
 */
export class SqliteRunStore implements RunStore {
  readonly artifacts: ArtifactStore;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Writes waiting for this turn's one transaction (see {@link grouped}). */
  private readonly group: { what: string; work: () => void; resolve(): void; reject(error: unknown): void }[] = [];

  private constructor(
    readonly dir: string,
    readonly readOnly: boolean,
    artifactsBeside?: ArtifactStoreBeside,
  ) {
    const file = path.join(dir, 'pipewright.db');
    if (readOnly) {
      // Reads need no space and no write access: they work on a full disk.
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.artifacts = artifactStoreOf(dir, true, artifactsBeside);
      return;
    }
    // A store folder open to others was left by an older pipewright: tighten all it holds, once.
    const leftOpen = fs.existsSync(dir) && (fs.statSync(dir).mode & 0o077) !== 0;
    ownerOnlyDir(dir);
    if (leftOpen) tightenTree(dir);
    // SQLite gives the -wal and -shm files the mode of the database file.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) tighten(`${file}${suffix}`, 0o600);
    this.db = new Database(file);
    // First, so that processes opening the store at once wait for each other from here on.
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    try {
      this.enterWal();
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.write('could not prepare the store', () => this.prepare(dir));
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.artifacts = artifactStoreOf(dir, false, artifactsBeside);
    this.restoreReserveNow();
  }

  /**
   * Opens the store in `dir`: `readWrite` creates or migrates it; `readOnly` changes no file
   * (a store of another schema is migrated, or refused when newer, by a writable open, once).
   */
  static open(dir: string, mode: StoreMode, artifactsBeside?: ArtifactStoreBeside): SqliteRunStore {
    const resolved = path.resolve(dir);
    if (mode === 'readWrite') return new SqliteRunStore(resolved, false, artifactsBeside);
    const store = new SqliteRunStore(resolved, true, artifactsBeside);
    if (store.db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return store;
    store.closeSync();
    return new SqliteRunStore(resolved, false, artifactsBeside);
  }

  /**
   * Puts a new store in WAL mode. SQLite answers SQLITE_BUSY at once, without its busy handler,
   * while another process does the same to the same new file: tried again for the busy timeout.
   */
  private enterWal(): void {
    const until = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        this.db.pragma('journal_mode = WAL');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
  }

  /**
   * Creates or migrates the schema in one `BEGIN IMMEDIATE` transaction, its version read inside
   * it: of processes opening the store at once (daemons, CLIs), one does it and the others then
   * find it done (each adding the same columns used to fail all but one: "duplicate column name").
   */
  private prepare(dir: string): void {
    this.db.transaction(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`the store at ${dir} was written by a newer pipewright (schema ${version}, this one knows ${SCHEMA_VERSION})`);
      if (version > 0 && version < SCHEMA_VERSION) {
        for (let from = version; from < SCHEMA_VERSION; from++) this.applyMigration(MIGRATIONS[from]);
      }
      this.db.exec(SCHEMA_SQL);
      this.addMissingColumns();
      this.db.exec(INDEX_SQL);
      if (version !== SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  /** Runs a migration's statements; a column it adds that the store already has is left as it is. */
  private applyMigration(sql: string): void {
    for (const statement of sql.split(';').map((part) => part.trim()).filter(Boolean)) {
      const adds = /^ALTER TABLE (\w+) ADD COLUMN (\w+)/i.exec(statement);
      if (adds && this.hasColumn(adds[1], adds[2])) continue;
      this.db.exec(statement);
    }
  }

  private hasColumn(table: string, column: string): boolean {
    return (this.db.pragma(`table_info(${table})`) as { name: string }[]).some((c) => c.name === column);
  }

  private addMissingColumns(): void {
    for (const [table, definitions] of Object.entries(ADDED_COLUMNS)) {
      for (const definition of definitions) {
        if (!this.hasColumn(table, definition.split(' ')[0])) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
      }
    }
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  closeSync(): void {
    this.flushGroup();
    this.db.close();
    this.artifacts.close?.();
  }

  /**
   * A file of {@link RESERVE_BYTES} kept beside the database: when the disk fills, deleting it
   * makes room to record how the attempt (and the run) ended. Put back once there is room again.
   */
  get reserveFile(): string {
    return path.join(this.dir, 'reserve');
  }

  async restoreReserve(): Promise<void> {
    this.restoreReserveNow();
  }

  private restoreReserveNow(): void {
    if (this.readOnly || fs.existsSync(this.reserveFile)) return;
    const temp = `${this.reserveFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, Buffer.alloc(RESERVE_BYTES), { mode: 0o600 });
      fs.renameSync(temp, this.reserveFile);
    } catch {
      // No room yet: the next attempt tries again.
      fs.rmSync(temp, { force: true });
    }
  }

  /**
   * Runs a write; a full disk becomes a DiskFullError saying `what` could not be done.
   * With `useReserve`, the reserve file is given up first and the write tried once more.
   */
  private write<T>(what: string, work: () => T, useReserve = false): T {
    try {
      return work();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      if (useReserve && fs.existsSync(this.reserveFile)) {
        fs.rmSync(this.reserveFile, { force: true });
        try {
          return work();
        } catch (again) {
          if (!isDiskFull(again)) throw again;
          throw asDiskFull(what, again);
        }
      }
      throw asDiskFull(what, error);
    }
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- runs ----------------------------------------------------------------------------

  async createRun(run: NewRun): Promise<void> {
    this.write(`could not create run "${run.name}" of pipeline "${run.pipeline}"`, () => this.transaction(() => {
      this.stmt(
        `INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET source_file = excluded.source_file, updated_at = excluded.updated_at`,
      ).run(run.pipeline, run.sourceFile, run.at, run.at);
      const inserted = this.stmt(
        `INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, manifest_json,
           parent_run_id, parent_invocation, engine_pid, engine_identity, created_at, started_at, working_dir, project_dir)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(pipeline, name) DO NOTHING`,
      ).run(
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
        run.at,
        run.workingDir,
        run.projectDir,
      );
      // The one conflict ignored is the (pipeline, name) key: a taken name, known by identity.
      if (inserted.changes === 0) throw new RunNameTakenError(run.pipeline, run.name);
      const insertStep = this.stmt(`INSERT INTO steps (run_id, id, step_name, position, status) VALUES (?, ?, ?, ?, 'pending')`);
      run.dag.nodes.forEach((node, position) => insertStep.run(run.id, node.id, node.step, position));
      this.addTransition(run.id, null, null, 'running', null, run.at);
      if (run.reuse) {
        const copy = this.stmt('INSERT OR REPLACE INTO step_outputs (run_id, step_id, output, hash) SELECT ?, step_id, output, hash FROM step_outputs WHERE run_id = ? AND step_id = ?');
        for (const invocationId of run.reuse.invocationIds) {
          copy.run(run.id, run.reuse.fromRunId, invocationId);
          this.writeStepStatus(run.id, invocationId, 'cached', run.at, { cached: true });
        }
      }
    }));
  }

  async runNameTaken(pipeline: string, name: string): Promise<boolean> {
    return this.stmt('SELECT 1 FROM runs WHERE pipeline = ? AND name = ?').get(pipeline, name) !== undefined;
  }

  async setRunStatus(runId: string, status: RunStatus, at: number, error?: string): Promise<void> {
    this.write(`could not record that run ${runId} ended ${status}`, () => this.transaction(() => {
      const terminal = status !== 'running';
      this.stmt(`UPDATE runs SET status = ?, error = COALESCE(?, error), ended_at = ? WHERE id = ?`).run(status, error ?? null, terminal ? at : null, runId);
      this.addTransition(runId, null, null, status, error ?? null, at);
    }), true);
  }

  async setEnginePid(runId: string, pid: number | null): Promise<void> {
    this.write(`could not record the engine of run ${runId}`, () =>
      this.stmt('UPDATE runs SET engine_pid = ?, engine_identity = ? WHERE id = ?').run(pid, pid === null ? null : processIdentity(pid), runId),
    );
  }

  /** One `BEGIN IMMEDIATE` transaction: of daemons started at once, exactly one wins. */
  async claimDaemon(pid: number): Promise<number | undefined> {
    const claim = this.db.transaction(() => {
      const owner = this.stmt('SELECT pid, identity FROM daemon_owner WHERE one = 1').get() as { pid: number; identity: string | null } | undefined;
      if (owner && owner.pid !== pid && isProcessAlive(owner.pid, owner.identity)) return owner.pid;
      this.stmt('INSERT INTO daemon_owner (one, pid, identity) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET pid = excluded.pid, identity = excluded.identity').run(pid, processIdentity(pid));
      return undefined;
    });
    return this.write('could not claim the store for the daemon', () => claim.immediate());
  }

  async runningRuns(): Promise<RunRecord[]> {
    return (this.stmt("SELECT * FROM runs WHERE status = 'running' ORDER BY created_at, rowid").all() as RunRow[]).map(runRecord);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.runRow(runId);
  }

  private runRow(runId: string): RunRecord | undefined {
    const row = this.stmt('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    return row && runRecord(row);
  }

  async findRun(idOrName: string): Promise<RunRecord | undefined> {
    return this.findRunSync(idOrName);
  }

  // The SDK's `loadArtifact` reads a local store synchronously (its users call it so): these few
  // reads are also offered without a promise. Nothing else uses them.

  findRunSync(idOrName: string): RunRecord | undefined {
    const exact = this.runRow(idOrName);
    if (exact) return exact;
    const byName = this.stmt('SELECT * FROM runs WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName) as RunRow | undefined;
    if (byName) return runRecord(byName);
    const byPrefix = this.stmt(`SELECT * FROM runs WHERE id LIKE ? || '%' ESCAPE '\\' LIMIT 2`).all(idOrName.replace(/[\\%_]/g, (c) => `\\${c}`)) as RunRow[];
    return byPrefix.length === 1 ? runRecord(byPrefix[0]) : undefined;
  }

  async listRuns(options: { limit?: number; pipeline?: string; statuses?: readonly RunStatus[] } = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (options.pipeline) {
      where.push('pipeline = ?');
      values.push(options.pipeline);
    }
    if (options.statuses && options.statuses.length > 0) {
      where.push(`status IN (${options.statuses.map(() => '?').join(', ')})`);
      values.push(...options.statuses);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')} ` : '';
    return (this.stmt(`SELECT * FROM runs ${filter}ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(...values, options.limit ?? 50) as RunRow[]).map(runRecord);
  }

  // ---- invocations and attempts --------------------------------------------------------

  async setStepStatus(runId: string, invocationId: string, status: StepStatus, at: number, detail: StepStatusDetail = {}): Promise<void> {
    this.write(`could not record that step "${invocationId}" is ${status}`, () => this.transaction(() => this.writeStepStatus(runId, invocationId, status, at, detail)), true);
  }

  private writeStepStatus(runId: string, invocationId: string, status: StepStatus, at: number, detail: StepStatusDetail): void {
    const terminal = status !== 'pending' && status !== 'running';
    const failure = errorColumns(detail.error);
    const hasError = Number(failure.error !== null);
    this.stmt(
      `UPDATE steps SET status = ?, error = CASE WHEN ? THEN ? ELSE error END, error_name = CASE WHEN ? THEN ? ELSE error_name END,
         error_stack = CASE WHEN ? THEN ? ELSE error_stack END, error_value = CASE WHEN ? THEN ? ELSE error_value END,
         cached = COALESCE(?, cached), cache_key = COALESCE(?, cache_key),
         started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
         ended_at = CASE WHEN ? THEN ? ELSE ended_at END
       WHERE run_id = ? AND id = ?`,
    ).run(
      status,
      hasError,
      failure.error,
      hasError,
      failure.error_name,
      hasError,
      failure.error_stack,
      hasError,
      failure.error_value,
      detail.cached === undefined ? null : Number(detail.cached),
      detail.cacheKey ?? null,
      status,
      at,
      Number(terminal),
      at,
      runId,
      invocationId,
    );
    this.addTransition(runId, invocationId, null, status, failure.error, at);
  }

  async startAttempt(runId: string, invocationId: string, attempt: number, at: number, runnerPid: number | null, stepRunningAt?: number): Promise<void> {
    const what = `could not start attempt ${attempt} of step "${invocationId}"${stepRunningAt === undefined ? '' : ' (nor record that it is running)'}`;
    this.write(what, () => this.transaction(() => {
      if (stepRunningAt !== undefined) this.writeStepStatus(runId, invocationId, 'running', stepRunningAt, {});
      this.stmt(`INSERT INTO attempts (run_id, step_id, attempt, status, runner_pid, started_at) VALUES (?, ?, ?, 'running', ?, ?)`).run(runId, invocationId, attempt, runnerPid, at);
      this.stmt('UPDATE steps SET attempts = ? WHERE run_id = ? AND id = ?').run(attempt, runId, invocationId);
      this.addTransition(runId, invocationId, attempt, 'running', null, at);
    }), stepRunningAt !== undefined);
  }

  async setAttemptRunner(runId: string, invocationId: string, attempt: number, pid: number): Promise<void> {
    this.write(`could not record the runner of attempt ${attempt} of step "${invocationId}"`, () =>
      this.stmt('UPDATE attempts SET runner_pid = ? WHERE run_id = ? AND step_id = ? AND attempt = ?').run(pid, runId, invocationId, attempt),
    );
  }

  async recordHeartbeats(beats: readonly HeartbeatTime[]): Promise<void> {
    if (beats.length === 0) return;
    // Never back: batches written by two recorders (the engine's, the daemon's stream) may land in either order.
    const update = this.stmt(
      `UPDATE attempts SET heartbeat_at = MAX(COALESCE(heartbeat_at, 0), ?),
         heartbeat_seq = CASE WHEN ? IS NULL THEN heartbeat_seq ELSE MAX(COALESCE(heartbeat_seq, 0), ?) END
       WHERE run_id = ? AND step_id = ? AND attempt = ?`,
    );
    this.write('could not record heartbeat times', () =>
      this.transaction(() => {
        for (const beat of beats) update.run(beat.at, beat.seq ?? null, beat.seq ?? null, beat.runId, beat.invocationId, beat.attempt);
      }),
    );
  }

  async recordRefusal(runId: string, invocationId: string, attempt: number, what: string, at: number): Promise<void> {
    this.write(`could not record a refused message of attempt ${attempt} of step "${invocationId}"`, () => this.addTransition(runId, invocationId, attempt, 'refused', what, at));
  }

  async recordPlacement(runId: string, invocationId: string, attempt: number, placement: AttemptPlacement, detail: string | null, at: number): Promise<void> {
    this.write(`could not record that attempt ${attempt} of step "${invocationId}" was ${placement}`, () => this.addTransition(runId, invocationId, attempt, placement, detail, at));
  }

  async recordHeartbeatGap(runId: string, invocationId: string, attempt: number, gap: HeartbeatGap): Promise<void> {
    this.write(`could not record a late heartbeat of attempt ${attempt} of step "${invocationId}"`, () => this.addTransition(runId, invocationId, attempt, HEARTBEAT_GAP_TRANSITION, String(gap.from), gap.to));
  }

  async endAttempt(runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): Promise<void> {
    this.write(`could not record that attempt ${attempt} of step "${invocationId}" ended ${status}`, () => this.transaction(() => this.writeAttemptEnd(runId, invocationId, attempt, status, at, error)), true);
  }

  private writeAttemptEnd(runId: string, invocationId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): void {
    const failure = errorColumns(error);
    this.stmt(
      `UPDATE attempts SET status = ?, error = ?, error_name = ?, error_stack = ?, error_value = ?, ended_at = ?
       WHERE run_id = ? AND step_id = ? AND attempt = ? AND status = 'running'`,
    ).run(status, failure.error, failure.error_name, failure.error_stack, failure.error_value, at, runId, invocationId, attempt);
    this.addTransition(runId, invocationId, attempt, status, failure.error, at);
  }

  async commitOutputs(runId: string, invocationId: string, outputs: Record<string, ArtifactRef>, at: number, commit: OutputCommit): Promise<void> {
    const refs = Object.values(outputs);
    await keepCarriedFirst(this.artifacts, refs, commit.carried);
    // Outputs written into the folder or staged under their attempt become entries of an artifact store beside it first.
    await this.artifacts.publish?.(refs, commit.attempt === undefined ? undefined : { runId, invocationId, attempt: commit.attempt });
    this.write(`could not commit the outputs of step "${invocationId}"${commit.attempt === undefined ? '' : ` (attempt ${commit.attempt})`}`, () => this.transaction(() => {
      if (commit.attempt !== undefined) {
        const attempt = this.stmt('SELECT status FROM attempts WHERE run_id = ? AND step_id = ? AND attempt = ?').get(runId, invocationId, commit.attempt) as { status: string } | undefined;
        if (attempt?.status !== 'running') throw notRunningAttempt(invocationId, commit.attempt, attempt?.status);
      }
      const insertArtifact = this.stmt(`INSERT OR IGNORE INTO artifacts (hash, materializer, size, type_name, created_at) VALUES (?, ?, ?, ?, ?)`);
      const insertOutput = this.stmt(`INSERT OR REPLACE INTO step_outputs (run_id, step_id, output, hash) VALUES (?, ?, ?, ?)`);
      for (const [output, ref] of Object.entries(outputs)) {
        insertArtifact.run(ref.hash, ref.materializer, ref.size, ref.typeName, at);
        insertOutput.run(runId, invocationId, output, ref.hash);
      }
      if (commit.attempt !== undefined) this.writeAttemptEnd(runId, invocationId, commit.attempt, 'completed', at);
      if (commit.cacheKey && commit.cacheable && !commit.cached) {
        this.stmt(`INSERT OR REPLACE INTO cache (key, step_name, run_id, step_id, outputs_json, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
          commit.cacheKey,
          commit.stepName,
          runId,
          invocationId,
          JSON.stringify(outputs),
          at,
        );
      }
      this.writeStepStatus(runId, invocationId, commit.cached ? 'cached' : 'completed', at, { cached: commit.cached, cacheKey: commit.cacheKey });
    }));
  }

  async lookupCache(key: string, since = -Infinity): Promise<Record<string, ArtifactRef> | undefined> {
    const row = this.stmt('SELECT outputs_json, created_at FROM cache WHERE key = ?').get(key) as { outputs_json: string; created_at: number } | undefined;
    if (!row || row.created_at < since) return undefined;
    const outputs = JSON.parse(row.outputs_json) as Record<string, ArtifactRef>;
    const stored = await Promise.all(Object.values(outputs).map((ref) => this.artifacts.has(ref.hash)));
    return stored.every(Boolean) ? outputs : undefined;
  }

  async newestCacheEntry(stepName: string, invocationId: string): Promise<CacheEntryRecord | undefined> {
    const row = this.stmt('SELECT key, step_name, run_id, step_id, created_at FROM cache WHERE step_name = ? ORDER BY step_id = ? DESC, created_at DESC LIMIT 1').get(stepName, invocationId) as
      | { key: string; step_name: string; run_id: string; step_id: string; created_at: number }
      | undefined;
    return row && { key: row.key, stepName: row.step_name, runId: row.run_id, invocationId: row.step_id, createdAt: row.created_at };
  }

  async outputsCommittedUnder(key: string): Promise<Record<string, ArtifactRef> | undefined> {
    const row = this.stmt(`SELECT run_id, id FROM steps WHERE cache_key = ? AND status IN ('completed', 'cached') ORDER BY ended_at DESC LIMIT 1`).get(key) as { run_id: string; id: string } | undefined;
    return row && this.getOutputsSync(row.run_id, row.id);
  }

  async getSteps(runId: string): Promise<StepRecord[]> {
    return this.getStepsSync(runId);
  }

  getStepsSync(runId: string): StepRecord[] {
    return (this.stmt('SELECT * FROM steps WHERE run_id = ? ORDER BY position').all(runId) as StepRow[]).map(stepRecord);
  }

  async getAttempts(runId: string, invocationId?: string): Promise<AttemptRecord[]> {
    return (
      (invocationId === undefined
        ? this.stmt('SELECT * FROM attempts WHERE run_id = ? ORDER BY started_at, attempt').all(runId)
        : this.stmt('SELECT * FROM attempts WHERE run_id = ? AND step_id = ? ORDER BY attempt').all(runId, invocationId)) as AttemptRow[]
    ).map(attemptRecord);
  }

  async getOutputs(runId: string, invocationId: string): Promise<Record<string, ArtifactRef>> {
    return this.getOutputsSync(runId, invocationId);
  }

  getOutputsSync(runId: string, invocationId: string): Record<string, ArtifactRef> {
    const rows = this.stmt(
      `SELECT o.output, a.hash, a.materializer, a.size, a.type_name FROM step_outputs o JOIN artifacts a ON a.hash = o.hash WHERE o.run_id = ? AND o.step_id = ?`,
    ).all(runId, invocationId) as Omit<OutputRow, 'step_id'>[];
    return Object.fromEntries(rows.map((row) => [row.output, artifactRef(row)]));
  }

  async outputOf(runId: string, invocationId: string, output: string): Promise<ArtifactRef | undefined> {
    const outputs = this.getOutputsSync(runId, invocationId);
    return Object.hasOwn(outputs, output) ? outputs[output] : undefined;
  }

  async getRunOutputs(runId: string): Promise<RunOutputRecord[]> {
    const rows = this.stmt(
      `SELECT o.step_id, o.output, a.hash, a.materializer, a.size, a.type_name FROM step_outputs o
         JOIN artifacts a ON a.hash = o.hash
         LEFT JOIN steps s ON s.run_id = o.run_id AND s.id = o.step_id
       WHERE o.run_id = ? ORDER BY s.position, o.rowid`,
    ).all(runId) as OutputRow[];
    return rows.map(runOutputRecord);
  }

  async getHeartbeatGaps(runId: string): Promise<HeartbeatGapRecord[]> {
    const rows = this.stmt('SELECT * FROM transitions WHERE run_id = ? AND status = ? ORDER BY seq').all(runId, HEARTBEAT_GAP_TRANSITION) as TransitionRow[];
    return rows.map(heartbeatGapRecord);
  }

  async getTransitions(runId: string): Promise<TransitionRecord[]> {
    const rows = this.stmt('SELECT * FROM transitions WHERE run_id = ? ORDER BY seq').all(runId) as TransitionRow[];
    return rows.map(transitionRecord);
  }

  // ---- logs, hooks, events -------------------------------------------------------------

  async appendLog(line: LogLine, eventSeq?: number): Promise<void> {
    this.write(`could not store output of step "${line.invocationId}"`, () =>
      this.stmt('INSERT INTO logs (run_id, step_id, attempt, stream, text, at, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?)').run(line.runId, line.invocationId, line.attempt, line.stream, line.text, line.at, eventSeq ?? null),
    );
  }

  async getLogs(runId: string, invocationId?: string, attempt?: number): Promise<LogRecord[]> {
    const rows = (
      invocationId === undefined
        ? this.stmt('SELECT * FROM logs WHERE run_id = ? ORDER BY seq').all(runId)
        : attempt === undefined
          ? this.stmt('SELECT * FROM logs WHERE run_id = ? AND step_id = ? ORDER BY seq').all(runId, invocationId)
          : this.stmt('SELECT * FROM logs WHERE run_id = ? AND step_id = ? AND attempt = ? ORDER BY seq').all(runId, invocationId, attempt)
    ) as LogRow[];
    return rows.map(logRecord);
  }

  async recordHook(runId: string, invocationId: string, hook: 'onSuccess' | 'onFailure', source: string, error: string | undefined, at: number): Promise<void> {
    this.write(`could not record the ${hook} hook of step "${invocationId}"`, () =>
      this.stmt('INSERT INTO hook_calls (run_id, step_id, hook, source, ok, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(runId, invocationId, hook, source, error === undefined ? 1 : 0, error ?? null, at),
    );
  }

  async getHookCalls(runId: string): Promise<HookCallRecord[]> {
    const rows = this.stmt('SELECT * FROM hook_calls WHERE run_id = ? ORDER BY seq').all(runId) as HookCallRow[];
    return rows.map(hookCallRecord);
  }

  async appendEvent(seq: number, runId: string | null, type: string, data: unknown, at: number): Promise<void> {
    const json = JSON.stringify(data);
    return this.grouped(`could not store a ${type} event`, () => this.stmt('INSERT INTO events (seq, run_id, type, json, at) VALUES (?, ?, ?, ?, ?)').run(seq, runId, type, json, at));
  }

  /**
   * Runs `work` with the other grouped writes asked for in the same turn (the daemon hands the
   * events of steps that finished together over at once), in one transaction: one commit, not one each.
   * Each write still succeeds or fails on its own (a savepoint each); resolves once committed.
   */
  private grouped(what: string, work: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.group.length === 0) queueMicrotask(() => this.flushGroup());
      this.group.push({ what, work, resolve, reject });
    });
  }

  private flushGroup(): void {
    const batch = this.group.splice(0);
    if (batch.length === 0) return;
    const failures = new Map<number, unknown>();
    try {
      this.write(batch.length === 1 ? batch[0].what : `${batch[0].what} (and ${batch.length - 1} more writes)`, () =>
        this.transaction(() => {
          failures.clear();
          batch.forEach((item, index) => {
            try {
              this.transaction(item.work);
            } catch (error) {
              failures.set(index, isDiskFull(error) ? asDiskFull(item.what, error) : error);
            }
          });
        }),
      );
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => (failures.has(index) ? item.reject(failures.get(index)) : item.resolve()));
  }

  async reserveEventSeqs(seq: number): Promise<void> {
    this.write('could not reserve event numbers', () =>
      this.stmt('INSERT INTO event_numbers (one, seq) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET seq = MAX(seq, excluded.seq)').run(seq),
    );
  }

  async lastEventSeq(): Promise<number> {
    this.flushGroup();
    return (
      this.stmt(
        `SELECT MAX(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(event_seq) FROM logs), 0),
           COALESCE((SELECT MAX(heartbeat_seq) FROM attempts), 0), COALESCE((SELECT seq FROM event_numbers WHERE one = 1), 0)) AS seq`,
      ).get() as { seq: number }
    ).seq;
  }

  async eventsSince(seq: number, runId: string | undefined, limit: number): Promise<StoredEvent[]> {
    this.flushGroup();
    const ofRun = runId === undefined ? '' : ' AND run_id = ?';
    const sql = `SELECT seq, run_id, type, json, NULL AS step_id, NULL AS attempt, NULL AS stream, NULL AS text, at FROM events WHERE seq > ?${ofRun}
      UNION ALL SELECT event_seq, run_id, 'log', NULL, step_id, attempt, stream, text, at FROM logs WHERE event_seq > ?${ofRun}
      UNION ALL SELECT heartbeat_seq, run_id, 'heartbeat', NULL, step_id, attempt, NULL, NULL, heartbeat_at FROM attempts WHERE heartbeat_seq > ?${ofRun}
      ORDER BY seq LIMIT ?`;
    const values = runId === undefined ? [seq, seq, seq, limit] : [seq, runId, seq, runId, seq, runId, limit];
    return (this.stmt(sql).all(...values) as EventRow[]).map(eventRecord);
  }

  // ---- API tokens ----------------------------------------------------------------------

  async createApiToken(token: NewApiToken): Promise<void> {
    const inserted = this.write(`could not record token "${token.name}"`, () =>
      this.stmt('INSERT INTO api_tokens (name, scope, hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING').run(token.name, token.scope, token.hash, token.createdAt),
    );
    if (inserted.changes === 0) throw new TokenNameTakenError(token.name);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (this.stmt('SELECT name, scope, created_at, last_used_at FROM api_tokens ORDER BY created_at, name').all() as ApiTokenRow[]).map(apiTokenRecord);
  }

  async findApiToken(hash: string): Promise<ApiTokenRecord | undefined> {
    const row = this.stmt('SELECT name, scope, created_at, last_used_at FROM api_tokens WHERE hash = ?').get(hash) as ApiTokenRow | undefined;
    return row && apiTokenRecord(row);
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    this.write(`could not record the use of token "${name}"`, () => this.stmt('UPDATE api_tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE name = ?').run(at, name));
  }

  async revokeApiToken(name: string): Promise<boolean> {
    return this.write(`could not revoke token "${name}"`, () => this.stmt('DELETE FROM api_tokens WHERE name = ?').run(name)).changes > 0;
  }

  private addTransition(runId: string, invocationId: string | null, attempt: number | null, status: string, detail: string | null, at: number): void {
    this.stmt('INSERT INTO transitions (run_id, step_id, attempt, status, detail, at) VALUES (?, ?, ?, ?, ?, ?)').run(runId, invocationId, attempt, status, detail, at);
  }
}

/** Tightens a folder tree written by an older pipewright: folders 0700, files 0600. */
function tightenTree(dir: string): void {
  tighten(dir, 0o700);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) tightenTree(full);
    else if (entry.isFile()) tighten(full, 0o600);
  }
}
