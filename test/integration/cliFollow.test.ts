// Following a run live: `logs --follow` and `runs watch` on a detached run whose step waits for
// a file the test creates, on a run executing outside the orchestrator, and the event stream's
// replay they read. Real CLI processes, a real daemon, real SQLite files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { lastJson, spawnCli } from '../support/cli';
import { env, nextCommands, oneLineError, pw, slow, withStore, type Summary } from '../support/cliWorkflow';
import { tempDir } from '../support/tempDir';
import { isAlive, waitFor } from '../support/waitFor';

describe('following a detached run live', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  /** A detached run of a step that waits until `gate/open` exists (and fails if `gate` goes). */
  async function startGated(name: string): Promise<{ runId: string; gate: string; hint: string[][] }> {
    const gate = path.join(dir, name);
    fs.mkdirSync(gate);
    const started = await pw(store, ['run', slow, '--param', `marker=${path.join(gate, 'open')}`, '--detach', '--no-cache']);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    assert.match(runId, /^[0-9a-f-]{36}$/, 'stdout holds only the run id');
    return { runId, gate, hint: nextCommands(started.stderr) };
  }
  const status = (runId: string) => withStore(store, async (db) => (await db.getRun(runId))?.status);

  it('logs --follow and runs watch print while the run goes on and return when it completes (exit 0)', async () => {
    const { runId, gate, hint } = await startGated('gate-ok');
    assert.deepEqual(hint, [
      ['--store', store, 'runs', 'watch', runId],
      ['--store', store, 'logs', runId, '--follow'],
      ['--store', store, 'runs', 'cancel', runId],
    ]);
    const follow = spawnCli(hint[1], { env });
    const watch = spawnCli(hint[0], { env });
    let ended = 0;
    void follow.done.then(() => ended++);
    void watch.done.then(() => ended++);
    await waitFor('logs --follow to print the waiting step’s output', () => follow.stdout().includes('waiting\n'));
    await waitFor('runs watch to show the step running and its output', () => /▶ wait\s+running/.test(watch.stdout()) && watch.stdout().includes('│ wait: waiting'));
    assert.equal(await status(runId), 'running', 'printed live, before the run ended');
    assert.equal(ended, 0, 'both still following');
    fs.writeFileSync(path.join(gate, 'open'), '');
    const [followed, watched] = await Promise.all([follow.done, watch.done]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, '── wait attempt 1\nwaiting\n');
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /✔ wait\s+completed/);
    assert.match(watched.stdout, /✔ after\s+completed/);
    assert.match(watched.stdout, /Run \S+ completed\n/);
    assert.deepEqual(nextCommands(watched.stdout).map((args) => args.slice(2, 4)), [['runs', 'show'], ['artifacts', 'list']]);

    // Once the run is over, both answer at once with its outcome.
    const again = await pw(store, ['logs', runId, 'wait', '--follow']);
    assert.deepEqual([again.code, again.stdout], [0, 'waiting\n']);
    const rewatch = await pw(store, ['runs', 'watch', runId, '--json']);
    assert.equal(rewatch.code, 0, rewatch.stderr);
    assert.equal(lastJson<Summary>(rewatch).status, 'completed');
    assert.match(rewatch.stderr, /already completed/);
  });

  it('return with exit 1 when the followed run fails', async () => {
    const { runId, gate } = await startGated('gate-fail');
    const follow = spawnCli(['--store', store, 'logs', runId, 'wait', '--follow'], { env });
    const watch = spawnCli(['--store', store, 'runs', 'watch', runId], { env });
    await waitFor('logs --follow to print the step’s output', () => follow.stdout().includes('waiting\n'));
    await waitFor('runs watch to show the step running', () => /▶ wait\s+running/.test(watch.stdout()));
    assert.equal(await status(runId), 'running');
    // The step fails once its gate folder is gone.
    fs.rmSync(gate, { recursive: true });
    const [followed, watched] = await Promise.all([follow.done, watch.done]);
    assert.equal(followed.code, 1, followed.stderr);
    assert.equal(followed.stdout, 'waiting\n');
    assert.equal(watched.code, 1, watched.stderr);
    assert.match(watched.stdout, /✖ wait\s+failed/);
    assert.deepEqual(nextCommands(watched.stdout), [
      ['--store', store, 'logs', runId, 'wait'],
      ['--store', store, 'runs', 'show', runId],
      ['--store', store, 'runs', 'retry', runId],
    ]);
    oneLineError(await pw(store, ['logs', runId, '--follow', '--json']), /--follow prints output as it comes; it cannot be combined with --json/);
  });

  it('also return when a run executing outside the orchestrator (--no-daemon) ends, though it streams nothing', async () => {
    const gate = path.join(dir, 'gate-elsewhere');
    fs.mkdirSync(gate);
    // Up first: the two followers below would otherwise each start one.
    assert.equal((await pw(store, ['server', 'start'])).code, 0);
    const inProcess = spawnCli(['--store', store, 'run', slow, '--param', `marker=${path.join(gate, 'open')}`, '--no-daemon', '--no-cache'], { env });
    const runId = await waitFor('the in-process run to start', () => /^Run \S+ \(([0-9a-f-]{36})\)/.exec(inProcess.stdout())?.[1]);
    await waitFor('its step to run', () => inProcess.stdout().includes('wait: waiting'));
    const watch = spawnCli(['--store', store, 'runs', 'watch', runId], { env });
    const follow = spawnCli(['--store', store, 'logs', runId, '--follow'], { env });
    await waitFor('runs watch to start following', () => watch.stdout().includes(`Watching run`));
    assert.equal(await status(runId), 'running');
    fs.writeFileSync(path.join(gate, 'open'), '');
    assert.equal((await inProcess.done).code, 0);
    const [watched, followed] = await Promise.all([watch.done, follow.done]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.deepEqual(nextCommands(watched.stdout).map((args) => args.slice(2, 4)), [['runs', 'show'], ['artifacts', 'list']]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, '── wait attempt 1\nwaiting\n', 'its output, from the store, once');
  });
});

