import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli, lastJson, type CliResult } from '../support/cli';
import { fixture, tempDir, tempProject } from '../support/tempDir';

interface Summary {
  runId: string;
  runName: string;
  pipeline: string;
  status: string;
  steps: { id: string; step: string; status: string; attempts: number; cached: boolean; durationMs: number | null }[];
}

const basics = fixture('pipelines', 'basics.ts');

function oneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0], pattern);
}

describe('pipewright run', () => {
  const store = path.join(tempDir(), 'store');

  it('shows live progress and ends with a JSON summary with --json', async () => {
    const human = await cli(['--store', store, 'run', basics, '--param', 'count=6']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /▶ makeRows\s+running/);
    assert.match(human.stdout, /✔ combine\s+completed\s+\d+ ms\s+attempt 1/);
    assert.match(human.stdout, /│ makeRows: making 6 rows/);
    const json = await cli(['--store', store, 'run', basics, '--param', 'count=6', '--param', 'scales=[1,2]', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const summary = lastJson<Summary>(json);
    assert.equal(summary.pipeline, 'basics');
    assert.equal(summary.status, 'completed');
    assert.deepEqual(Object.keys(summary.steps[0]).sort(), ['attempts', 'cached', 'durationMs', 'id', 'status', 'step']);
    assert.equal(summary.steps.find((s) => s.id === 'makeRows')?.cached, true);
    assert.equal(summary.steps.length, 6);
  });

  it('runs from a YAML config with per-step overrides', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'run.yaml');
    fs.writeFileSync(config, ['parameters:', '  count: 4', 'runName: "from-config-{date}"', 'enableCache: false', 'steps:', '  final_report:', '    parameters:', '      label: overridden', ''].join('\n'));
    const result = await cli(['--store', store, 'run', basics, '--config', config, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<Summary>(result);
    assert.match(summary.runName, /^from-config-\d{4}_\d{2}_\d{2}$/);
    assert.ok(summary.steps.every((s) => s.status === 'completed'));
    const artifact = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'final_report']);
    assert.equal(artifact.stdout.trim(), 'overridden: 36');
  });

  it('a single step with given inputs', async () => {
    const result = await cli(['--store', store, 'run', basics, '--step', 'report', '--param', 'value=41', '--param', 'label=answer', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<Summary>(result);
    assert.deepEqual(summary.steps.map((s) => [s.id, s.status]), [['report', 'completed']]);
    const artifact = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'report']);
    assert.equal(artifact.stdout.trim(), 'answer: 41');
  });

  it('detached: returns the run id at once and the run finishes in the background', async () => {
    const result = await cli(['--store', store, 'run', basics, '--param', 'count=3', '--detach', '--no-cache']);
    assert.equal(result.code, 0, result.stderr);
    const runId = result.stdout.trim();
    assert.match(runId, /^[0-9a-f-]{36}$/);
    let summary: Summary | undefined;
    for (let i = 0; i < 600; i++) {
      summary = lastJson<Summary>(await cli(['--store', store, 'runs', 'show', runId, '--json']));
      if (summary.status !== 'running') break;
    }
    assert.equal(summary?.status, 'completed');
  });

  it('a failed run exits 1', async () => {
    const result = await cli(['--store', store, 'run', fixture('pipelines', 'retries.ts'), '--param', 'succeedOn=1', '--param', 'includeDoomed=true', '--json']);
    assert.equal(result.code, 1);
    assert.equal(lastJson<Summary>(result).status, 'failed');
  });

  it('bad input: one line naming what and where, exit 2', async () => {
    oneLineError(await cli(['--store', store, 'run', 'nope/missing.ts']), /pipeline file not found: nope\/missing\.ts/);
    oneLineError(await cli(['--store', store, 'run', basics, '--pipeline', 'ghost']), /no pipeline named "ghost".*basics/);
    oneLineError(await cli(['--store', store, 'run', basics, '--param', 'count=abc']), /--param count.*number.*abc/);
    oneLineError(await cli(['--store', store, 'run', basics, '--param', 'nosuch=1']), /--param nosuch: "basics" has no parameter "nosuch"/);
    oneLineError(await cli(['--store', store, 'run', basics, '--param', 'count']), /--param count: expected key=value/);
    oneLineError(await cli(['--store', store, 'run', basics, '--mode', 'sometimes', '--param', 'count=1']), /--mode sometimes: expected one of/);
    const dir = tempDir();
    const badYaml = path.join(dir, 'bad.yaml');
    fs.writeFileSync(badYaml, 'parameters:\n  count: 1\nexecutionMode: whenever\n');
    oneLineError(await cli(['--store', store, 'run', basics, '--config', badYaml]), /bad\.yaml: executionMode: /);
    const brokenYaml = path.join(dir, 'broken.yaml');
    fs.writeFileSync(brokenYaml, 'parameters: [1, 2\n');
    oneLineError(await cli(['--store', store, 'run', basics, '--config', brokenYaml]), /broken\.yaml:\d+:\d+: invalid YAML/);
    oneLineError(await cli(['--store', store, 'run', basics, '--config', path.join(dir, 'absent.yaml')]), /absent\.yaml: cannot read run config \(ENOENT\)/);
    const syntax = path.join(dir, 'syntax.ts');
    fs.writeFileSync(syntax, 'export const x = (;\n');
    const broken = await cli(['--store', store, 'run', syntax]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /syntax\.ts:1:\d+: /);
    oneLineError(await cli(['--store', store, 'runs', 'show', 'no-such-run']), /no run "no-such-run"/);
    oneLineError(await cli(['--store', store, 'artifacts', 'get', 'no-such-run', 'x']), /no run "no-such-run"/);
  });
});

