// The command line as a user meets it: what to do next after a run, listing runs and showing
// their parameters and outputs, listing artifacts, a retry with nothing to retry, unknown
// subcommands, and following a detached run live from the daemon's event stream. Real CLI
// processes, a real daemon, real SQLite files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ApiError } from '../../runtime/src/server/apiClient';
import { connectDaemon, startDaemon } from '../../runtime/src/server/daemonControl';
import { RunStore } from '../../runtime/src/store/runStore';
import { cli, lastJson, spawnCli, type CliResult } from '../support/cli';
import { fixture, tempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

interface Output {
  name: string;
  type: string;
  materializer: string;
  size: number;
  hash: string;
}

interface Summary {
  runId: string;
  runName: string;
  status: string;
  createdAt: string;
  durationMs: number | null;
  parameters?: Record<string, unknown>;
  steps: { id: string; status: string; outputs?: Output[] }[];
}

const basics = fixture('pipelines', 'basics.ts');
const fixable = fixture('pipelines', 'fixable.ts');
const slow = fixture('pipelines', 'slow.ts');
/** The outer environment must not choose for the test; times print in UTC. */
const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_ORCHESTRATOR_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_TOKEN: undefined, TZ: 'UTC' };
const pw = (store: string, args: string[]) => cli(['--store', store, ...args], { env });

/** The commands of the `next:` line in `text`, each as its arguments after `pipewright`. */
function nextCommands(text: string): string[][] {
  const line = text
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('next: '));
  assert.ok(line, `a "next:" line in:\n${text}`);
  return line
    .slice('next: '.length)
    .split(' · ')
    .map((command) => {
      const [program, ...args] = command.split(' ');
      assert.equal(program, 'pipewright');
      return args;
    });
}

function oneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

function byName(outputs: Output[]): Output[] {
  return outputs.toSorted((a, b) => a.name.localeCompare(b.name));
}