describe('following across a daemon restart', () => {
  it('logs --follow resumes after the last event it printed once the daemon is back', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const gate = path.join(dir, 'gate');
    fs.mkdirSync(gate);
    const started = await pw(store, ['run', slow, '--param', `marker=${path.join(gate, 'open')}`, '--detach', '--no-cache']);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    const follow = spawnCli(['--store', store, 'logs', runId, '--follow'], { env });
    await waitFor('logs --follow to print the step’s output', () => follow.stdout().includes('waiting\n'));
    const daemon = Number(fs.readFileSync(path.join(store, 'server', 'pid'), 'utf8'));
    process.kill(daemon, 'SIGKILL');
    await waitFor('the daemon to die', () => !isAlive(daemon));
    const restarted = await pw(store, ['server', 'start', '--json']);
    assert.equal((JSON.parse(restarted.stdout) as { state: string }).state, 'active', restarted.stderr);
    // The step's runner outlived its daemon; it finishes now, under the new one.
    fs.writeFileSync(path.join(gate, 'open'), '');
    const followed = await follow.done;
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, '── wait attempt 1\nwaiting\n', 'nothing lost, nothing repeated');
    assert.equal(await withStore(store, async (db) => (await db.getRun(runId))?.status), 'completed');
  });
});

describe('the event stream a follow reads', () => {
  it('replays every stored event of a run, beyond one page of the store, then goes on live', async () => {
    const store = path.join(tempDir(), 'store');
    const client = await connectDaemon(store);
    const stored = 10_050;
    // Log lines stored as events of the stream (as the daemon stores them: once, numbered).
    const lastSeq = await withStore(store, async (db) => {
      let seq = 0;
      for (let i = 0; i < stored; i++) await db.appendLog({ runId: 'many', invocationId: null, attempt: null, stream: 'stdout', text: `${i}\n`, at: i }, ++seq);
      return seq;
    });
    let seen = 0;
    let previous = 0;
    await client.follow(
      (event) => {
        assert.ok(event.seq > previous, 'in order, no repeats');
        previous = event.seq;
        seen++;
        return event.seq === lastSeq;
      },
      { runId: 'many', signal: AbortSignal.timeout(60_000) },
    );
    assert.equal(seen, stored);
  });
});
