import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactRef, ArtifactStore } from '../artifacts/artifactStore';
import { LocalArtifactStore } from '../artifacts/localArtifactStore';
import { asDiskFull, isDiskFull, UnprocessableError } from '../model/errorCodes';
import { ownerOnlyDir, tighten } from '../system/ownerOnly';
import type { AttemptStatus, RunStatus, StepStatus } from '../model/status';
import type { AttemptError } from '../model/attemptError';
import { isProcessAlive, processIdentity } from '../system/processAlive';
import { errorColumns } from './errorColumns';
import { ADDED_COLUMNS, MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './schema';
import type { AttemptRow, HookCallRow, LogRow, NewRun, RunRow, StepRow, TransitionRow } from './rows';

/** Raised when a run name is already used by another run of the same pipeline. */
export class RunNameTakenError extends UnprocessableError {
  constructor(
    readonly pipeline: string,
    readonly runName: string,
  ) {
    super(`run name "${runName}" is already used by a run of pipeline "${pipeline}"; run names are unique per pipeline (add {time} or another substitution to the template)`);
    this.name = 'RunNameTakenError';
  }
}

/** Space kept free beside the database, given up to record outcomes when the disk fills (see {@link RunStore.reserveFile}). */
const RESERVE_BYTES = 256 * 1024;

/**
 * The embedded store: one SQLite file (WAL) plus the artifact folder, under the store folder
 * (`.pipewright/` at the project root by default), all owner-only. Every write that changes
 * what a reader may see happens in one transaction. A write the full disk refuses throws a
 * {@link DiskFullError}; outcome records (an attempt's end, a step's or run's status, events)
 * may first give up the store's reserve file, so a run that fills the disk still ends recorded.
 */
export class RunStore {
  readonly artifacts: ArtifactStore;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    readonly dir: string,
    readonly readOnly: boolean,
  ) {
    const file = path.join(dir, 'pipewright.db');
    if (readOnly) {
      // Reads need no space and no write access: they work on a full disk.
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 10000');
      this.artifacts = new LocalArtifactStore(path.join(dir, 'artifacts'));
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
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`the store at ${dir} was written by a newer pipewright (schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }
    this.write('could not prepare the store', () => {
      if (version > 0 && version < SCHEMA_VERSION) {
        for (let from = version; from < SCHEMA_VERSION; from++) this.applyMigration(MIGRATIONS[from]);
      }
      this.db.exec(SCHEMA_SQL);
      this.addMissingColumns();
      if (version !== SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
    this.artifacts = new LocalArtifactStore(path.join(dir, 'artifacts'));
    this.restoreReserve();
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

  /** Opens (creating it if needed) the store in `dir` for reading and writing. */
  static open(dir: string): RunStore {
    return new RunStore(path.resolve(dir), false);
  }

  /** Opens an existing store for reading only: no file is created or changed, so it works on a full disk. */
  static openReadOnly(dir: string): RunStore {
    const store = new RunStore(path.resolve(dir), true);
    if (store.db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return store;
    // A store of another schema is migrated (or refused, when newer) by a writable open, once.
    store.close();
    return RunStore.open(dir);
  }

  close(): void {
    this.db.close();
  }

  /**
   * A file of {@link RESERVE_BYTES} kept beside the database: when the disk fills, deleting it
   * makes room to record how the attempt (and the run) ended. Put back once there is room again.
   */
  get reserveFile(): string {
    return path.join(this.dir, 'reserve');
  }

  /** Puts the reserve file back if it is missing and the disk has room; never throws. */
  restoreReserve(): void {
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
   * Runs a write; a full disk becomes a {@link DiskFullError} saying `what` could not be done.
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

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- runs ----------------------------------------------------------------------------

  createRun(run: NewRun): void {
    try {
      this.write(`could not create run "${run.name}" of pipeline "${run.pipeline}"`, () => this.transaction(() => {
        this.stmt(
          `INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET source_file = excluded.source_file, updated_at = excluded.updated_at`,
        ).run(run.pipeline, run.sourceFile, run.at, run.at);
        this.stmt(
          `INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, manifest_json,
             parent_run_id, parent_invocation, engine_pid, engine_identity, created_at, started_at, working_dir, project_dir)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        const insertStep = this.stmt(`INSERT INTO steps (run_id, id, step_name, position, status) VALUES (?, ?, ?, ?, 'pending')`);
        run.dag.nodes.forEach((node, position) => insertStep.run(run.id, node.id, node.step, position));
        this.addTransition(run.id, null, null, 'running', null, run.at);
      }));
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /runs\.pipeline|runs\.name/.test((error as Error).message)) {
        throw new RunNameTakenError(run.pipeline, run.name);
      }
      throw error;
    }
  }

  runNameTaken(pipeline: string, name: string): boolean {
    return this.stmt('SELECT 1 FROM runs WHERE pipeline = ? AND name = ?').get(pipeline, name) !== undefined;
  }

  setRunStatus(runId: string, status: RunStatus, at: number, error?: string): void {
    this.write(`could not record that run ${runId} ended ${status}`, () => this.transaction(() => {
      const terminal = status !== 'running';
      this.stmt(`UPDATE runs SET status = ?, error = COALESCE(?, error), ended_at = ? WHERE id = ?`).run(status, error ?? null, terminal ? at : null, runId);
      this.addTransition(runId, null, null, status, error ?? null, at);
    }), true);
  }

  /** Records which process now drives the run (with its identity, so a reused pid is never taken for it). */
  setEnginePid(runId: string, pid: number | null): void {
    this.write(`could not record the engine of run ${runId}`, () =>
      this.stmt('UPDATE runs SET engine_pid = ?, engine_identity = ? WHERE id = ?').run(pid, pid === null ? null : processIdentity(pid), runId),
    );
  }

  /**
   * Makes process `pid` this store's one daemon, unless a live daemon already is one: in one
   * write transaction, so of daemons started at once exactly one wins. Answers the live owner's
   * pid when another process owns the store (a dead, zombie or reused-pid owner does not).
   */
  claimDaemon(pid: number): number | undefined {
    const claim = this.db.transaction(() => {
      const owner = this.stmt('SELECT pid, identity FROM daemon_owner WHERE one = 1').get() as { pid: number; identity: string | null } | undefined;
      if (owner && owner.pid !== pid && isProcessAlive(owner.pid, owner.identity)) return owner.pid;
      this.stmt('INSERT INTO daemon_owner (one, pid, identity) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET pid = excluded.pid, identity = excluded.identity').run(pid, processIdentity(pid));
      return undefined;
    });
    return this.write('could not claim the store for the daemon', () => claim.immediate());
  }

  /** Runs whose status is `running` (whether or not anything still drives them). */
  runningRuns(): RunRow[] {
    return this.stmt("SELECT * FROM runs WHERE status = 'running' ORDER BY created_at, rowid").all() as RunRow[];
  }

  getRun(runId: string): RunRow | undefined {
    return this.stmt('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  }

  /** Finds a run by id, unique id prefix, or name (newest run of that name). */
  findRun(idOrName: string): RunRow | undefined {
    const exact = this.getRun(idOrName);
    if (exact) return exact;
    const byName = this.stmt('SELECT * FROM runs WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName) as RunRow | undefined;
    if (byName) return byName;
    const byPrefix = this.stmt(`SELECT * FROM runs WHERE id LIKE ? || '%' ESCAPE '\\' LIMIT 2`).all(idOrName.replace(/[\\%_]/g, (c) => `\\${c}`)) as RunRow[];
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  /** Newest first; `pipeline` and `statuses` (any of them) narrow the list before `limit` applies. */
  listRuns(options: { limit?: number; pipeline?: string; statuses?: readonly RunStatus[] } = {}): RunRow[] {
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
    return this.stmt(`SELECT * FROM runs ${filter}ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(...values, options.limit ?? 50) as RunRow[];
  }

  // ---- steps and attempts --------------------------------------------------------------

  setStepStatus(runId: string, stepId: string, status: StepStatus, at: number, detail: { error?: string | AttemptError; cached?: boolean; cacheKey?: string } = {}): void {
    this.write(`could not record that step "${stepId}" is ${status}`, () => this.transaction(() => this.writeStepStatus(runId, stepId, status, at, detail)), true);
  }

  private writeStepStatus(runId: string, stepId: string, status: StepStatus, at: number, detail: { error?: string | AttemptError; cached?: boolean; cacheKey?: string }): void {
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
      stepId,
    );
    this.addTransition(runId, stepId, null, status, failure.error, at);
  }

  startAttempt(runId: string, stepId: string, attempt: number, at: number, runnerPid: number | null): void {
    this.write(`could not start attempt ${attempt} of step "${stepId}"`, () => this.transaction(() => {
      this.stmt(`INSERT INTO attempts (run_id, step_id, attempt, status, runner_pid, started_at) VALUES (?, ?, ?, 'running', ?, ?)`).run(runId, stepId, attempt, runnerPid, at);
      this.stmt('UPDATE steps SET attempts = ? WHERE run_id = ? AND id = ?').run(attempt, runId, stepId);
      this.addTransition(runId, stepId, attempt, 'running', null, at);
    }));
  }

  setAttemptRunner(runId: string, stepId: string, attempt: number, pid: number): void {
    this.write(`could not record the runner of attempt ${attempt} of step "${stepId}"`, () =>
      this.stmt('UPDATE attempts SET runner_pid = ? WHERE run_id = ? AND step_id = ? AND attempt = ?').run(pid, runId, stepId, attempt),
    );
  }

  recordHeartbeat(runId: string, stepId: string, attempt: number, at: number): void {
    this.stmt('UPDATE attempts SET heartbeat_at = ? WHERE run_id = ? AND step_id = ? AND attempt = ?').run(at, runId, stepId, attempt);
  }

  recordHeartbeats(beats: { runId: string; stepId: string; attempt: number; at: number }[]): void {
    this.write('could not record heartbeat times', () =>
      this.transaction(() => {
        for (const beat of beats) this.recordHeartbeat(beat.runId, beat.stepId, beat.attempt, beat.at);
      }),
    );
  }

  /** Notes a message from an attempt that is no longer current, which was refused. */
  recordRefusal(runId: string, stepId: string, attempt: number, what: string, at: number): void {
    this.write(`could not record a refused message of attempt ${attempt} of step "${stepId}"`, () => this.addTransition(runId, stepId, attempt, 'refused', what, at));
  }

  /** Ends a running attempt; `error` is a thrown failure, or an engine-recorded reason as text. */
  endAttempt(runId: string, stepId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): void {
    this.write(`could not record that attempt ${attempt} of step "${stepId}" ended ${status}`, () => this.transaction(() => this.writeAttemptEnd(runId, stepId, attempt, status, at, error)), true);
  }

  private writeAttemptEnd(runId: string, stepId: string, attempt: number, status: AttemptStatus, at: number, error?: string | AttemptError): void {
    const failure = errorColumns(error);
    this.stmt(
      `UPDATE attempts SET status = ?, error = ?, error_name = ?, error_stack = ?, error_value = ?, ended_at = ?
       WHERE run_id = ? AND step_id = ? AND attempt = ? AND status = 'running'`,
    ).run(status, failure.error, failure.error_name, failure.error_stack, failure.error_value, at, runId, stepId, attempt);
    this.addTransition(runId, stepId, attempt, status, failure.error, at);
  }

  /**
   * Commits a successful attempt: artifacts, outputs, cache entry and status in one
   * transaction, so a reader never sees a completed step without its outputs.
   */
  commitOutputs(runId: string, stepId: string, outputs: Record<string, ArtifactRef>, at: number, commit: { attempt?: number; cacheKey?: string; cached: boolean; stepName: string; cacheable: boolean }): void {
    this.write(`could not commit the outputs of step "${stepId}"${commit.attempt === undefined ? '' : ` (attempt ${commit.attempt})`}`, () => this.transaction(() => {
      const insertArtifact = this.stmt(`INSERT OR IGNORE INTO artifacts (hash, materializer, size, type_name, created_at) VALUES (?, ?, ?, ?, ?)`);
      const insertOutput = this.stmt(`INSERT OR REPLACE INTO step_outputs (run_id, step_id, output, hash) VALUES (?, ?, ?, ?)`);
      for (const [output, ref] of Object.entries(outputs)) {
        insertArtifact.run(ref.hash, ref.materializer, ref.size, ref.typeName, at);
        insertOutput.run(runId, stepId, output, ref.hash);
      }
      if (commit.attempt !== undefined) this.writeAttemptEnd(runId, stepId, commit.attempt, 'completed', at);
      if (commit.cacheKey && commit.cacheable && !commit.cached) {
        this.stmt(`INSERT OR REPLACE INTO cache (key, step_name, run_id, step_id, outputs_json, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
          commit.cacheKey,
          commit.stepName,
          runId,
          stepId,
          JSON.stringify(outputs),
          at,
        );
      }
      this.writeStepStatus(runId, stepId, commit.cached ? 'cached' : 'completed', at, { cached: commit.cached, cacheKey: commit.cacheKey });
    }));
  }

  /** Outputs cached under `key` (no earlier than `since`, when given), if every artifact is still on disk. */
  async lookupCache(key: string, since = -Infinity): Promise<Record<string, ArtifactRef> | undefined> {
    const row = this.stmt('SELECT outputs_json, created_at FROM cache WHERE key = ?').get(key) as { outputs_json: string; created_at: number } | undefined;
    if (!row || row.created_at < since) return undefined;
    const outputs = JSON.parse(row.outputs_json) as Record<string, ArtifactRef>;
    const stored = await Promise.all(Object.values(outputs).map((ref) => this.artifacts.has(ref.hash)));
    return stored.every(Boolean) ? outputs : undefined;
  }

  getSteps(runId: string): StepRow[] {
    return this.stmt('SELECT * FROM steps WHERE run_id = ? ORDER BY position').all(runId) as StepRow[];
  }

  getAttempts(runId: string, stepId?: string): AttemptRow[] {
    return (
      stepId === undefined
        ? this.stmt('SELECT * FROM attempts WHERE run_id = ? ORDER BY started_at, attempt').all(runId)
        : this.stmt('SELECT * FROM attempts WHERE run_id = ? AND step_id = ? ORDER BY attempt').all(runId, stepId)
    ) as AttemptRow[];
  }

  getOutputs(runId: string, stepId: string): Record<string, ArtifactRef> {
    const rows = this.stmt(
      `SELECT o.output, a.hash, a.materializer, a.size, a.type_name FROM step_outputs o JOIN artifacts a ON a.hash = o.hash WHERE o.run_id = ? AND o.step_id = ?`,
    ).all(runId, stepId) as { output: string; hash: string; materializer: string; size: number; type_name: string }[];
    return Object.fromEntries(rows.map((row) => [row.output, { hash: row.hash, materializer: row.materializer, size: row.size, typeName: row.type_name }]));
  }

  /** One committed output of a step (only its own outputs: `constructor` is no output of anything). */
  outputOf(runId: string, stepId: string, output: string): ArtifactRef | undefined {
    const outputs = this.getOutputs(runId, stepId);
    return Object.hasOwn(outputs, output) ? outputs[output] : undefined;
  }

  /** Every committed output of every step of a run, in step order, each with its artifact's description. */
  getRunOutputs(runId: string): ({ stepId: string; output: string } & ArtifactRef)[] {
    const rows = this.stmt(
      `SELECT o.step_id, o.output, a.hash, a.materializer, a.size, a.type_name FROM step_outputs o
         JOIN artifacts a ON a.hash = o.hash
         LEFT JOIN steps s ON s.run_id = o.run_id AND s.id = o.step_id
       WHERE o.run_id = ? ORDER BY s.position, o.rowid`,
    ).all(runId) as { step_id: string; output: string; hash: string; materializer: string; size: number; type_name: string }[];
    return rows.map((row) => ({ stepId: row.step_id, output: row.output, hash: row.hash, materializer: row.materializer, size: row.size, typeName: row.type_name }));
  }

  getTransitions(runId: string): TransitionRow[] {
    return this.stmt('SELECT * FROM transitions WHERE run_id = ? ORDER BY seq').all(runId) as TransitionRow[];
  }

  // ---- logs and hooks ------------------------------------------------------------------

  appendLog(runId: string, stepId: string | null, attempt: number | null, stream: 'stdout' | 'stderr', text: string, at: number): void {
    this.write(`could not store output of step "${stepId}"`, () => this.stmt('INSERT INTO logs (run_id, step_id, attempt, stream, text, at) VALUES (?, ?, ?, ?, ?, ?)').run(runId, stepId, attempt, stream, text, at));
  }

  getLogs(runId: string, stepId?: string, attempt?: number): LogRow[] {
    if (stepId === undefined) return this.stmt('SELECT * FROM logs WHERE run_id = ? ORDER BY seq').all(runId) as LogRow[];
    if (attempt === undefined) return this.stmt('SELECT * FROM logs WHERE run_id = ? AND step_id = ? ORDER BY seq').all(runId, stepId) as LogRow[];
    return this.stmt('SELECT * FROM logs WHERE run_id = ? AND step_id = ? AND attempt = ? ORDER BY seq').all(runId, stepId, attempt) as LogRow[];
  }

  recordHook(runId: string, stepId: string, hook: 'onSuccess' | 'onFailure', source: string, error: string | undefined, at: number): void {
    this.write(`could not record the ${hook} hook of step "${stepId}"`, () =>
      this.stmt('INSERT INTO hook_calls (run_id, step_id, hook, source, ok, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(runId, stepId, hook, source, error === undefined ? 1 : 0, error ?? null, at),
    );
  }

  getHookCalls(runId: string): HookCallRow[] {
    return this.stmt('SELECT * FROM hook_calls WHERE run_id = ? ORDER BY seq').all(runId) as HookCallRow[];
  }

  /** Appends one event of the orchestrator's stream, numbered `seq` (default: the next number); returns its number. */
  appendEvent(runId: string | null, type: string, json: string, at: number, seq?: number): number {
    return this.write(`could not store a ${type} event`, () =>
      Number(this.stmt('INSERT INTO events (seq, run_id, type, json, at) VALUES (?, ?, ?, ?, ?)').run(seq ?? null, runId, type, json, at).lastInsertRowid),
    );
  }

  /** The newest event's sequence number (0 before the first). */
  lastEventSeq(): number {
    return (this.stmt('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').get() as { seq: number }).seq;
  }

  eventsSince(seq: number, runId: string | undefined, limit: number): { seq: number; run_id: string | null; type: string; json: string }[] {
    return (
      runId === undefined
        ? this.stmt('SELECT seq, run_id, type, json FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit)
        : this.stmt('SELECT seq, run_id, type, json FROM events WHERE seq > ? AND run_id = ? ORDER BY seq LIMIT ?').all(seq, runId, limit)
    ) as { seq: number; run_id: string | null; type: string; json: string }[];
  }

  private addTransition(runId: string, stepId: string | null, attempt: number | null, status: string, detail: string | null, at: number): void {
    this.stmt('INSERT INTO transitions (run_id, step_id, attempt, status, detail, at) VALUES (?, ?, ?, ?, ?, ?)').run(runId, stepId, attempt, status, detail, at);
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
