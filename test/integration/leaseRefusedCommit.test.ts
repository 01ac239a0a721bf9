// A remote worker's success reaches the PostgreSQL store's commit after the database's clock
// expired its lease, before any reaper saw it (none runs here, so nothing else can end the
// attempt): the commit is refused, and the engine itself ends the attempt as lost and runs the
// step again. A real PostgreSQL 15, a real `pipewright worker` process over loopback HTTP, the
// engine in this process; the step beats seldom, so no beat can renew or fence the lease first.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { createHttpApp, listenHttpApp, singleTokenCredentials } from '../../runtime/src/engine/httpApp';
import { EngineSession } from '../../runtime/src/engine/session';
import { preparePipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { remoteLauncher } from '../../runtime/src/remote/remoteLauncher';
import { WorkerHub } from '../../runtime/src/remote/workerHub';
import { workerRoutes } from '../../runtime/src/remote/workerRoutes';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { postgresForFile, queryDatabase as query } from '../support/postgres';
import { fixture, tempDir } from '../support/tempDir';
import { readPid, waitFor } from '../support/waitFor';
import { startWorker, type WorkerProcess } from '../support/workerProcess';

const cluster = postgresForFile();
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe("a worker's success committed after its lease expired by the database's clock", () => {
  it('is refused by the commit, and the engine ends the attempt as lost and runs it again: one commit, by the second attempt', async () => {
    const dir = tempDir('pipewright-lease-refused-');
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const storeDir = path.join(dir, 'store');
    const url = await cluster().createDatabase();
    const store = await openRunStore(storeDir, 'readWrite', url);
    cleanups.push(() => store.close());
    // The worker's beats renew the attempt with its engine too (the daemon's heartbeat).
    const engine: { session?: EngineSession } = {};
    const hub = new WorkerHub({ intervalMs: 20_000, timeoutMs: 60_000 }, (owner) => engine.session!.heartbeat(owner), store.cluster!.workerLeases);
    cleanups.push(async () => hub.close());
    const token = 'lease-refused-test-token';
    const app = createHttpApp({ prefix: '/v1', credentials: singleTokenCredentials(token) });
    workerRoutes(app, '/v1', hub, store.artifacts);
    const address = await listenHttpApp(app, 0, '127.0.0.1');
    cleanups.push(() => app.close());
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const worker: WorkerProcess = startWorker(`http://127.0.0.1:${address.port}`, tokenFile, path.join(dir, 'worker'));
    cleanups.push(async () => {
      worker.signalGroup('SIGTERM');
      await worker.done;
    });

    const prepared = await preparePipelineFile({ file: fixture('pipelines', 'leaseCommit.ts'), pipeline: 'unhurriedRun', parameters: { dir: runDir }, options: { storeDir, enableCache: false } });
    const session = (engine.session = new EngineSession({ store, bundle: prepared.bundle, sourceFile: prepared.file, workingDir: prepared.workingDir, projectDir: prepared.projectDir, manifest: prepared.manifest, launcher: remoteLauncher(hub) }));
    cleanups.push(() => session.close());
    const plan = await session.prepare({ target: prepared.target, parameters: prepared.parameters, options: { enableCache: false } });
    const executed = session.execute(plan);

    await waitFor('attempt 1 to start on the worker', () => readPid(path.join(runDir, 'attempt-1.pid')), 30_000);
    const expired = await query(url, "UPDATE attempts SET lease_expires_at = now() - interval '1 second' WHERE step_id = 'unhurried' AND attempt = 1 AND state = 'running' RETURNING id");
    assert.equal(expired.length, 1, 'the worker holds attempt 1 by a lease row');
    fs.writeFileSync(path.join(runDir, 'release-1'), '');
    await waitFor('attempt 2 to start', () => readPid(path.join(runDir, 'attempt-2.pid')), 30_000);
    fs.writeFileSync(path.join(runDir, 'release-2'), '');
    await executed;

    const summary = await session.summary(plan.run.runId);
    assert.equal(summary.status, 'completed');
    const attempts = (await store.getAttempts(plan.run.runId)).filter((attempt) => attempt.invocationId === 'unhurried');
    assert.deepEqual(attempts.map((attempt) => attempt.status), ['lost', 'completed']);
    const lost = JSON.stringify(attempts[0]);
    assert.match(lost, /the lease of worker [^ ]+ on attempt 1 of \\"unhurried\\" expired \d+ ms ago by the database's clock: its outputs are not committed/);
    const outputs = await store.getOutputs(plan.run.runId, 'unhurried');
    assert.equal(await store.artifacts.get(outputs.output!), 'done by attempt 2');
    assert.equal(fs.readFileSync(path.join(runDir, 'finished'), 'utf8'), 'attempt 1\nattempt 2\n', 'both attempts ran to their end; only the second was committed');
    assert.deepEqual(await query(url, "SELECT attempt FROM attempts WHERE step_id = 'unhurried' AND state = 'committed'"), [{ attempt: 2 }]);
  });
});
