/** `pipewright check` and `pipewright dag`: the built CLI, as CI would run it. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli } from '../../support/cli';
import { fixture } from '../../support/tempDir';

interface PrintedDag {
  pipelines: {
    name: string;
    file: string;
    nodes: { id: string; step: string; file: string; range: unknown; inputs: { name: string; type: string }[]; outputs: { name: string; type: string }[]; options: Record<string, unknown> }[];
    edges: { from: string; fromOutput: string | null; to: string; toInput: string | null; kind: string }[];
  }[];
  diagnostics: { code: string }[];
}

describe('pipewright check', () => {
  it('prints the diagnostics of a folder and exits 1 when there are errors', async () => {
    const result = await cli(['check', fixture('analysis', 'diagnostics')]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /wiring\.ts:26:\d+: error input-type-mismatch: output "output" of "rows" is Row\[\]/);
    assert.match(result.stdout, /annotations\.ts:4:\d+: warning missing-parameter-type/);
    assert.match(result.stdout, /6 file\(s\): \d+ error\(s\)/);
  });

  it('exits 0 when there are only warnings or nothing, and turns annotation warnings into errors on request', async () => {
    assert.equal((await cli(['check', fixture('analysis', 'dag')])).code, 0);
    const annotations = fixture('analysis', 'diagnostics', 'annotations.ts');
    assert.equal((await cli(['check', annotations])).code, 0);
    const enforced = await cli(['check', annotations, '--enforce-type-annotations', '--json']);
    assert.equal(enforced.code, 1);
    assert.deepEqual([...new Set((JSON.parse(enforced.stdout) as { severity: string }[]).map((d) => d.severity))], ['error']);
  });

  it('exits 2 on bad input', async () => {
    const missing = await cli(['check', path.join(fixture('analysis'), 'no-such-folder')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder/);
    assert.equal((await cli(['check', fixture('analysis', 'README.md')])).code, 2);
  });
});

describe('pipewright dag', () => {
  it('prints the static DAG as JSON: nodes with file, range, typed inputs and outputs, options; named edges', async () => {
    const file = fixture('analysis', 'dag', 'options.ts');
    const result = await cli(['dag', file, '--pipeline', 'configured', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as PrintedDag;
    assert.deepEqual(printed.diagnostics, []);
    const [pipeline] = printed.pipelines;
    assert.equal(pipeline.name, 'configured');
    assert.equal(pipeline.file, file);
    assert.deepEqual(pipeline.nodes[0], {
      id: 'fetchRows',
      step: 'fetchRows',
      file,
      range: { start: { line: 17, character: 17 }, end: { line: 17, character: 31 } },
      inputs: [{ name: 'url', type: 'string' }],
      outputs: [{ name: 'output', type: 'string[]' }],
      options: { enableCache: false, retry: { maxRetries: 3, delay: 1, backoff: 2 }, hooks: { onSuccess: 'pipeline', onFailure: 'step' }, heartbeat: { interval: 5, timeout: 30 }, after: [] },
      definition: { file, range: { start: { line: 3, character: 25 }, end: { line: 8, character: 1 } } },
    });
    assert.deepEqual(pipeline.edges, [
      { from: 'fetchRows', fromOutput: 'output', to: 'countRows', toInput: 'rows', kind: 'data' },
      { from: 'fetchRows', fromOutput: 'output', to: 'cached', toInput: 'rows', kind: 'data' },
    ]);
  });

  it('prints every pipeline of a file, with order edges and dynamic nodes', async () => {
    const result = await cli(['dag', fixture('analysis', 'dag', 'features.ts'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as PrintedDag;
    assert.equal(printed.pipelines.length, 9);
    const ordering = printed.pipelines.find((p) => p.name === 'ordering');
    assert.ok(ordering?.edges.some((e) => e.kind === 'order' && e.from === 'last' && e.to === 'late' && e.fromOutput === null));
    const dynamic = printed.pipelines.find((p) => p.name === 'dynamicLoops');
    assert.deepEqual(dynamic?.nodes.map((n) => n.options.dynamic === true), [true, true, false]);
  });

  it('exits 2 for a missing file or an unknown pipeline', async () => {
    assert.equal((await cli(['dag', 'no-such-file.ts', '--json'])).code, 2);
    const unknown = await cli(['dag', fixture('analysis', 'dag', 'options.ts'), '--pipeline', 'ghost']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no pipeline named "ghost" \(pipelines: configured\)/);
  });
});