function withStore<T>(dir: string, read: (store: RunStore) => T): T {
  const store = RunStore.open(dir);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Table rows as cells (columns are two or more spaces apart). */
function rowsOf(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('after a run, one line of what to do next', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('a completed run suggests showing it and listing its artifacts, and each suggestion works', async () => {
    const result = await pw(store, ['run', basics, '--param', 'count=4']);
    assert.equal(result.code, 0, result.stderr);
    const runId = /^Run \S+ \(([0-9a-f-]{36})\)/.exec(result.stdout)?.[1] ?? '';
    assert.ok(runId, result.stdout);
    assert.match(result.stdout.trim().split('\n').at(-1) ?? '', /^next: /, 'the last line');
    const next = nextCommands(result.stdout);
    assert.deepEqual(next, [
      ['--store', store, 'runs', 'show', runId],
      ['--store', store, 'artifacts', 'list', runId],
    ]);
    for (const args of next) assert.equal((await cli(args, { env })).code, 0, args.join(' '));
  });

  it("a failed run suggests the failed step's logs, showing it and a retry; with --json the hint goes to stderr", async () => {
    const result = await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']);
    assert.equal(result.code, 1, result.stderr);
    const summary = lastJson<Summary>(result);
    assert.equal(summary.status, 'failed');
    assert.deepEqual(nextCommands(result.stderr), [
      ['--store', store, 'logs', summary.runId, 'fragile'],
      ['--store', store, 'runs', 'show', summary.runId],
      ['--store', store, 'runs', 'retry', summary.runId],
    ]);
    assert.doesNotMatch(result.stdout, /next:/);
    const logs = await cli(nextCommands(result.stderr)[0], { env });
    assert.equal(logs.code, 0, logs.stderr);
  });
});

describe('runs list: a table with start time and duration, filtered by status, limited', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('has a header, one row per run, --status and --limit, and refuses bad values', async () => {
    const completed = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=3', '--json']));
    const failed = lastJson<Summary>(await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']));
    assert.equal(failed.status, 'failed');
    const list = await pw(store, ['runs', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...rows] = rowsOf(list.stdout);
    assert.deepEqual(header, ['RUN', 'STATUS', 'PIPELINE', 'NAME', 'STEPS', 'STARTED', 'DURATION']);
    assert.deepEqual(
      rows.map((row) => row.slice(0, 6)),
      [failed, completed].map((run) => [run.runId.slice(0, 8), run.status, run.runName.split('-')[0], run.runName, run === failed ? '1/3' : '7/7', run.createdAt.slice(0, 19).replace('T', ' ')]),
    );
    for (const row of rows) assert.match(row[6], /^\d+ ms$|^\d+\.\d s$/);

    const onlyFailed = rowsOf((await pw(store, ['runs', 'list', '--status', 'failed'])).stdout).slice(1);
    assert.deepEqual(onlyFailed.map((row) => row[0]), [failed.runId.slice(0, 8)]);
    const both = rowsOf((await pw(store, ['runs', '--status', 'failed,completed'])).stdout).slice(1);
    assert.equal(both.length, 2);
    assert.equal((await pw(store, ['runs', 'list', '--status', 'running,cancelled'])).stdout.trim(), 'no runs match');
    const json = lastJson<Summary[]>(await pw(store, ['runs', 'list', '--status', 'completed', '--json'])) as unknown as Summary[];
    assert.deepEqual(json.map((run) => run.runId), [completed.runId]);
    const limited = rowsOf((await pw(store, ['runs', 'list', '--limit', '1'])).stdout).slice(1);
    assert.deepEqual(limited.map((row) => row[0]), [failed.runId.slice(0, 8)], 'the newest run');

    oneLineError(await pw(store, ['runs', 'list', '--status', 'failed,bogus']), /--status failed,bogus: unknown run status "bogus" \(statuses: running, completed, failed, cancelled, crashed\)/);
    oneLineError(await pw(store, ['runs', 'list', '--limit', '0']), /--limit 0: expected a whole number from 1 to 1000/);
    oneLineError(await pw(store, ['runs', 'list', '--limit', 'ten']), /--limit ten: expected a whole number/);
  });
});

describe('runs show and artifacts list: parameters and every output', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('shows the parameters and each step’s outputs (name, type, materializer, size, hash), in text and JSON', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=6', '--param', 'scales=[1,2]', '--json']));
    const recorded = withStore(store, (db) => Object.fromEntries(db.getSteps(run.runId).map((step) => [step.id, db.getOutputs(run.runId, step.id)])));
    const show = await pw(store, ['runs', 'show', run.runId]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /\n {2}params {3}count=6\n {11}scales=\[1,2\]\n/);
    const { train, test } = recorded.split;
    assert.match(show.stdout, new RegExp(`  split .*\\n      → train  Array  ${train.materializer}  ${train.size} B  ${train.hash.slice(0, 12)}\\n      → test   Array  ${test.materializer}  ${String(test.size).padStart(String(train.size).length)} B  ${test.hash.slice(0, 12)}\\n`));

    const json = lastJson<Summary & { steps: Record<string, unknown>[] }>(await pw(store, ['runs', 'show', run.runName, '--json']));
    assert.deepEqual(json.parameters, { count: 6, scales: [1, 2] });
    for (const step of json.steps) {
      for (const key of ['id', 'step', 'status', 'attempts', 'cached', 'durationMs', 'history']) assert.ok(key in step, `step field ${key} kept`);
      const expected = Object.entries(recorded[step.id as string]).map(([name, ref]) => ({ name, type: ref.typeName, materializer: ref.materializer, size: ref.size, hash: ref.hash }));
      assert.deepEqual(byName(step.outputs as Output[]), byName(expected), `outputs of ${step.id as string}`);
    }
    // In the order the step declares them.
    assert.deepEqual((json.steps.find((step) => step.id === 'split')?.outputs as Output[]).map((o) => o.name), ['train', 'test']);
  });

  it('artifacts list names every output of every step (or of one step), and artifacts get still reads them', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=5', '--param', 'scales=[3]', '--json']));
    const list = await pw(store, ['artifacts', 'list', run.runId, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as { step: string; output: string; type: string; materializer: string; size: number; hash: string }[];
    const expected = withStore(store, (db) =>
      db.getSteps(run.runId).flatMap((step) => Object.entries(db.getOutputs(run.runId, step.id)).map(([output, ref]) => ({ step: step.id, output, type: ref.typeName, materializer: ref.materializer, size: ref.size, hash: ref.hash }))),
    );
    const key = (e: { step: string; output: string }) => `${e.step}.${e.output}`;
    assert.deepEqual(entries.toSorted((a, b) => key(a).localeCompare(key(b))), expected.toSorted((a, b) => key(a).localeCompare(key(b))));
    // In step order, each step's outputs in the order it declares them.
    assert.deepEqual(
      entries.map((e) => `${e.step}.${e.output}`),
      ['makeRows.output', 'split.train', 'split.test', 'total.output', 'combine.output', 'final_report.output'],
    );
    const saved = path.join(dir, 'combine.bin');
    assert.equal((await pw(store, ['artifacts', 'get', run.runId, 'combine', '--out', saved])).code, 0);
    assert.equal(fs.statSync(saved).size, entries.find((e) => e.step === 'combine')?.size);

    const [header, ...rows] = rowsOf((await pw(store, ['artifacts', 'list', run.runName])).stdout);
    assert.deepEqual(header, ['STEP', 'OUTPUT', 'TYPE', 'MATERIALIZER', 'SIZE', 'HASH']);
    assert.deepEqual(rows, entries.map((e) => [e.step, e.output, e.type, e.materializer, `${e.size} B`, e.hash.slice(0, 12)]));
    const split = rowsOf((await pw(store, ['artifacts', 'list', run.runId, 'split'])).stdout).slice(1);
    assert.deepEqual(split.map((row) => row[1]), ['train', 'test']);
    oneLineError(await pw(store, ['artifacts', 'list', run.runId, 'ghost']), /run \S+ has no step "ghost" \(steps: makeRows, split, total, combine, final_report\)/);
    oneLineError(await pw(store, ['artifacts', 'list', 'no-such-run']), /no run "no-such-run"/);

    const failed = lastJson<Summary>(await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']));
    const partial = JSON.parse((await pw(store, ['artifacts', 'list', failed.runId, '--json'])).stdout) as { step: string }[];
    assert.deepEqual(partial.map((e) => e.step), ['gather'], 'only what was committed');
    assert.match((await pw(store, ['artifacts', 'list', failed.runId, 'fragile'])).stdout, /step "fragile" of run \S+ has no committed outputs/);
  });
});

describe('runs retry of a run where every step succeeded', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');
  const runCount = () => withStore(store, (db) => db.listRuns({ limit: 1000 }).length);

  it('says there is nothing to retry and exits 0, making no run, from the CLI and the API alike', async () => {
    const run = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=2', '--json']));
    assert.equal(run.status, 'completed');
    const before = runCount();
    const retry = await pw(store, ['runs', 'retry', run.runId]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`run ${run.runName} is completed and every step succeeded: nothing to retry; to re-run one step and what depends on it: pipewright --store ${store} runs retry ${run.runId} --step STEP`));
    const json = await pw(store, ['runs', 'retry', run.runName, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /nothing to retry/);
    assert.deepEqual([lastJson<Summary>(json).runId, lastJson<Summary>(json).status], [run.runId, 'completed'], 'the run that holds the result');
    const detached = await pw(store, ['runs', 'retry', run.runId, '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    assert.equal(detached.stdout.trim(), run.runId);
    assert.equal(runCount(), before, 'no empty run was made');

    const client = await connectDaemon(store);
    await assert.rejects(client.retryRun(run.runId), (error: unknown) => error instanceof ApiError && error.status === 409 && error.code === 'nothing-to-retry' && /nothing to retry/.test(error.message));
    assert.equal(runCount(), before);
    // One named step is always retried.
    const one = await client.retryRun(run.runId, 'split');
    assert.equal(one.parentRunId, run.runId);
    assert.equal(runCount(), before + 1);
  });
});

describe('an unknown subcommand', () => {
  const store = path.join(tempDir(), 'store');

  it('names the valid ones and exits 2, for every command group', async () => {
    const groups: [string, string][] = [
      ['runs', 'list, cancel, retry, show, watch'],
      ['services', 'list, start, status, stop, logs'],
      ['server', 'start, stop, status, logs'],
      ['artifacts', 'list, get'],
    ];
    for (const [group, valid] of groups) {
      oneLineError(await pw(store, [group, 'frobnicate']), new RegExp(`^pipewright: unknown command "${group} frobnicate" \\(${group} commands: ${valid}\\)\\n$`));
    }
    oneLineError(await pw(store, ['frobnicate']), /^pipewright: unknown command "frobnicate" \(commands: run, runs, logs, artifacts, server, services, check, dag\)\n$/);
    // The default subcommand still answers the bare group.
    const bare = await pw(store, ['runs', '--json']);
    assert.equal(bare.code, 2, 'no store yet: bad input, not an unknown command');
    assert.match(bare.stderr, /no pipewright store/);
  });
});

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
  const status = (runId: string) => withStore(store, (db) => db.getRun(runId)?.status);

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
    assert.equal(status(runId), 'running', 'printed live, before the run ended');
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
    assert.equal(status(runId), 'running');
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
    assert.equal(status(runId), 'running');
    fs.writeFileSync(path.join(gate, 'open'), '');
    assert.equal((await inProcess.done).code, 0);
    const [watched, followed] = await Promise.all([watch.done, follow.done]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.deepEqual(nextCommands(watched.stdout).map((args) => args.slice(2, 4)), [['runs', 'show'], ['artifacts', 'list']]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, '── wait attempt 1\nwaiting\n', 'its output, from the store, once');
  });
});