describe('pipewright runs, logs, artifacts', () => {
  const store = path.join(tempDir(), 'store');

  it('lists and shows runs, prints logs per step, gets artifacts by step and output', async () => {
    const run = await cli(['--store', store, 'run', basics, '--param', 'count=8', '--json']);
    const summary = lastJson<Summary>(run);
    const list = await cli(['--store', store, 'runs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const runs = lastJson<Summary[]>(list) as unknown as Summary[];
    assert.equal(runs[0].runId, summary.runId);
    const human = await cli(['--store', store, 'runs']);
    assert.match(human.stdout, new RegExp(`${summary.runId.slice(0, 8)}\\s+completed\\s+basics`));
    const show = await cli(['--store', store, 'runs', 'show', summary.runName, '--json']);
    assert.deepEqual(lastJson<Summary>(show).steps.map((s) => s.id), summary.steps.map((s) => s.id));
    const logs = await cli(['--store', store, 'logs', summary.runId, 'makeRows']);
    assert.equal(logs.stdout.trim(), 'making 8 rows');
    const allLogs = await cli(['--store', store, 'logs', summary.runId]);
    assert.match(allLogs.stdout, /── makeRows attempt 1\nmaking 8 rows/);
    assert.match(allLogs.stderr, /combining 3 parts/);
    const test = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'split.test']);
    assert.deepEqual(JSON.parse(test.stdout), [{ x: 0, label: 'even' }, { x: 4, label: 'even' }]);
    const missing = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'split.validation']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no output "validation" \(outputs: (train, test|test, train)\)/);
    const out = path.join(tempDir(), 'combine.bin');
    const saved = await cli(['--store', store, 'artifacts', 'get', summary.runId, 'combine', '--out', out]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), '144');
  });
});

describe('pipewright runs retry', () => {
  it('re-runs failed and skipped steps reusing completed outputs, then one step on request', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    const failed = await cli(['--store', store, 'run', fixture('pipelines', 'fixable.ts'), '--param', `dir=${dir}`, '--json']);
    assert.equal(failed.code, 1);
    const first = lastJson<Summary>(failed);
    assert.deepEqual(first.steps.map((s) => s.status), ['completed', 'failed', 'skipped']);
    fs.writeFileSync(path.join(dir, 'fixed'), '');
    const retried = await cli(['--store', store, 'runs', 'retry', first.runId, '--json']);
    assert.equal(retried.code, 0, retried.stderr);
    const second = lastJson<Summary>(retried);
    assert.equal(second.runName, `${first.runName}-retry`);
    assert.deepEqual(second.steps.map((s) => [s.id, s.status]), [['gather', 'cached'], ['fragile', 'completed'], ['finish', 'completed']]);
    assert.equal(fs.readFileSync(path.join(dir, 'gathered'), 'utf8'), 'x', 'the completed step was reused, not re-run');
    const oneStep = await cli(['--store', store, 'runs', 'retry', second.runId, '--step', 'fragile', '--json']);
    assert.equal(oneStep.code, 0, oneStep.stderr);
    assert.deepEqual(lastJson<Summary>(oneStep).steps.map((s) => s.status), ['cached', 'completed', 'completed']);
    assert.equal(fs.readFileSync(path.join(dir, 'fragile-ran'), 'utf8'), 'xx');
    const unknown = await cli(['--store', store, 'runs', 'retry', second.runId, '--step', 'ghost']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no step "ghost"/);
  });
});

describe('pipewright check and dag', () => {
  it('reports wiring errors from the CLI with exit 1, and prints the static DAG as JSON', async () => {
    const dir = tempProject();
    const file = path.join(dir, 'wiring.ts');
    fs.writeFileSync(
      file,
      [
        "import { pipeline, step } from 'pipewright';",
        'export const a = step(function a(x: number): number { return x; });',
        "export const p = pipeline(function p() { const one = a(1); a.with({ after: ['nowhere'] })(2); a.with({ after: [one] })(3); });",
      ].join('\n'),
    );
    const check = await cli(['check', dir]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /wiring\.ts:3:\d+: error unknown-after-target: unknown after target "nowhere"/);
    const clean = await cli(['check', fixture('pipelines', 'basics.ts')]);
    assert.equal(clean.code, 0, clean.stdout);
    const dag = await cli(['dag', file, '--pipeline', 'p', '--json']);
    assert.equal(dag.code, 0, dag.stderr);
    const parsed = JSON.parse(dag.stdout) as { pipelines: { name: string; nodes: { id: string; inputs: { name: string; type: string }[]; outputs: { name: string; type: string }[] }[]; edges: { from: string; to: string; kind: string }[] }[]; diagnostics: unknown[] };
    assert.deepEqual(parsed.pipelines[0].nodes.map((n) => n.id), ['a', 'a_2', 'a_3']);
    assert.deepEqual(parsed.pipelines[0].nodes[0].inputs, [{ name: 'x', type: 'number' }]);
    assert.deepEqual(parsed.pipelines[0].nodes[0].outputs, [{ name: 'output', type: 'number' }]);
    assert.deepEqual(parsed.pipelines[0].edges, [{ from: 'a', fromOutput: null, to: 'a_3', toInput: null, kind: 'order' }]);
    assert.equal(parsed.diagnostics.length, 1);
    const missing = await cli(['dag', file, '--pipeline', 'ghost']);
    assert.equal(missing.code, 2);
  });
});
