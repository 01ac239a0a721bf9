// The PostgreSQL store's schema migrations against a real PostgreSQL 15 (a private cluster for
// this file): a fresh database, a re-run, two migrators started at once (real processes), a
// newer daemon's pending migration, a migration that fails, and a schema newer than this
// pipewright knows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import pg from 'pg';
import { errorCodeOf, exitCodeOf } from '../../runtime/src/model/errorCodes';
import { NewerSchemaError } from '../../runtime/src/store/newerSchemaError';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { migratePostgres } from '../../runtime/src/store/postgres/migrate';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../runtime/src/store/postgres/schema';
import { postgresForFile } from '../support/postgres';
import { startScript } from '../support/scriptProcess';

const cluster = postgresForFile();

async function withPool<T>(url: string, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = openPostgresPool(url);
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

const versionOf = (pool: pg.Pool) => pool.query<{ version: number }>('SELECT version FROM schema_version').then((r) => r.rows.map((row) => row.version));
const tablesOf = (pool: pg.Pool) => pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").then((r) => r.rows.map((row) => row.name));

describe('PostgreSQL schema migrations', () => {
  it('bring a fresh database to the current version, and a re-run does nothing', async () => {
    await withPool(await cluster().createDatabase(), async (pool) => {
      assert.deepEqual(await migratePostgres(pool), { from: 0, to: POSTGRES_SCHEMA_VERSION });
      assert.deepEqual(await versionOf(pool), [POSTGRES_SCHEMA_VERSION]);
      assert.deepEqual(await tablesOf(pool), [
        'api_tokens', 'artifact_chunks', 'artifact_contents', 'artifacts', 'attempt_outputs', 'attempt_transitions', 'attempts', 'bundles', 'cache', 'daemon_owner', 'event_numbers', 'events', 'hook_calls',
        'leaders', 'logs', 'pipelines', 'runs', 'schema_version', 'step_attempts', 'step_outputs', 'steps', 'transitions',
      ]);
      await pool.query("INSERT INTO attempts (run_id, step_id) VALUES ('r', 's')");
      assert.deepEqual(await migratePostgres(pool), { from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION });
      assert.deepEqual(await versionOf(pool), [POSTGRES_SCHEMA_VERSION]);
      assert.equal((await pool.query('SELECT count(*)::int AS n FROM attempts')).rows[0].n, 1, 'a re-run keeps the data');
    });
  });

  it('bring a database of version 3 (before API tokens) to the current version, keeping its data', async () => {
    await withPool(await cluster().createDatabase(), async (pool) => {
      assert.deepEqual(await migratePostgres(pool, POSTGRES_MIGRATIONS.slice(0, 3)), { from: 0, to: 3 });
      assert.ok(!(await tablesOf(pool)).includes('api_tokens'));
      await pool.query("INSERT INTO attempts (run_id, step_id) VALUES ('r', 's')");
      assert.deepEqual(await migratePostgres(pool), { from: 3, to: POSTGRES_SCHEMA_VERSION });
      assert.ok((await tablesOf(pool)).includes('api_tokens'));
      await pool.query("INSERT INTO api_tokens (name, scope, hash, created_at) VALUES ('ci', 'user', 'h', 1)");
      await assert.rejects(pool.query("INSERT INTO api_tokens (name, scope, hash, created_at) VALUES ('x', 'admin', 'h2', 1)"), /api_tokens_scope_check/, 'a scope no token may have');
      assert.equal((await pool.query('SELECT count(*)::int AS n FROM attempts')).rows[0].n, 1);
    });
  });

  it('two migrators started at once (two processes) take turns: one migrates, the other finds nothing to do', async () => {
    const url = await cluster().createDatabase();
    const script = path.join(__dirname, '..', 'support', 'postgresMigratorProcess.ts');
    const migrators = [startScript(script, [url, '--slow']), startScript(script, [url, '--slow'])];
    await Promise.all(migrators.map((m) => m.next('the migrator to be ready', (e) => e.event === 'ready')));
    for (const m of migrators) m.child.stdin!.write('go\n');
    const results = await Promise.all(migrators.map((m) => m.next('the migration result', (e) => e.event !== 'ready')));
    const target = POSTGRES_SCHEMA_VERSION + 1;
    assert.deepEqual(
      results.map((r) => `${r.event} ${r.from}→${r.to}`).sort(),
      [`migrated 0→${target}`, `migrated ${target}→${target}`],
      `results: ${JSON.stringify(results)}`,
    );
    await withPool(url, async (pool) => {
      assert.deepEqual(await versionOf(pool), [target]);
      assert.ok((await tablesOf(pool)).includes('slow_marker'));
    });
  });

  it("a newer daemon applies the migrations an older one's database lacks, keeping its data", async () => {
    await withPool(await cluster().createDatabase(), async (pool) => {
      await migratePostgres(pool);
      await pool.query("INSERT INTO attempts (run_id, step_id) VALUES ('r', 's')");
      const newer = [...POSTGRES_MIGRATIONS, 'ALTER TABLE attempts ADD COLUMN labels TEXT', "UPDATE attempts SET labels = 'migrated'"];
      assert.deepEqual(await migratePostgres(pool, newer), { from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION + 2 });
      assert.deepEqual((await pool.query('SELECT run_id, labels FROM attempts')).rows, [{ run_id: 'r', labels: 'migrated' }]);
      assert.deepEqual(await versionOf(pool), [POSTGRES_SCHEMA_VERSION + 2]);
    });
  });

  it('a migration that fails leaves the database as it was: all pending migrations are one transaction', async () => {
    await withPool(await cluster().createDatabase(), async (pool) => {
      await migratePostgres(pool);
      const broken = [...POSTGRES_MIGRATIONS, 'CREATE TABLE added_then_undone (id INTEGER)', 'ALTER TABLE no_such_table ADD COLUMN x TEXT'];
      await assert.rejects(migratePostgres(pool, broken), /no_such_table/);
      assert.deepEqual(await versionOf(pool), [POSTGRES_SCHEMA_VERSION]);
      assert.ok(!(await tablesOf(pool)).includes('added_then_undone'));
    });
  });

  it('an older pipewright refuses a newer schema with a coded error naming both versions, and touches nothing', async () => {
    await withPool(await cluster().createDatabase(), async (pool) => {
      const newer = [...POSTGRES_MIGRATIONS, 'CREATE TABLE from_the_future (id INTEGER)'];
      await migratePostgres(pool, newer);
      const error = await migratePostgres(pool).then(
        () => assert.fail('an older migrator accepted a newer schema'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof NewerSchemaError, String(error));
      assert.equal(errorCodeOf(error), 'newer-schema');
      assert.equal(exitCodeOf(error), 1);
      assert.equal(error.found, POSTGRES_SCHEMA_VERSION + 1);
      assert.equal(error.known, POSTGRES_SCHEMA_VERSION);
      const port = cluster().port;
      assert.match(
        error.message,
        new RegExp(`^the store at PostgreSQL database "test_\\d+_\\d+" on 127\\.0\\.0\\.1:${port} has schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than this pipewright knows \\(${POSTGRES_SCHEMA_VERSION}\\)`),
      );
      assert.deepEqual(await versionOf(pool), [POSTGRES_SCHEMA_VERSION + 1]);
      assert.ok((await tablesOf(pool)).includes('from_the_future'));
    });
  });

  it('refuses a store URL that is not a PostgreSQL URL, naming it without its password', () => {
    assert.throws(() => openPostgresPool('mysql://me:secret@db/x'), (error: Error) => errorCodeOf(error) === 'invalid-input' && /postgres:\/\/ or postgresql:\/\/, got mysql:\/\/me:\*\*\*@db\/x$/.test(error.message));
    assert.throws(() => openPostgresPool('not a url'), /not a URL: not a url/);
  });
});
