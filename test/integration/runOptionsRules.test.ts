// Run options have one schema (`model/runOptions.ts`): the SDK's run, a CLI `--config` YAML file
// and the HTTP API refuse the same bad value, each naming the field and where it was given.
// (The bounds used to differ: maxParallel 5000 ran from the SDK and from YAML, the API refused it.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { connectDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { runCount } from '../support/cliWorkflow';
import { cli, lastJson } from '../support/cli';
import { fixture, tempProject } from '../support/tempDir';

const basics = fixture('pipelines', 'basics.ts');
const retries = fixture('pipelines', 'retries.ts');
const TOO_MANY = /maxParallel: Too big: expected number to be <=1024/;

describe('one rule for each run option', () => {
  const dir = tempProject();
  const store = path.join(dir, 'store');

  it('the SDK run refuses maxParallel 5000, naming the run options', async () => {
    await assert.rejects(runPipelineFile({ file: basics, parameters: { count: 2 }, options: { storeDir: store, maxParallel: 5000 } }), (error: Error) => {
      assert.equal(error.name, 'OptionsError');
      assert.match(error.message, /^run options: maxParallel: Too big: expected number to be <=1024$/);
      return true;
    });
    await assert.rejects(runPipelineFile({ file: basics, parameters: { count: 2 }, options: { storeDir: store, steps: { total: { retry: { maxRetries: -1 } } } } }), /^OptionsError: run options: steps\.total\.retry\.maxRetries: Too small: expected number to be >=0$/);
  });

  it('a YAML run config refuses it too, naming the file and the key (exit 2)', async () => {
    const config = path.join(dir, 'run.yaml');
    fs.writeFileSync(config, 'parameters:\n  count: 2\nmaxParallel: 5000\n');
    const result = await cli(['--store', store, 'run', basics, '--config', config, '--no-daemon']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr.trim(), new RegExp(`^pipewright: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${TOO_MANY.source}$`));
  });

  it('the HTTP API refuses it too, naming options.maxParallel (400, no run made)', async () => {
    const client = await connectDaemon(store);
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8').trim();
    const before = await runCount(store);
    const response = await fetch(`${client.baseUrl}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file: 'x.ts', target: { kind: 'pipeline', name: 'basics' }, bundle: 'x', options: { maxParallel: 5000 } }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, new RegExp(`^options\\.${TOO_MANY.source}$`));
    assert.equal(await runCount(store), before);
  });

  it('a step option out of bounds is refused at compile, naming the step, the field and where', async () => {
    const file = path.join(dir, 'badRetry.ts');
    fs.writeFileSync(file, "import { step, pipeline } from 'pipewright';\nexport const s = step({ retry: { maxRetries: 1.5 } }, function s(): number { return 1; });\nexport const p = pipeline(function p() { s(); });\n");
    const result = await cli(['--store', store, 'run', file, '--no-daemon'], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr.trim(), /^pipewright: .*badRetry\.ts:3:\d+: step "s": retry\.maxRetries: Invalid input: expected int, received number$/);
  });

  it('a pool name has one rule: a step option, a YAML per-step override and `worker --pool` refuse the same bad name, each naming where (exit 2)', async () => {
    const file = path.join(dir, 'badPool.ts');
    fs.writeFileSync(file, "import { step, pipeline } from 'pipewright';\nexport const s = step({ pool: 'gpu pool' }, function s(): number { return 1; });\nexport const p = pipeline(function p() { s(); });\n");
    const rule = "expected a name: a letter or digit first, then letters, digits, '.', '_' or '-', 100 at most";
    const compiled = await cli(['--store', store, 'run', file, '--no-daemon'], { cwd: dir });
    assert.equal(compiled.code, 2, compiled.stderr);
    assert.match(compiled.stderr.trim(), new RegExp(`^pipewright: .*badPool\\.ts:3:\\d+: step "s": pool: ${rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const config = path.join(dir, 'badPool.yaml');
    fs.writeFileSync(config, 'parameters:\n  count: 2\nsteps:\n  total: { pool: "-gpu" }\n');
    const overridden = await cli(['--store', store, 'run', basics, '--config', config, '--no-daemon']);
    assert.equal(overridden.code, 2, overridden.stderr);
    assert.ok(overridden.stderr.includes(`${config}: steps.total.pool: ${rule}`), overridden.stderr);
    const worker = await cli(['worker', '--orchestrator', 'http://127.0.0.1:1', '--token-file', config, '--pool', 'gpu/0']);
    assert.equal(worker.code, 2, worker.stderr);
    assert.ok(worker.stderr.includes(`--pool gpu/0: ${rule}`), worker.stderr);
  });

  it("a run's per-step override of a step option wins over the step's own, defaults filled (retry: one retry instead of three)", async () => {
    const config = path.join(dir, 'oneRetry.yaml');
    fs.writeFileSync(config, 'parameters:\n  succeedOn: 3\nenableCache: false\nsteps:\n  flaky: { retry: { maxRetries: 1 } }\n');
    type Summary = { status: string; steps: { id: string; status: string; attempts: number }[] };
    const overridden = await cli(['--store', store, 'run', retries, '--config', config, '--json', '--no-daemon']);
    assert.equal(overridden.code, 1, overridden.stderr);
    assert.deepEqual(lastJson<Summary>(overridden).steps.map((s) => [s.id, s.status, s.attempts]), [['flaky', 'failed', 2]]);
    const own = await cli(['--store', store, 'run', retries, '--param', 'succeedOn=3', '--no-cache', '--json', '--no-daemon']);
    assert.equal(own.code, 0, own.stderr);
    assert.deepEqual(lastJson<Summary>(own).steps.map((s) => [s.id, s.status, s.attempts]), [['flaky', 'completed', 3]]);
  });
});