describe('the same commands against a remote orchestrator (--orchestrator URL)', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');
  const token = randomBytes(24).toString('base64url');
  // Run from a folder with no store of its own: everything comes from the orchestrator.
  const elsewhere = tempDir();
  const remote = (args: string[], url: string) => cli([...args, '--orchestrator', url], { cwd: elsewhere, env: { ...env, PIPEWRIGHT_ORCHESTRATOR_TOKEN: token } });

  it('shows parameters and outputs, lists artifacts and filters runs as locally; a retry with nothing to retry exits 0', async () => {
    const url = (await startDaemon(store, { token })).url ?? '';
    const completed = lastJson<Summary>(await pw(store, ['run', basics, '--param', 'count=3', '--json']));
    const failed = lastJson<Summary>(await pw(store, ['run', fixable, '--param', `dir=${dir}`, '--json']));

    const shown = lastJson<Summary>(await remote(['runs', 'show', completed.runId, '--json'], url));
    const local = lastJson<Summary>(await pw(store, ['runs', 'show', completed.runId, '--json']));
    assert.deepEqual(shown.parameters, { count: 3 });
    assert.deepEqual(shown.steps.map((s) => s.outputs), local.steps.map((s) => s.outputs));
    assert.match((await remote(['runs', 'show', completed.runId], url)).stdout, /params {3}count=3\n[^]*→ train {2}Array/);
    const listed = await remote(['artifacts', 'list', completed.runId, '--json'], url);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), JSON.parse((await pw(store, ['artifacts', 'list', completed.runId, '--json'])).stdout));

    const onlyFailed = lastJson<Summary[]>(await remote(['runs', 'list', '--status', 'failed', '--json'], url)) as unknown as Summary[];
    assert.deepEqual(onlyFailed.map((run) => run.runId), [failed.runId]);
    const refused = await fetch(`${url}/v1/runs?status=failed,bogus`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /status: unknown run status "bogus"/);

    const retry = await remote(['runs', 'retry', completed.runId], url);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, new RegExp(`nothing to retry; .*: pipewright runs retry ${completed.runId} --step STEP --orchestrator ${url}`));
    const watched = await remote(['runs', 'watch', failed.runId], url);
    assert.equal(watched.code, 1, 'a failed run watched exits 1');
    assert.deepEqual(nextCommands(watched.stdout)[0], ['logs', failed.runId, 'fragile', '--orchestrator', url]);
  });
});

describe('the event stream a follow reads', () => {
  it('replays every stored event of a run, beyond one page of the store, then goes on live', async () => {
    const store = path.join(tempDir(), 'store');
    const client = await connectDaemon(store);
    const stored = 10_050;
    const lastSeq = withStore(store, (db) =>
      db.transaction(() => {
        let seq = 0;
        for (let i = 0; i < stored; i++) seq = db.appendEvent('many', 'log', JSON.stringify({ type: 'log', runId: 'many', stream: 'stdout', text: `${i}\n`, at: i }), i);
        return seq;
      }),
    );
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
