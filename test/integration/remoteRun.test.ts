// `--orchestrator URL`: the real CLI, run from a project with no daemon of its own, bundles
// locally and submits to a real daemon elsewhere; the token only ever travels in the
// environment or an owner-only file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { startDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import type { RunStore } from '../../runtime/src/store/runStore';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, lastJson, type CliResult } from '../support/cli';
import { freePort } from '../support/freePort';
import { fixture, tempDir, tempProject } from '../support/tempDir';
import { waitForAsync } from '../support/waitFor';

/** Exactly one line on stderr, and a non-zero exit. */
function oneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, pattern);
}

describe('pipewright against a remote orchestrator (--orchestrator URL)', () => {
  const daemonStore = path.join(tempDir('pipewright-remote-'), 'store');
  const token = randomBytes(24).toString('base64url');
  // The author's project: it has no daemon and no server files, so nothing local can answer.
  const project = tempProject();
  const outside = tempDir('pipewright-outside-');
  let url = '';
  let store: RunStore;
  // The outer environment must not choose for the test.
  const clean = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_ORCHESTRATOR_URL: undefined, PIPEWRIGHT_ORCHESTRATOR_TOKEN: undefined };
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => cli(args, { cwd: project, env: { ...clean, ...env } });
  const runStatus = async (runId: string) => (await store.getRun(runId))?.status;

  before(async () => {
    for (const file of ['basics.ts', 'slow.ts']) fs.copyFileSync(fixture('pipelines', file), path.join(project, file));
    const status = await startDaemon(daemonStore, { token });
    assert.equal(status.state, 'active');
    url = status.url ?? '';
    store = await openRunStore(daemonStore, 'readWrite');
  });

  after(async () => {
    await store?.close();
    await stopDaemon(daemonStore);
  });

  it('runs a locally bundled pipeline on the remote daemon, which records it in its store', async () => {
    const result = await run(['run', 'basics.ts', '--param', 'count=4', '--no-cache', '--json', '--orchestrator', url], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: token });
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<RunSummary>(result);
    assert.equal(summary.status, 'completed');
    assert.match(result.stderr, /✔ final_report/, 'progress came back over the event stream');
    // Recorded by the daemon, in its own store.
    assert.equal(await runStatus(summary.runId), 'completed');
    assert.match((await store.getLogs(summary.runId, 'makeRows')).map((row) => row.text).join(''), /making 4 rows/);
    // Nothing local: no daemon was started for the project's store, no run recorded there.
    assert.equal(fs.existsSync(path.join(project, '.pipewright', 'server')), false);
    assert.equal(fs.existsSync(path.join(project, '.pipewright', 'pipewright.db')), false);
  });

  it('detached runs are listed, shown, logged, cancelled and retried through the URL from the environment', async () => {
    const env = { PIPEWRIGHT_ORCHESTRATOR_URL: url, PIPEWRIGHT_ORCHESTRATOR_TOKEN: token };
    const marker = path.join(outside, 'release');
    const started = await run(['run', 'slow.ts', '--param', `marker=${marker}`, '--detach'], env);
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.trim();
    await waitForAsync('the slow step to print', async () => (await store.getLogs(runId, 'wait')).some((row) => row.text.includes('waiting')));

    const listed = await run(['runs', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as RunSummary[]).find((r) => r.runId === runId)?.status, 'running');
    const shown = await run(['runs', 'show', runId.slice(0, 8), '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    const detail = lastJson<RunSummary>(shown);
    assert.equal(detail.runId, runId);
    assert.equal(detail.steps.find((s) => s.id === 'wait')?.history?.[0]?.status, 'running');
    const logs = await run(['logs', runId, 'wait'], env);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /waiting/);
    oneLineError(await run(['logs', runId, 'ghost'], env), 2, /has no step "ghost" \(steps: wait, after\)/);

    const cancelled = await run(['runs', 'cancel', runId], env);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    await waitForAsync('the run to be cancelled', async () => (await runStatus(runId)) === 'cancelled');

    // Retried on the daemon, with the marker present this time, and followed to the end.
    fs.writeFileSync(marker, '');
    const retried = await run(['runs', 'retry', runId, '--json'], env);
    assert.equal(retried.code, 0, retried.stderr);
    const second = lastJson<RunSummary>(retried);
    assert.equal(second.status, 'completed');
    assert.equal(await runStatus(second.runId), 'completed');
  });

  it('a wrong token is a clear error naming the URL and where the token came from; nothing is submitted', async () => {
    const before = (await store.listRuns({ limit: 1000 })).length;
    const wrong = await run(['run', 'basics.ts', '--param', 'count=2', '--orchestrator', url], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: 'not-the-token' });
    oneLineError(wrong, 2, new RegExp(`orchestrator at ${url.replace(/[.]/g, '\\.')} \\(--orchestrator\\) refused the token from \\$PIPEWRIGHT_ORCHESTRATOR_TOKEN \\(HTTP 401`));
    assert.doesNotMatch(wrong.stderr, /not-the-token/, 'the token is never echoed');
    oneLineError(await run(['runs', 'list'], { PIPEWRIGHT_ORCHESTRATOR_URL: url, PIPEWRIGHT_ORCHESTRATOR_TOKEN: 'nope' }), 2, /\(\$PIPEWRIGHT_ORCHESTRATOR_URL\) refused the token/);
    oneLineError(await run(['runs', 'list', '--orchestrator', url]), 2, /--orchestrator http:\/\/127\.0\.0\.1:\d+: no token; set \$PIPEWRIGHT_ORCHESTRATOR_TOKEN or pass --token-file FILE/);
    assert.equal((await store.listRuns({ limit: 1000 })).length, before);
    assert.equal(fs.existsSync(path.join(project, '.pipewright', 'server')), false);
  });

  it('reads the token from an owner-only file and refuses one that group or others can read', async () => {
    const file = path.join(outside, 'token');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const listed = await run(['runs', 'list', '--json', '--orchestrator', url, '--token-file', file], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: 'the file wins' });
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(Array.isArray(JSON.parse(listed.stdout)));
    fs.chmodSync(file, 0o644);
    const refused = await run(['run', 'basics.ts', '--param', 'count=2', '--orchestrator', url, '--token-file', file]);
    oneLineError(refused, 2, new RegExp(`--token-file ${file}: readable by group or others \\(mode 0644\\); refusing to use it\\. Make it owner-only: chmod 600 `));
    oneLineError(await run(['runs', 'list', '--orchestrator', url, '--token-file', path.join(outside, 'absent')]), 2, /--token-file .*absent: cannot read it \(ENOENT\)/);
    oneLineError(await run(['runs', 'list', '--token-file', file]), 2, /--token-file .*: only used with --orchestrator URL/);
  });

  it('an unreachable or malformed URL is a clear error, and no local daemon is started instead', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    oneLineError(
      await run(['run', 'basics.ts', '--param', 'count=2', '--orchestrator', closed], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: token }),
      1,
      new RegExp(`cannot reach the orchestrator at ${closed.replace(/[.]/g, '\\.')} \\(--orchestrator\\): connection refused .*ECONNREFUSED.*; nothing was sent`),
    );
    oneLineError(await run(['runs', 'cancel', 'x', '--orchestrator', 'localhost:7420'], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: token }), 2, /option '--orchestrator <url>' argument 'localhost:7420' is invalid\. expected an http\(s\) URL, not localhost:/);
    oneLineError(await run(['runs', 'list'], { PIPEWRIGHT_ORCHESTRATOR_URL: 'http://', PIPEWRIGHT_ORCHESTRATOR_TOKEN: token }), 2, /value 'http:\/\/' from env 'PIPEWRIGHT_ORCHESTRATOR_URL' is invalid/);
    oneLineError(await run(['run', 'basics.ts', '--orchestrator', 'http://user:secret@127.0.0.1:1']), 2, /must not carry credentials/);
    oneLineError(await run(['run', 'basics.ts', '--no-daemon', '--orchestrator', url], { PIPEWRIGHT_ORCHESTRATOR_TOKEN: token }), 2, /--no-daemon .* cannot be combined with --orchestrator/);
    assert.equal(fs.existsSync(path.join(project, '.pipewright', 'server')), false);
  });
});
