// The RunStore contract against the PostgreSQL store: a real PostgreSQL 15 (a private cluster
// for this file, test/support/postgres.ts), a fresh database per store; artifacts in a real
// temporary folder. What only this store has (its schema beside the lease tables, read-only
// connections, the errors that name its URL) is tested below the contract.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeArtifact } from '../../runtime/src/artifacts/contentAddress';
import { materializerFor } from '../../runtime/src/artifacts/materializers';
import { errorCodeOf, exitCodeOf, LeaseNotHeldError } from '../../runtime/src/model/errorCodes';
import { CHUNK_BYTES } from '../../runtime/src/store/postgres/postgresArtifactStore';
import { NewerSchemaError } from '../../runtime/src/store/newerSchemaError';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { POSTGRES_SCHEMA_VERSION } from '../../runtime/src/store/postgres/schema';
import type { RunStore } from '../../runtime/src/store/runStore';
import { freePort } from '../support/freePort';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { tempDir } from '../support/tempDir';
import { runStoreContract } from './runStore.contract';

const cluster = postgresForFile();
const urls = new WeakMap<RunStore, string>();

async function freshStore(): Promise<{ store: RunStore; url: string }> {
  const url = await cluster().createDatabase();
  const store = await openRunStore(path.join(tempDir(), 'store'), 'readWrite', url);
  urls.set(store, url);
  return { store, url };
}

/** Run r1 with steps a and b running, attempt 1 of each held by worker w1's lease (job-a, job-b); the store's lease book. */
async function leasedSteps(store: RunStore) {
  const dag = { pipeline: 'p', parameters: {}, nodes: [{ id: 'a', step: 'aStep' }, { id: 'b', step: 'bStep' }], edges: [], outputs: {}, options: {} };
  await store.createRun({ id: 'r1', name: 'n1', pipeline: 'p', sourceFile: 'p.ts', parameters: {}, options: {}, dag, bundlePath: 'b', workingDir: '/w', projectDir: '/w', at: 5 } as never);
  const leases = store.cluster!.workerLeases;
  for (const step of ['a', 'b']) {
    await store.setStepStatus('r1', step, 'running', 10);
    await store.startAttempt('r1', step, 1, 10, null);
    assert.ok(await leases.claim({ runId: 'r1', invocationId: step, attempt: 1, pool: 'default' }, 'w1', 60_000, `job-${step}`));
  }
  return leases;
}

runStoreContract('PostgreSQL (store/postgres)', {
  create: async () => (await freshStore()).store,
  reopen: async (store, mode) => {
    const again = await openRunStore(store.dir, mode, urls.get(store));
    urls.set(again, urls.get(store)!);
    return again;
  },
  child: (store) => ({ module: path.join(__dirname, 'postgresRunStoreChild.ts'), args: [store.dir, urls.get(store)!] }),
});


