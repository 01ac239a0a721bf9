// The new listing, showing, retrying and watching commands against a remote orchestrator
// (`--orchestrator URL`, token in the environment): the same answers as locally. Real CLI
// processes, a real daemon with its own token, real SQLite files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startDaemon } from '../../runtime/src/api/daemonControl';
import { cli, lastJson } from '../support/cli';
import { basics, env, fixable, nextCommands, pw, type Summary } from '../support/cliWorkflow';
import { tempDir } from '../support/tempDir';

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
