// The store's pool prepares the statements it sends again and again (connection.ts), against a
// real PostgreSQL 15: a statement with parameters is prepared on its second use, not its first,
// and one whose table changed shape under it (another daemon migrated the schema) is answered
// anew rather than failing with "cached plan must not change result type".
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresPool } from '../../runtime/src/store/postgres/connection';
import { postgresForFile, queryDatabase } from '../support/postgres';

const cluster = postgresForFile();
const pools: pg.Pool[] = [];
after(() => Promise.all(pools.map((pool) => pool.end())));

/** A database of its own with a table `t`, and a pool of one connection (one session: its prepared statements can be listed). */
async function onePool(): Promise<{ url: string; pool: pg.Pool }> {
  const url = await cluster().createDatabase();
  await queryDatabase(url, 'CREATE TABLE t (id int PRIMARY KEY, name text)');
  await queryDatabase(url, "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  const pool = openPostgresPool(url, { max: 1 });
  pools.push(pool);
  return { url, pool };
}

async function preparedTexts(pool: pg.Pool): Promise<string[]> {
  return (await pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((row) => row.statement);
}

describe("the PostgreSQL store's prepared statements", () => {
  it('prepares a statement with parameters on its second use, and answers it the same each time', async () => {
    const { pool } = await onePool();
    const text = 'SELECT name FROM t WHERE id = $1 /* second use */';
    assert.deepEqual((await pool.query(text, [1])).rows, [{ name: 'one' }]);
    assert.equal((await preparedTexts(pool)).includes(text), false, 'not prepared after one use');
    assert.deepEqual((await pool.query(text, [2])).rows, [{ name: 'two' }]);
    assert.deepEqual(await preparedTexts(pool), [text], 'prepared at its second use');
    assert.deepEqual((await pool.query(text, [1])).rows, [{ name: 'one' }]);
    assert.deepEqual((await pool.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 2 }], 'a statement without parameters is sent as it is');
    assert.deepEqual(await preparedTexts(pool), [text]);
  });

  it('answers a prepared statement whose table changed shape under it, with the new shape', async () => {
    const { url, pool } = await onePool();
    const text = 'SELECT * FROM t WHERE id = $1 /* changed shape */';
    await pool.query(text, [1]);
    await pool.query(text, [1]);
    assert.ok((await preparedTexts(pool)).includes(text), 'prepared');
    // Another client (a newer daemon's migration) adds a column.
    await queryDatabase(url, "ALTER TABLE t ADD COLUMN note text DEFAULT 'added'");
    assert.deepEqual((await pool.query(text, [1])).rows, [{ id: 1, name: 'one', note: 'added' }]);
    assert.deepEqual((await pool.query(text, [2])).rows, [{ id: 2, name: 'two', note: 'added' }], 'and again, sent unprepared from then on');
  });
});
