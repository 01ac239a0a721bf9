// The API's POST /v1/plan against a real daemon (real HTTP on loopback, real runner processes, a
// real SQLite store): it answers what `pipewright plan --json` says, every prediction then comes
// true in a run, and bad input is refused naming the field. Needs the built runtime.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { answerStatus, type OrchestratorClient } from '../../runtime/src/api/client';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { cli, lastJson } from '../support/cli';
import { env } from '../support/cliWorkflow';
import { checkPlan, initialFixture, plan, run, source, type Plan } from '../support/planCheck';
import { waitForAsync } from '../support/waitFor';
import { tempProject } from '../support/tempDir';

describe('POST /v1/plan', () => {
  const dir = tempProject();
  const store = path.join(dir, 'store');
  const file = path.join(dir, 'edits.ts');
  after(() => stopDaemon(store));

  /** The route's plan and the CLI's of the same target: equal, and returned with the CLI's counts. */
  async function samePlan(client: OrchestratorClient, flags: string[], body: { params?: Record<string, string>; noCache?: boolean }, what: string): Promise<Plan> {
    const fromApi = await client.planRun({ file, workingDir: dir, ...body });
    const { summary, ...fromCli } = await plan(store, ['edits.ts', ...flags], dir);
    assert.deepEqual(fromApi, fromCli, `${what}: the route answers what pipewright plan --json says`);
    return { ...fromApi, summary };
  }

  it('answers what pipewright plan --json says, and the run then does what it predicted', { timeout: 300_000 }, async () => {
    const fixture = initialFixture([[], [0], [0, 1], [2], [1, 3]]);
    fs.writeFileSync(file, source(fixture));
    const client = await connectDaemon(store);

    const first = await samePlan(client, [], {}, 'before any run');
    assert.deepEqual(first.steps.map((s) => [s.id, s.action, s.reason]), [['s0', 'run', 'no entry yet'], ...[1, 2, 3, 4].map((i) => [`s${i}`, 'run', 'upstream will run'])]);
    await checkPlan(first, await run(store, ['edits.ts'], dir), store, 'first run');

    const reused = await samePlan(client, [], {}, 'after the run');
    assert.ok(reused.steps.every((s) => s.action === 'reuse'), JSON.stringify(reused.steps));
    await checkPlan(reused, await run(store, ['edits.ts'], dir), store, 'unchanged');

    fixture.versions[3] = 7;
    fs.writeFileSync(file, source(fixture));
    const edited = await samePlan(client, ['--param', 'scale=1'], { params: { scale: '1' } }, 'a body edited');
    assert.deepEqual(
      edited.steps.map((s) => [s.id, s.action === 'reuse' ? 'reuse' : s.reason]),
      [
        ['s0', 'reuse'],
        ['s1', 'reuse'],
        ['s2', 'reuse'],
        ['s3', 'code changed'],
        ['s4', 'upstream will run'],
      ],
    );
    // This run goes to the daemon that planned it.
    const submitted = await cli(['--store', store, 'run', 'edits.ts', '--param', 'scale=1', '--detach', '--json'], { cwd: dir, env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const { runId } = lastJson<{ runId: string }>(submitted);
    const ran = await waitForAsync('the daemon\'s run to end', async () => {
      const detail = await client.getRun({ run: runId });
      return detail.status !== 'running' && detail;
    }, 120_000);
    assert.equal(ran.status, 'completed');
    await checkPlan(edited, ran, store, 'body edited, run by the daemon');

    const scaled = await samePlan(client, ['--param', 'scale=2'], { params: { scale: '2' } }, 'a parameter');
    assert.equal(scaled.steps[0]?.reason, 'parameter changed');
    const uncached = await samePlan(client, ['--no-cache'], { noCache: true }, '--no-cache');
    assert.ok(uncached.steps.every((s) => s.reason === 'cache off'), JSON.stringify(uncached.steps));
  });

  it('refuses bad input, naming the field', { timeout: 120_000 }, async () => {
    const client = await connectDaemon(store);
    const refused = async (body: object, pattern: RegExp) => {
      await assert.rejects(client.planRun(body as never), (error: Error) => answerStatus(error) === 400 && pattern.test(error.message), `${JSON.stringify(body)} is refused with ${pattern}`);
    };
    await refused({ file: 'edits.ts' }, /^file: must be an absolute path \(got edits\.ts\)$/);
    await refused({ file: path.join(dir, 'missing.ts') }, /^file: no such file: .*missing\.ts$/);
    await refused({ file, config: path.join(dir, 'missing.yaml') }, /^config: no such file: .*missing\.yaml$/);
    await refused({ file, workingDir: path.join(dir, 'nowhere') }, /^workingDir: no such folder: .*nowhere$/);
    await refused({ file, step: 's1', pipeline: 'edits' }, /^step: step and pipeline cannot be combined/);
    // Schema errors from raw HTTP: a parameter that is not text, a field the route does not know.
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    for (const [body, pattern] of [
      [{ file, params: { scale: 2 } }, /params/],
      [{ file, cache: false }, /cache/],
    ] as const) {
      const response = await fetch(`${client.baseUrl}/v1/plan`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { error: string };
      assert.equal(response.status, 400, JSON.stringify(answer));
      assert.match(answer.error, pattern);
    }
    // A parameter's text that does not fit its type, and a run config that is not YAML: named as the route names them.
    await refused({ file, workingDir: dir, params: { scale: 'many' } }, /^params\.scale: /);
    const config = path.join(dir, 'bad.yaml');
    fs.writeFileSync(config, 'parameters: [unclosed\n');
    await refused({ file, config }, /^config: .*bad\.yaml.*invalid YAML/);
  });
});
