import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastJsonLine, runArguments } from '../../../client/src/cli';
import { statusIcon } from '../../../client/src/format';
import { describeRuntime, locateRuntime } from '../../../client/src/runtimeLocator';
import { emptyRunsState, reduceRunEvent } from '../../../client/src/runState';
import { buildPipelineTree, buildRunTree, groupRunsByPipeline } from '../../../client/src/treeModel';
import { filterDescription, visibleRuns } from '../../../client/src/runsFilter';
import { dagHtml } from '../../../client/src/webviewHtml';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('tree building', () => {
  it('groups pipelines by file with step children and problem counts', () => {
    const tree = buildPipelineTree(
      [
        { uri: 'file:///w/src/b.ts', pipeline: 'zeta', steps: [{ id: 'load', step: 'load' }], diagnostics: { errors: 1, warnings: 0 } },
        { uri: 'file:///w/src/b.ts', pipeline: 'alpha', steps: [{ id: 'fit_2', step: 'fit' }, { id: 'fit', step: 'fit' }], diagnostics: { errors: 0, warnings: 2 } },
        { uri: 'file:///w/a.ts', pipeline: 'solo', steps: [], diagnostics: { errors: 0, warnings: 0 } },
      ],
      ['file:///w'],
    );
    assert.deepEqual(tree.map((n) => [n.label, n.description]), [['a.ts', ''], ['src/b.ts', '1 error, 2 warnings']]);
    assert.deepEqual(tree[1].children.map((n) => n.label), ['alpha', 'zeta']);
    assert.equal(tree[1].children[0].description, '2 steps · 2 warnings');
    assert.deepEqual(tree[1].children[0].children.map((n) => [n.label, n.description]), [['fit_2', 'fit'], ['fit', '']]);
  });

  it('builds runs with status icons, context values and step descriptions', () => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'r', runName: 'train-1', pipeline: 'train', status: 'running', at: 0 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'a', stepName: 'a', status: 'failed', attempt: 3, cached: false, durationMs: 1200, at: 10 });
    state = reduceRunEvent(state, { type: 'step', runId: 'r', invocationId: 'b', stepName: 'b', status: 'running', attempt: 1, cached: false, at: 0 });
    const [run] = buildRunTree(state, 2000, { intervalMs: 500, timeoutMs: 1500 });
    assert.equal(run.contextValue, 'run.running');
    // The status and progress lead (the label); the run's name follows.
    // Steps done are those that succeeded (a failed one is not done), as `pipewright runs list` counts them.
    assert.equal(run.label, 'running · 0/2 steps · 2.0 s');
    assert.equal(run.description, 'train-1');
    assert.deepEqual(run.icon, statusIcon('running'));
    assert.equal(run.children[0].description, 'failed · attempt 3 · 1.2 s');
    assert.equal(run.children[1].description, 'running · ♥ 2 s lost');
    state = reduceRunEvent(state, { type: 'run', runId: 'r', runName: 'train-1', pipeline: 'train', status: 'failed', at: 3000 });
    const [finished] = buildRunTree(state, 4000, { intervalMs: 500, timeoutMs: 1500 });
    assert.equal(finished.contextValue, 'run.retryable');
    assert.equal(finished.children[0].contextValue, 'step.retryable.started.failed', 'a failed step can be debugged');
    assert.equal(finished.children[1].contextValue, 'step.retryable.started', 'a step that did not fail is not offered for debugging');
  });
});

