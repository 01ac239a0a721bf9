// The RunStore contract against the embedded SQLite store (real files in temporary folders), and
// what only this store has: its schema migrations and the file it keeps.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { SCHEMA_VERSION } from '../../runtime/src/store/sqlite/schema';
import { startScript } from '../support/scriptProcess';
import { tempDir } from '../support/tempDir';
import { runStoreContract } from './runStore.contract';

runStoreContract('SQLite (store/sqlite)', {
  create: () => openRunStore(path.join(tempDir(), 'store'), 'readWrite'),
  reopen: (store, mode) => openRunStore(store.dir, mode),
  child: (store) => ({ module: path.join(__dirname, 'sqliteRunStoreChild.ts'), args: [store.dir] }),
});

/** A store as pipewright with schema 4 left it: heartbeats and log lines each an events row. */
async function schema4Store(): Promise<string> {
  const dir = path.join(tempDir(), 'store');
  await (await openRunStore(dir, 'readWrite')).close();
  const db = new Database(path.join(dir, 'pipewright.db'));
  db.exec(`DROP INDEX logs_by_event; DROP INDEX attempts_by_heartbeat_seq; DROP TABLE event_numbers;
    ALTER TABLE logs DROP COLUMN event_seq; ALTER TABLE attempts DROP COLUMN heartbeat_seq; PRAGMA user_version = 4;`);
  db.prepare(`INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES ('p', 'p.ts', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, created_at) VALUES ('old', 'old', 'p', 'completed', '{"n":1}', '{}', '{"nodes":[]}', 'x', 0)`).run();
  db.prepare(`INSERT INTO attempts (run_id, step_id, attempt, status, started_at, heartbeat_at) VALUES ('old', 'a', 1, 'completed', 1, 5)`).run();
  db.prepare(`INSERT INTO logs (run_id, step_id, attempt, stream, text, at) VALUES ('old', 'a', 1, 'stdout', 'hi\n', 4)`).run();
  const event = db.prepare('INSERT INTO events (seq, run_id, type, json, at) VALUES (?, ?, ?, ?, ?)');
  event.run(1, 'old', 'heartbeat', JSON.stringify({ type: 'heartbeat', runId: 'old', invocationId: 'a', attempt: 1, at: 3 }), 3);
  event.run(2, 'old', 'log', JSON.stringify({ type: 'log', runId: 'old', invocationId: 'a', attempt: 1, stream: 'stdout', text: 'hi\n', at: 4 }), 4);
  db.close();
  return dir;
}

