import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';
import { holdsFor, readPid, waitFor, waitForAsync } from '../support/waitFor';

/** Live (not zombie) runner processes whose parent is `daemon`, read from /proc. */
function runnersOf(daemon: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(ppid) === daemon && state !== 'Z' && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${path.sep}runner.js`);
      } catch {
        return false;
      }
    });
}

describe('the runner pool shrinks back after a burst', () => {
  it('after 6 concurrent runs, idle runners beyond the warm pool exit after the idle timeout; the warm ones stay', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const barrier = path.join(dir, 'barrier');
    fs.mkdirSync(barrier);
    const env = { PIPEWRIGHT_RUNNER_WARM: '2', PIPEWRIGHT_RUNNER_IDLE_TIMEOUT: '0.5' };
    const server = await cli(['--store', store, 'server', 'start', '--json'], { env });
    assert.equal(JSON.parse(server.stdout).state, 'active', server.stderr);
    const daemon = readPid(path.join(store, 'server', 'pid')) as number;
    const runs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const started = await cli(['--store', store, 'run', fixture('pipelines', 'burst.ts'), '--param', `dir=${barrier}`, '--param', 'count=6', '--no-cache', '--detach']);
      assert.equal(started.code, 0, started.stderr);
      runs.push(started.stdout.trim());
    }
    // Each run's step waits until all six hold a runner: six runners were busy at once.
    const db = await openRunStore(store, 'readWrite');
    let burst: number[];
    try {
      await waitForAsync('the six runs to complete', async () => (await Promise.all(runs.map((id) => db.getRun(id)))).every((run) => run?.status === 'completed'));
      burst = await Promise.all(runs.map(async (id) => (await db.getAttempts(id))[0].runnerPid as number));
      assert.equal(new Set(burst).size, 6);
    } finally {
      await db.close();
    }
    await waitFor('the pool to shrink to its warm size', () => runnersOf(daemon).length <= 2, 20_000);
    await holdsFor('two warm runners staying', 2000, () => runnersOf(daemon).length === 2);
    assert.ok(burst.filter((pid) => !runnersOf(daemon).includes(pid)).length >= 4, 'at least four of the burst runners exited');
  });

  it('a daemon keeps warm runners only for the bundle it ran last: those of an older bundle exit after the idle timeout', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const env = { PIPEWRIGHT_RUNNER_WARM: '2', PIPEWRIGHT_RUNNER_IDLE_TIMEOUT: '0.5' };
    const server = await cli(['--store', store, 'server', 'start', '--json'], { env });
    assert.equal(JSON.parse(server.stdout).state, 'active', server.stderr);
    const daemon = readPid(path.join(store, 'server', 'pid')) as number;
    const marker = path.join(dir, 'released');
    fs.writeFileSync(marker, '');
    const older = await cli(['--store', store, 'run', fixture('pipelines', 'burst.ts'), '--param', `dir=${dir}`, '--param', 'count=1', '--no-cache', '--json']);
    assert.equal(older.code, 0, older.stderr);
    const newer = await cli(['--store', store, 'run', fixture('pipelines', 'slow.ts'), '--param', `marker=${marker}`, '--no-cache', '--json']);
    assert.equal(newer.code, 0, newer.stderr);
    const db = await openRunStore(store, 'readWrite');
    let olderRunner: number;
    let newerRunners: number[];
    try {
      const [newRun, oldRun] = await db.listRuns();
      olderRunner = (await db.getAttempts(oldRun.id))[0].runnerPid as number;
      newerRunners = (await db.getAttempts(newRun.id)).map((a) => a.runnerPid as number);
    } finally {
      await db.close();
    }
    assert.ok(!newerRunners.includes(olderRunner), 'each bundle has its own runners');
    await waitFor("the older bundle's runner to exit", () => !runnersOf(daemon).includes(olderRunner), 20_000);
    await holdsFor("the newer bundle's runners staying warm", 2000, () => newerRunners.every((pid) => runnersOf(daemon).includes(pid)));
  });

  it('a malformed pool setting is refused by name before the daemon starts (exit 2)', async () => {
    const dir = tempDir();
    const result = await cli(['--store', path.join(dir, 'store'), 'server', 'start'], { env: { PIPEWRIGHT_RUNNER_IDLE_TIMEOUT: 'soon' } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /PIPEWRIGHT_RUNNER_IDLE_TIMEOUT: "soon" is not a number of seconds/);
    assert.equal(fs.existsSync(path.join(dir, 'store', 'server', 'pid')), false);
  });
});