describe('the Runs view', () => {
  const events = (): ReturnType<typeof reduceRunEvent> => {
    let state = reduceRunEvent(emptyRunsState, { type: 'run', runId: 'a1', runName: 'train-1', pipeline: 'train', status: 'running', at: 0 });
    state = reduceRunEvent(state, { type: 'run', runId: 'a1', runName: 'train-1', pipeline: 'train', status: 'failed', at: 100 });
    state = reduceRunEvent(state, { type: 'run', runId: 'b1', runName: 'report-1', pipeline: 'report', status: 'completed', at: 200 });
    state = reduceRunEvent(state, { type: 'run', runId: 'a2', runName: 'train-1-retry', pipeline: 'train', status: 'running', at: 300 });
    return { ...state, runs: { ...state.runs, a2: { ...state.runs.a2, parentRunId: 'a1' } } };
  };

  it('groups runs by pipeline, the pipeline of the newest run first, and links a retry to its original', () => {
    const state = events();
    const groups = groupRunsByPipeline(buildRunTree(state, 400, { intervalMs: 500, timeoutMs: 1500 }), state);
    assert.deepEqual(groups.map((group) => [group.label, group.description]), [['train', '2 runs · 1 running'], ['report', '1 run']]);
    assert.deepEqual(groups[0].children.map((run) => [run.label, run.description]), [
      ['running · 100 ms', 'train-1-retry · retry of train-1'],
      ['failed · 100 ms', 'train-1'],
    ]);
    assert.match(groups[0].children[0].tooltip, /retry of train-1/);
  });

  it('filters by status and clears finished runs (never a running one), saying what it hides', () => {
    const state = events();
    const failed = visibleRuns(state, { statuses: ['failed'] });
    assert.deepEqual([failed.state.order, failed.hidden], [['a1'], 2]);
    const cleared = visibleRuns(state, { clearedBefore: 1000 });
    assert.deepEqual([cleared.state.order, cleared.hidden], [['a2'], 2], 'the running retry stays');
    assert.equal(visibleRuns(state, {}).state, state);
    assert.equal(filterDescription({ statuses: ['failed', 'running'] }, 2), 'failed, running · 2 hidden');
    assert.equal(filterDescription({}, 0), '');
  });
});

describe('runtime location and CLI', () => {
  it('prefers the workspace runtime and says when it falls back to the bundled one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-locate-'));
    const bundled = path.join(dir, 'ext', 'node_modules', 'pipewright');
    fs.mkdirSync(bundled, { recursive: true });
    fs.writeFileSync(path.join(bundled, 'package.json'), JSON.stringify({ name: 'pipewright', version: '9.9.9', bin: { pipewright: './bin/pipewright.js' } }));
    const workspace = path.join(dir, 'ws');
    fs.mkdirSync(workspace);
    const fallback = locateRuntime(workspace, bundled);
    assert.equal(fallback?.source, 'bundled');
    assert.match(describeRuntime(fallback, workspace), /not installed .* using the bundled pipewright 9.9.9/);
    const installed = path.join(workspace, 'node_modules', 'pipewright');
    fs.mkdirSync(installed, { recursive: true });
    fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'pipewright', version: '1.2.3' }));
    const found = locateRuntime(path.join(workspace), bundled);
    assert.equal(found?.source, 'workspace');
    assert.equal(found?.version, '1.2.3');
    assert.equal(locateRuntime(path.join(dir, 'nothing'), undefined), undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds run arguments and reads the --json summary line', () => {
    assert.deepEqual(runArguments('/w/p.ts', { pipeline: 'train' }, { lr: '0.1' }), ['run', '/w/p.ts', '--detach', '--json', '--pipeline', 'train', '--param', 'lr=0.1']);
    assert.deepEqual(runArguments('/w/p.ts', { step: 'fit' }, {}), ['run', '/w/p.ts', '--detach', '--json', '--step', 'fit']);
    assert.deepEqual(lastJsonLine('starting\n{"runId":"x"}\n'), { runId: 'x' });
    assert.equal(lastJsonLine('no json'), undefined);
  });

  it('renders the DAG page with a strict CSP and no inline data', () => {
    const html = dagHtml({ cspSource: 'vscode-resource:', nonce: 'N0nce', scriptUri: 's.js', styleUri: 's.css', title: 'DAG of <x>' });
    assert.match(html, /default-src 'none'; style-src vscode-resource:;.*script-src 'nonce-N0nce'/);
    assert.match(html, /<script nonce="N0nce" src="s.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /<x>/);
  });
});
