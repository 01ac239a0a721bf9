import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli } from '../support/cli';
import { finalRunDetail } from '../support/runDetail';
import { fixture, repoRoot, tempDir } from '../support/tempDir';
import { procState, spawnUnreaped } from '../support/unreapedChild';
import { readPid, waitFor, waitForAsync } from '../support/waitFor';

const pipewrightBin = path.join(repoRoot, 'runtime', 'bin', 'pipewright.js');

/**
 * Starts a `--no-daemon` run of `restartable` under a parent that never reaps it, then kills the
 * CLI and its runner once attempt 1 runs: the CLI is left a zombie, its run still `running`.
 */
async function killInProcessRunLeavingZombie(dir: string, store: string): Promise<void> {
  const args = [pipewrightBin, '--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'restartable', '--param', `dir=${dir}`, '--no-cache', '--no-daemon'];
  const engine = await spawnUnreaped(process.execPath, args, { dir, log: path.join(dir, 'engine.log') });
  const runner = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
  process.kill(engine.pid, 'SIGKILL');
  process.kill(runner, 'SIGKILL');
  await waitFor('the killed CLI to be a zombie', () => procState(engine.pid) === 'Z');
}

describe('a killed engine that nobody reaps (a zombie) is dead', () => {
  it('a daemon left a zombie: the next `server start` resumes its run, which finishes', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    // The daemon's parent never reaps it, as in a container whose init does not reap.
    const daemon = await spawnUnreaped(process.execPath, [pipewrightBin, '__server', store, '127.0.0.1', '0', 'exact'], { dir, log: path.join(dir, 'daemon.log') });
    await waitFor('the daemon to listen', () => readPid(path.join(store, 'server', 'pid')) === daemon.pid);
    const started = await cli(['--store', store, 'run', fixture('pipelines', 'faults.ts'), '--pipeline', 'restartable', '--param', `dir=${dir}`, '--no-cache', '--detach']);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const runner = await waitFor('attempt 1 to start', () => readPid(path.join(dir, 'attempt-1.pid')));
    process.kill(daemon.pid, 'SIGKILL');
    process.kill(runner, 'SIGKILL');
    await waitFor('the killed daemon to be a zombie', () => procState(daemon.pid) === 'Z');
    const restarted = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(restarted.stdout).state, 'active', restarted.stderr);
    assert.notEqual(JSON.parse(restarted.stdout).pid, daemon.pid);
    await waitFor('attempt 2 to start on the new daemon', () => readPid(path.join(dir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    assert.deepEqual(detail.steps.find((s) => s.id === 'patient')?.history.map((h) => h.status), ['lost', 'completed']);
    assert.equal(procState(daemon.pid), 'Z', 'the old daemon was still an unreaped zombie throughout');
  });

  it('a CLI run killed and left a zombie: `runs list` resumes it on a daemon it starts, and it finishes', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    await killInProcessRunLeavingZombie(dir, store);
    const listed = await cli(['--store', store, 'runs', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, /started the orchestrator daemon .*\(pid \d+\).*pipewright --store .* server stop/);
    const db = await openRunStore(store, 'readWrite');
    let runId: string;
    try {
      const [run] = await db.listRuns();
      runId = run.id;
      // Resumed before anything was shown: the run now belongs to the live daemon.
      assert.equal(run.enginePid, readPid(path.join(store, 'server', 'pid')));
    } finally {
      await db.close();
    }
    await waitFor('attempt 2 to start', () => readPid(path.join(dir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const detail = await finalRunDetail(store, runId);
    assert.equal(detail.status, 'completed', JSON.stringify(detail));
    assert.deepEqual(detail.steps.find((s) => s.id === 'patient')?.history.map((h) => h.status), ['lost', 'completed']);
  });

  it('a running daemon resumes a run whose CLI engine died, with no command run after', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const server = await cli(['--store', store, 'server', 'start', '--json']);
    assert.equal(JSON.parse(server.stdout).state, 'active', server.stderr);
    await killInProcessRunLeavingZombie(dir, store);
    await waitFor('the daemon to start attempt 2 by itself', () => readPid(path.join(dir, 'attempt-2.pid')));
    fs.writeFileSync(path.join(dir, 'release-2'), '');
    const db = await openRunStore(store, 'readWrite');
    try {
      const run = await waitForAsync('the run to complete', async () => {
        const [row] = await db.listRuns();
        return row.status !== 'running' && row;
      });
      assert.equal(run.status, 'completed');
      assert.equal(run.enginePid, JSON.parse(server.stdout).pid);
    } finally {
      await db.close();
    }
  });
});
