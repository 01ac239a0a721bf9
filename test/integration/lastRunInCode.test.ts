// The last run in the code, over the real parts the extension puts together (no VS Code): the
// built language server's workspace symbols (where the lenses go), the extension's orchestrator
// connection following a real daemon's event stream (what they say), and drift between the
// server's live static graph and a run's stored DAG from the daemon's API.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { definitionsFromSymbols, type Definition } from '../../client/src/definitionSymbols';
import { lastRunLens } from '../../client/src/lastRunText';
import { OrchestratorConnection } from '../../client/src/orchestratorConnection';
import { dagDrift, driftLine } from '../../contracts/src/dagDrift';
import type { PipelinePlan } from '../../runtime/src/model/plan';
import type { PipelineGraph } from '../../contracts/src/graph';
import { startDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { LspClient } from '../lsp/lspClient';
import { lastJson } from '../support/cli';
import { basics, fixable, pw, type Summary } from '../support/cliWorkflow';
import { tempProject } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

describe('the last run above each definition, and drift in the DAG', () => {
  const project = tempProject();
  const store = path.join(project, '.pipewright');
  const pipelineFile = path.join(project, 'basics.ts');
  const fixableFile = path.join(project, 'fixable.ts');
  fs.copyFileSync(basics, pipelineFile);
  fs.copyFileSync(fixable, fixableFile);
  const uri = pathToFileURL(pipelineFile).toString();
  const server = new LspClient('stdio');
  const connection = new OrchestratorConnection((message) => assert.fail(message));
  after(async () => {
    connection.disconnect();
    await server.stop();
    await stopDaemon(store);
  });

  const definitions = async (file: string): Promise<Definition[]> => definitionsFromSymbols(await server.connection.sendRequest('workspace/symbol', { query: '' })).filter((d) => d.uri === pathToFileURL(file).toString());
  const lensOf = (definition: Definition) => lastRunLens(connection.runs, definition.kind === 'step' ? { kind: 'step', step: definition.name } : { kind: 'pipeline', pipeline: definition.name }, Date.now());

  it('puts a lens above each step and pipeline that ran, following the event stream', async () => {
    await server.initialize(project);
    await server.open(pipelineFile, fs.readFileSync(pipelineFile, 'utf8'));
    await server.open(fixableFile, fs.readFileSync(fixableFile, 'utf8'));
    await server.diagnostics((published) => published.uri === uri);
    const found = await definitions(pipelineFile);
    assert.deepEqual(found.map((d) => `${d.kind} ${d.name}`).sort(), ['pipeline basics', 'step combine', 'step makeRows', 'step report', 'step split', 'step total']);
    const text = fs.readFileSync(pipelineFile, 'utf8').split('\n');
    assert.match(text[found.find((d) => d.name === 'total')!.range.start.line]!, /const total = step/, 'the lens sits on the definition');

    const status = await startDaemon(store);
    await connection.connect('local', status.url!, fs.readFileSync(daemonFiles(store).token, 'utf8'));
    assert.deepEqual(found.map(lensOf), found.map(() => undefined), 'nothing before any run');

    const completed = lastJson<Summary>(await pw(store, ['run', pipelineFile, '--param', 'count=6', '--json']));
    assert.equal(completed.status, 'completed');
    // Live: the connection hears the run on the daemon's stream (it is never asked again).
    await waitFor('the run to end on the event stream', () => connection.runs.runs[completed.runId]?.status === 'completed');
    const titles = () => Object.fromEntries(found.map((d) => [d.name, lensOf(d)?.title]));
    const ran = titles();
    assert.match(ran.basics!, /^✓ \d+(\.\d)? (ms|s) · (just now|\d+ s ago)$/);
    assert.match(ran.makeRows!, /^✓ \d+(\.\d)? (ms|s) · /);
    assert.match(ran.total!, /^✓ 3\/3 · /, 'three fan-out invocations of total, summarised');

    const again = lastJson<Summary>(await pw(store, ['run', pipelineFile, '--param', 'count=6', '--json']));
    await waitFor('the second run to end', () => connection.runs.runs[again.runId]?.status === 'completed');
    assert.equal(lensOf(found.find((d) => d.name === 'makeRows')!)?.title, '◆ cached');
    assert.equal(lensOf(found.find((d) => d.name === 'total')!)?.title, '◆ 3/3 cached');
    const history = lensOf(found.find((d) => d.name === 'makeRows')!)!.tooltip.split('\n');
    assert.equal(history[0], 'Last 2 runs of step makeRows, newest first:');
    assert.match(history[2]!, new RegExp(`^✓ .*  —  ${completed.runName} \\(basics\\)$`));

    const failed = lastJson<Summary>(await pw(store, ['run', fixableFile, '--param', `dir=${project}`, '--json']));
    await waitFor('the failed run to end', () => connection.runs.runs[failed.runId]?.status === 'failed');
    const fragile = (await definitions(fixableFile)).find((d) => d.name === 'fragile')!;
    const lens = lensOf(fragile)!;
    assert.equal(lens.title, '✗ failed: not fixed yet');
    assert.deepEqual([lens.runId, lens.failed], [failed.runId, 'fragile'], 'the lens links the failed invocation of that run');
  });

  it('marks what changed in the code since the run the DAG shows', async () => {
    const runId = connection.runs.order.find((id) => connection.runs.runs[id]?.pipeline === 'basics')!;
    const runName = connection.runs.runs[runId]!.runName;
    const ranDag = await connection.api!.runDag({ run: runId });
    const graph = () => server.connection.sendRequest<PipelineGraph | null>('pipewright/pipelineGraph', { uri, pipeline: 'basics' });
    assert.deepEqual(dagDrift((await graph())!, ranDag, runName), { runName, added: [], removed: [], rewired: [] }, 'the static graph is the graph that ran');

    // The author drops the final report, adds a summary step and feeds combine from test instead of train.
    const edited = fs
      .readFileSync(pipelineFile, 'utf8')
      .replace("  report.with({ id: 'final_report', after: [test] })(sum, 'sum');\n", '  summary(sum);\n')
      .replace('scales.map((scale) => total(train, scale))', 'scales.map((scale) => total(test, scale))')
      .replace('export const basics = pipeline(', 'export const summary = step(function summary(value: number): string {\n  return `${value}`;\n});\n\nexport const basics = pipeline(');
    const since = server.graphChanges.length;
    await server.change(pipelineFile, edited, 2);
    await server.graphChanged((change) => change.uri === uri, since);
    const drift = dagDrift((await graph())!, ranDag, runName);
    assert.deepEqual(drift, { runName, added: ['summary'], removed: ['final_report'], rewired: ['total', 'total_2', 'total_3'] });
  });

  it("marks the steps whose saved code changed since the run, by the plan's code hashes against the run's DAG", async () => {
    const runId = connection.runs.order.find((id) => connection.runs.runs[id]?.pipeline === 'basics')!;
    const runName = connection.runs.runs[runId]!.runName;
    const ranDag = await connection.api!.runDag({ run: runId });
    const codeNow = async () => {
      const planned = lastJson<PipelinePlan>(await pw(store, ['plan', pipelineFile, '--param', 'count=6', '--json']));
      return new Map(planned.steps.map((step) => [step.id, step.codeHash]));
    };
    const graph = async () => (await server.connection.sendRequest<PipelineGraph | null>('pipewright/pipelineGraph', { uri, pipeline: 'basics' }))!;
    // The server sees the file as it is on disk again (the test before edited it in the editor only).
    const saved = async (text: string, version: number) => {
      fs.writeFileSync(pipelineFile, text);
      const since = server.graphChanges.length;
      await server.change(pipelineFile, text, version);
      await server.graphChanged((change) => change.uri === uri, since);
    };
    const original = fs.readFileSync(pipelineFile, 'utf8');
    await saved(original, 3);
    assert.deepEqual(dagDrift(await graph(), ranDag, runName, await codeNow()), { runName, added: [], removed: [], rewired: [], codeChanged: [] }, 'the code that ran, bundled again, has the same hashes');

    // combine's body changes (the graph does not): combine, and only it, has new code.
    await saved(original.replace('console.error(`combining ${parts.length} parts`);', 'console.error(`combining ${parts.length} parts, at last`);'), 4);
    const drift = dagDrift(await graph(), ranDag, runName, await codeNow());
    assert.deepEqual(drift, { runName, added: [], removed: [], rewired: [], codeChanged: ['combine'] });
    assert.equal(driftLine(drift), `Changed since run ${runName}: 1 code changed (combine)`);
  });
});