describe('the SQLite store', () => {
  it('migrates a schema-4 store: its rows and stored events read as before, new ones are stored once', async () => {
    const dir = await schema4Store();
    const store = await openRunStore(dir, 'readWrite');
    try {
      assert.deepEqual((await store.getRun('old'))?.parameters, { n: 1 });
      assert.deepEqual((await store.getAttempts('old')).map((a) => a.heartbeatAt), [5]);
      assert.deepEqual(await store.eventsSince(0, 'old', 100), [
        { seq: 1, runId: 'old', type: 'heartbeat', data: { type: 'heartbeat', runId: 'old', invocationId: 'a', attempt: 1, at: 3 } },
        { seq: 2, runId: 'old', type: 'log', data: { type: 'log', runId: 'old', invocationId: 'a', attempt: 1, stream: 'stdout', text: 'hi\n', at: 4 } },
      ]);
      assert.equal(await store.lastEventSeq(), 2);
      await store.appendLog({ runId: 'old', invocationId: 'a', attempt: 1, stream: 'stderr', text: 'more', at: 6 }, 3);
      assert.deepEqual((await store.eventsSince(2, 'old', 100)).map((e) => [e.seq, e.type]), [[3, 'log']]);
      assert.deepEqual((await store.getLogs('old')).map((l) => l.text), ['hi\n', 'more']);
    } finally {
      await store.close();
    }
    const db = new Database(path.join(dir, 'pipewright.db'), { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION, 'migrated to the current schema');
    } finally {
      db.close();
    }
  });

  it('migrates a schema-5 store (before API tokens): it gains the token table, its runs read as before', async () => {
    const dir = path.join(tempDir(), 'store');
    await (await openRunStore(dir, 'readWrite')).close();
    const db = new Database(path.join(dir, 'pipewright.db'));
    db.exec('DROP TABLE api_tokens; PRAGMA user_version = 5;');
    db.prepare(`INSERT INTO pipelines (name, source_file, created_at, updated_at) VALUES ('p', 'p.ts', 0, 0)`).run();
    db.prepare(`INSERT INTO runs (id, name, pipeline, status, parameters_json, options_json, dag_json, bundle_path, created_at) VALUES ('old', 'old', 'p', 'completed', '{"n":1}', '{}', '{"nodes":[]}', 'x', 0)`).run();
    db.close();
    // A read-only open migrates it first (once), as every other schema change.
    const store = await openRunStore(dir, 'readOnly');
    try {
      assert.deepEqual((await store.getRun('old'))?.parameters, { n: 1 });
      assert.deepEqual(await store.listApiTokens(), []);
    } finally {
      await store.close();
    }
    const writable = await openRunStore(dir, 'readWrite');
    try {
      await writable.createApiToken({ name: 'ci', scope: 'worker', hash: 'f'.repeat(64), createdAt: 7 });
      assert.deepEqual(await writable.listApiTokens(), [{ name: 'ci', scope: 'worker', createdAt: 7, lastUsedAt: null }]);
    } finally {
      await writable.close();
    }
  });

  it('opened read-only, migrates a store of an older schema once (a writable open), then reads', async () => {
    const dir = await schema4Store();
    const store = await openRunStore(dir, 'readOnly');
    try {
      assert.equal(store.readOnly, false, 'the migration needed a writable open');
      assert.equal((await store.getRun('old'))?.name, 'old');
    } finally {
      await store.close();
    }
    const again = await openRunStore(dir, 'readOnly');
    try {
      assert.equal(again.readOnly, true);
      assert.equal((await again.eventsSince(0, undefined, 10)).length, 2);
    } finally {
      await again.close();
    }
  });

  it('refuses a store written by a newer pipewright, naming both schemas', async () => {
    const dir = path.join(tempDir(), 'store');
    await (await openRunStore(dir, 'readWrite')).close();
    const db = new Database(path.join(dir, 'pipewright.db'));
    db.pragma('user_version = 99');
    db.close();
    await assert.rejects(openRunStore(dir, 'readWrite'), new RegExp(`written by a newer pipewright \\(schema 99, this one knows ${SCHEMA_VERSION}\\)`));
  });

  it('commits the events appended in one turn together, each one still failing alone', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await openRunStore(dir, 'readWrite');
    const walBytes = () => fs.statSync(path.join(dir, 'pipewright.db-wal')).size;
    const event = (seq: number) => store.appendEvent(seq, null, 'service', { type: 'service', seq }, seq);
    try {
      // One after another: a commit (WAL frames) each.
      const before = walBytes();
      for (let seq = 1; seq <= 40; seq++) await event(seq);
      const oneByOne = walBytes() - before;
      // In one turn, one of them a duplicate number, which the store refuses.
      const start = walBytes();
      const results = await Promise.allSettled([...Array.from({ length: 20 }, (_, i) => event(41 + i)), event(5), ...Array.from({ length: 20 }, (_, i) => event(61 + i))]);
      const together = walBytes() - start;
      assert.deepEqual(results.map((result) => result.status), [...Array(20).fill('fulfilled'), 'rejected', ...Array(20).fill('fulfilled')]);
      assert.ok(together * 5 < oneByOne, `40 events in one turn wrote ${together} bytes of WAL, 40 one by one ${oneByOne}`);
      assert.deepEqual((await store.eventsSince(0, undefined, 100)).map((e) => e.seq), Array.from({ length: 80 }, (_, i) => i + 1));
    } finally {
      await store.close();
    }
  });

  it('is created or migrated by processes that open it at the same moment, every one of them', async () => {
    const folders = Array.from({ length: 12 }, (_, round) => path.join(tempDir(), `store-${round}`));
    // Half the rounds start from a store of schema 4, which all of them migrate at once.
    for (const [round, folder] of folders.entries()) if (round % 2 === 1) fs.cpSync(await schema4Store(), folder, { recursive: true });
    const openers = Array.from({ length: 5 }, () => startScript(path.join(__dirname, 'sqliteStoreOpener.ts'), folders));
    await Promise.all(openers.map((opener) => opener.next('ready', (event) => event.ready === true, { timeoutMs: 30_000 })));
    const start = Date.now() + 300;
    for (const opener of openers) opener.child.stdin!.end(`${start}\n`);
    assert.deepEqual(await Promise.all(openers.map((opener) => opener.exited)), openers.map(() => 0), openers.map((opener) => opener.stderr()).join('\n'));
    const failed = openers.flatMap((opener) => opener.events.filter((event) => event.error !== undefined));
    assert.deepEqual(failed, [], 'every process opened every store');
    assert.equal(openers.reduce((n, opener) => n + opener.events.filter((event) => event.ok === true).length, 0), openers.length * folders.length);
    for (const folder of folders) {
      const db = new Database(path.join(folder, 'pipewright.db'), { readonly: true });
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      db.close();
    }
  });

  it('keeps its files owner-only', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await openRunStore(dir, 'readWrite');
    try {
      for (const file of ['pipewright.db', 'pipewright.db-wal', 'reserve']) assert.equal(fs.statSync(path.join(dir, file)).mode & 0o777, 0o600, file);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    } finally {
      await store.close();
    }
  });
});