describe('the PostgreSQL store', () => {
  it("keeps runs in the database and artifacts in the local folder, with no SQLite file", async () => {
    const { store, url } = await freshStore();
    try {
      const ref = await store.artifacts.put({ rows: [1, 2] });
      assert.ok(fs.existsSync(path.join(store.dir, 'artifacts')), 'the artifact folder');
      assert.ok(!fs.existsSync(path.join(store.dir, 'pipewright.db')), 'no SQLite file');
      const dag = { pipeline: 'p', parameters: {}, nodes: [{ id: 'a', step: 'aStep' }], edges: [], outputs: {}, options: {} };
      await store.createRun({ id: 'r1', name: 'n1', pipeline: 'p', sourceFile: 'p.ts', parameters: { z: 1, a: 2 }, options: {}, dag, bundlePath: 'b', workingDir: '/w', projectDir: '/w', at: 5 } as never);
      await store.commitOutputs('r1', 'a', { output: ref }, 6, { cached: false, stepName: 'aStep', cacheable: false });
      const rows = await query<{ id: string; parameters_json: string }>(url, 'SELECT id, parameters_json FROM runs');
      assert.deepEqual(rows, [{ id: 'r1', parameters_json: '{"z":1,"a":2}' }], 'stored as written, keys in their order');
      assert.deepEqual(await query(url, 'SELECT step_id, output, hash FROM step_outputs'), [{ step_id: 'a', output: 'output', hash: ref.hash }]);
    } finally {
      await store.close();
    }
  });

  it('keeps log text and failure messages with NUL characters, which PostgreSQL text cannot hold', async () => {
    const { store } = await freshStore();
    try {
      const dag = { pipeline: 'p', parameters: {}, nodes: [{ id: 'a', step: 'aStep' }], edges: [], outputs: {}, options: {} };
      await store.createRun({ id: 'r1', name: 'n1', pipeline: 'p', sourceFile: 'p.ts', parameters: {}, options: {}, dag, bundlePath: 'b', workingDir: '/w', projectDir: '/w', at: 5 } as never);
      await store.appendLog({ runId: 'r1', invocationId: 'a', attempt: 1, stream: 'stdout', text: 'bin\0ary é\n', at: 6 });
      assert.deepEqual((await store.getLogs('r1')).map((l) => l.text), ['bin\0ary é\n'], 'log bytes kept exactly');
      await store.startAttempt('r1', 'a', 1, 6, null);
      await store.endAttempt('r1', 'a', 1, 'failed', 7, { name: 'Error', message: 'bad\0byte', value: 'v\0' });
      assert.deepEqual((await store.getAttempts('r1'))[0]?.error, { name: 'Error', message: 'bad\uFFFDbyte', value: 'v\0' });
    } finally {
      await store.close();
    }
  });

  it('has the lease tables and its own in one schema, at the current version', async () => {
    const { store, url } = await freshStore();
    await store.close();
    const tables = (await query<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((row) => row.name);
    for (const table of ['attempts', 'leaders', 'runs', 'steps', 'step_attempts', 'logs', 'events', 'daemon_owner']) assert.ok(tables.includes(table), table);
    assert.deepEqual(await query(url, 'SELECT version FROM schema_version'), [{ version: POSTGRES_SCHEMA_VERSION }]);
  });

  it('read-only: the server refuses every write; an empty database is no store; a newer schema is refused naming the URL', async () => {
    const { store, url } = await freshStore();
    await store.close();
    const reader = await openRunStore(path.join(tempDir(), 'other'), 'readOnly', url);
    try {
      await assert.rejects(reader.reserveEventSeqs(5), (error: { code?: string }) => error.code === '25006', 'read_only_sql_transaction');
      await assert.rejects(reader.claimDaemon(process.pid), (error: { code?: string }) => error.code === '25006');
    } finally {
      await reader.close();
    }
    const empty = await cluster().createDatabase();
    await assert.rejects(openRunStore(tempDir(), 'readOnly', empty), (error: Error) => exitCodeOf(error) === 2 && /^no pipewright store in the PostgreSQL database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test_\d+_\d+ /.test(error.message));
    await query(url, 'UPDATE schema_version SET version = 99');
    const withPassword = url.replace('postgres@', 'postgres:s3cret@');
    for (const mode of ['readWrite', 'readOnly'] as const) {
      const error = await openRunStore(tempDir(), mode, withPassword).then(
        () => assert.fail('a newer schema was accepted'),
        (e: unknown) => e as Error,
      );
      assert.ok(error instanceof NewerSchemaError, String(error));
      assert.equal(errorCodeOf(error), 'newer-schema');
      assert.match(error.message, new RegExp(`^the store at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/test_\\d+_\\d+ has schema version 99, newer than this pipewright knows \\(${POSTGRES_SCHEMA_VERSION}\\)`));
      assert.doesNotMatch(error.message, /s3cret/);
    }
  });

  it('an unreachable database is an error naming its URL without the password', async () => {
    const port = await freePort();
    const error = await openRunStore(tempDir(), 'readWrite', `postgres://me:s3cret@127.0.0.1:${port}/db`).then(
      () => assert.fail('opened a store with no server'),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, new RegExp(`^cannot open the PostgreSQL store at postgres://me:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db: .*ECONNREFUSED`));
    assert.equal(exitCodeOf(error), 1);
    assert.doesNotMatch(error.message, /s3cret/);
  });

  it("writes bookkeeping (events, placements, lease renewals) without waiting for the server's disk, and a step's commit waits for all of it", async () => {
    // This file's server commits without waiting (as every test's does); this database waits, as a real one does.
    const url = await cluster().createDatabase();
    await query(url, `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = on`);
    const store = await openRunStore(path.join(tempDir(), 'store'), 'readWrite', url);
    // The server's WAL writer flushes on its own only every 10 s meanwhile: what flushes here is a commit that waits.
    await query(cluster().url, 'ALTER SYSTEM SET wal_writer_delay = 10000');
    await query(cluster().url, 'SELECT pg_reload_conf()');
    const lsn = async () => (await query<{ inserted: string; flushed: string; ahead: boolean }>(url, 'SELECT pg_current_wal_insert_lsn()::text AS inserted, pg_current_wal_flush_lsn()::text AS flushed, pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn() AS ahead'))[0]!;
    try {
      const dag = { pipeline: 'p', parameters: {}, nodes: [{ id: 'a', step: 'aStep' }], edges: [], outputs: {}, options: {} };
      await store.createRun({ id: 'r1', name: 'n1', pipeline: 'p', sourceFile: 'p.ts', parameters: {}, options: {}, dag, bundlePath: 'b', workingDir: '/w', projectDir: '/w', at: 5 } as never);
      await store.setStepStatus('r1', 'a', 'running', 10);
      await store.startAttempt('r1', 'a', 1, 10, null);
      assert.equal((await lsn()).ahead, false, 'a run and an attempt start are flushed before their calls return');
      await store.appendEvent(1, 'r1', 'step', { type: 'step', runId: 'r1', invocationId: 'a', status: 'running', at: 10 }, 10);
      await store.recordPlacement('r1', 'a', 1, 'claimed', null, 11);
      const leases = store.cluster!.workerLeases;
      const lease = (await leases.claim({ runId: 'r1', invocationId: 'a', attempt: 1, pool: 'default' }, 'w1', 60_000, 'job-a'))!;
      await leases.renew('w1', [lease], 60_000);
      const before = await lsn();
      assert.equal(before.ahead, true, `bookkeeping returned before the server flushed it (written up to ${before.inserted}, flushed up to ${before.flushed})`);
      await store.commitOutputs('r1', 'a', { output: await store.artifacts.put('v') }, 20, { attempt: 1, cached: false, stepName: 'aStep', cacheable: false });
      const [flushed] = await query<{ covered: boolean }>(url, `SELECT pg_current_wal_flush_lsn() >= '${before.inserted}'::pg_lsn AS covered`);
      assert.equal(flushed!.covered, true, "the step's commit flushed the bookkeeping written before it");
      assert.deepEqual(await query(url, "SELECT type FROM events WHERE run_id = 'r1'"), [{ type: 'step' }]);
    } finally {
      await query(cluster().url, 'ALTER SYSTEM RESET wal_writer_delay');
      await query(cluster().url, 'SELECT pg_reload_conf()');
      await store.close();
    }
  });

  it("commits a remote worker's attempt only while its lease is held by the database's clock, and marks the lease committed in the same transaction", async () => {
    const { store, url } = await freshStore();
    try {
      const leases = await leasedSteps(store);
      // Each lease keeps the job it was claimed for: a daemon leading later finds it held, and the beats of its worker alone renew it by job.
      assert.deepEqual({ ...(await leases.heldAttempt({ runId: 'r1', invocationId: 'a', attempt: 1 }))!, lease: undefined }, { lease: undefined, worker: 'w1', jobId: 'job-a', ttlMs: 60_000 });
      assert.equal(await leases.heldAttempt({ runId: 'r1', invocationId: 'a', attempt: 2 }), undefined);
      assert.deepEqual(await leases.renewJobs('w2', ['job-a']), []);
      assert.deepEqual((await leases.renewJobs('w1', ['job-a', 'job-b', 'no-such-job'])).sort(), ['job-a', 'job-b']);
      // Step a's lease ran out by the database's clock (the engine's clock has no say).
      await query(url, "UPDATE attempts SET lease_expires_at = now() - interval '2 seconds' WHERE step_id = 'a'");
      assert.equal(await leases.heldAttempt({ runId: 'r1', invocationId: 'a', attempt: 1 }), undefined, 'an expired lease is held by nobody');
      assert.deepEqual(await leases.renewJobs('w1', ['job-a']), [], 'nor renewed');
      const late = { output: await store.artifacts.put('late') };
      await assert.rejects(
        store.commitOutputs('r1', 'a', late, 20, { attempt: 1, cached: false, stepName: 'aStep', cacheable: false }),
        (error: Error) => errorCodeOf(error) === 'fenced' && /^the lease of worker w1 on attempt 1 of "a" expired \d+ ms ago by the database's clock: its outputs are not committed$/.test(error.message),
      );
      assert.deepEqual(await store.getOutputs('r1', 'a'), {}, 'nothing of the refused commit is written');
      await store.commitOutputs('r1', 'b', late, 20, { attempt: 1, cached: false, stepName: 'bStep', cacheable: false });
      assert.deepEqual(await query(url, 'SELECT step_id, state FROM attempts ORDER BY step_id'), [{ step_id: 'a', state: 'running' }, { step_id: 'b', state: 'committed' }]);
      // A lease that ended (failed, lost, handed back) refuses its commit too; a committed attempt is never claimed again.
      const [a] = await query<{ id: string; epoch: number }>(url, "SELECT id, epoch FROM attempts WHERE step_id = 'a'");
      await leases.end([{ attemptId: Number(a!.id), epoch: a!.epoch }]);
      await assert.rejects(store.commitOutputs('r1', 'a', late, 21, { attempt: 1, cached: false, stepName: 'aStep', cacheable: false }), /the lease of worker w1 on attempt 1 of "a" is ended/);
      assert.equal(await leases.claim({ runId: 'r1', invocationId: 'b', attempt: 1, pool: 'default' }, 'w2', 60_000, 'job-b2'), undefined);
    } finally {
      await store.close();
    }
  });

  it("writes the bytes a worker's result carried in the commit's statement, behind its fence: none of a refused commit, readable after one that passed", async () => {
    const { store, url } = await freshStore();
    try {
      await leasedSteps(store);
      const encoded = (value: unknown) => encodeArtifact(value, materializerFor(value));
      const smallValue = `small ${Math.random()}`;
      const small = encoded(smallValue);
      // Over one chunk: kept before the statement, as any upload.
      const large = encoded(Buffer.alloc(CHUNK_BYTES + 10, 7));
      const carried = new Map([[small.ref.hash, small.bytes], [large.ref.hash, large.bytes]]);
      const outputs = { small: small.ref, large: large.ref };
      const contents = async () => (await query<{ hash: string }>(url, 'SELECT hash FROM artifact_contents ORDER BY hash')).map((row) => row.hash);
      await query(url, "UPDATE attempts SET lease_expires_at = now() - interval '1 second' WHERE step_id = 'a'");
      await assert.rejects(store.commitOutputs('r1', 'a', outputs, 20, { attempt: 1, cached: false, stepName: 'aStep', cacheable: false, carried }), (error: Error) => error instanceof LeaseNotHeldError);
      assert.deepEqual(await contents(), [large.ref.hash], 'the small entry went only with the refused statement');
      await store.commitOutputs('r1', 'b', outputs, 21, { attempt: 1, cached: false, stepName: 'bStep', cacheable: false, carried });
      assert.deepEqual(await contents(), [small.ref.hash, large.ref.hash].sort());
      const again = await openRunStore(path.join(tempDir(), 'elsewhere'), 'readOnly', url);
      try {
        const read = await again.getOutputs('r1', 'b');
        assert.equal(await again.artifacts.get(read.small!), smallValue);
        assert.deepEqual(await again.artifacts.getBytes(read.large!), large.bytes);
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });
});
