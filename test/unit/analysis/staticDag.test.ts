import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { PipelineDag } from '../../../runtime/src/model/dag';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { QuickFix } from '../../../server/src/analysis/model';
import { fixture, repoRoot, tempProject } from '../../support/tempDir';

interface Compilable {
  compile(parameters?: Record<string, unknown>): PipelineDag;
}

function edgeSet(edges: { from: string; fromOutput?: string; to: string; toInput?: string; kind: string }[]): string[] {
  return edges.map((e) => `${e.kind}:${e.from}.${e.fromOutput ?? ''}->${e.to}.${e.toInput ?? ''}`).sort();
}

/** The static DAG must be the DAG the runtime compiles: same ids, same edges. */
async function assertSameDag(file: string, pipeline: string, parameters: Record<string, unknown>): Promise<void> {
  const analysis = new Analyzer().analyze(file);
  const staticDag = analysis.pipelines.find((p) => p.name === pipeline);
  assert.ok(staticDag, `static analysis found ${pipeline} in ${file}`);
  const module = (await import(file)) as Record<string, Compilable>;
  const compiled = Object.values(module).find((value) => (value as unknown as { name?: string }).name === pipeline && typeof (value as Partial<Compilable>).compile === 'function');
  assert.ok(compiled, `the module exports ${pipeline}`);
  const runtimeDag = compiled.compile(parameters);
  assert.deepEqual(staticDag.nodes.map((n) => n.id), runtimeDag.nodes.map((n) => n.id), `${pipeline}: ids`);
  assert.deepEqual(edgeSet(staticDag.edges), edgeSet(runtimeDag.edges), `${pipeline}: edges`);
}

/** Applies single-line text edits (as a quick fix would), last position first. */
function applyEdits(source: string, edits: QuickFix['edits']): string {
  const lines = source.split('\n');
  for (const edit of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    const line = lines[edit.range.start.line];
    lines[edit.range.start.line] = line.slice(0, edit.range.start.character) + edit.newText + lines[edit.range.end.line].slice(edit.range.end.character);
  }
  return lines.join('\n');
}

describe('the static DAG equals the runtime-compiled DAG', () => {
  it('data edges, multiple outputs, after, fan-out over a literal default, fan-in of a list', () => assertSameDag(fixture('pipelines', 'basics.ts'), 'basics', { count: 4 }));
  it('composed pipelines inlined under namespaced ids', () => assertSameDag(fixture('pipelines', 'composition.ts'), 'composed', { a: 1, b: 2 }));
  it('the realistic example', () => assertSameDag(path.join(repoRoot, 'examples', 'iris', 'pipeline.ts'), 'training', {}));

  // Every feature example's top-level pipelines (those that run without parameters). Pipelines
  // that need parameters here are sub-pipelines, compared inside the pipeline that composes them.
  const featureDir = path.join(repoRoot, 'examples', 'features');
  const withParameters: Record<string, string[]> = { 'composition.ts': ['cleanAndScale'], 'fanOutFanIn.ts': ['wordLength'] };
  for (const name of fs.readdirSync(featureDir).filter((f) => f.endsWith('.ts')).sort()) {
    it(`examples/features/${name}`, async () => {
      const file = path.join(featureDir, name);
      const pipelines = new Analyzer().analyze(file).pipelines.map((p) => p.name).filter((p) => !(withParameters[name] ?? []).includes(p));
      assert.ok(pipelines.length > 0, `${name} defines pipelines`);
      for (const pipeline of pipelines) await assertSameDag(file, pipeline, {});
    });
  }
});

describe('workspaces', () => {
  it('uses the nearest tsconfig of each file (two roots, one with a path alias)', () => {
    const root = tempProject();
    for (const name of ['one', 'two']) fs.mkdirSync(path.join(root, name, 'lib'), { recursive: true });
    const steps = "import { step } from 'pipewright';\nexport const clean = step(function clean(x: number): number { return x; });\n";
    fs.writeFileSync(path.join(root, 'two', 'lib', 'steps.ts'), steps);
    fs.writeFileSync(path.join(root, 'two', 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, baseUrl: '.', paths: { '@steps/*': ['lib/*'] } } }));
    fs.writeFileSync(path.join(root, 'one', 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
    const usesAlias = "import { pipeline } from 'pipewright';\nimport { clean } from '@steps/steps';\nexport const p = pipeline(function p() { clean(clean(1)); });\n";
    fs.writeFileSync(path.join(root, 'two', 'main.ts'), usesAlias);
    fs.writeFileSync(path.join(root, 'one', 'main.ts'), usesAlias);
    const analyzer = new Analyzer();
    const two = analyzer.analyze(path.join(root, 'two', 'main.ts'));
    assert.deepEqual(two.pipelines[0].nodes.map((n) => n.id), ['clean', 'clean_2']);
    // Without that alias in its tsconfig, root one cannot resolve the import: no steps, and no crash.
    const one = analyzer.analyze(path.join(root, 'one', 'main.ts'));
    assert.deepEqual(one.pipelines[0].nodes, []);
  });
});

describe('diagnostics', () => {
  function analyse(source: string, enforce = false) {
    const dir = tempProject();
    const file = path.join(dir, 'p.ts');
    fs.writeFileSync(file, source);
    const analyzer = new Analyzer();
    analyzer.enforceTypeAnnotations = enforce;
    return analyzer.analyze(file);
  }

  it('reports missing annotations and any (errors under enforceTypeAnnotations), with ranges', () => {
    const source = "import { step } from 'pipewright';\nexport const s = step(function s(a, b: any) { return a; });\n";
    const loose = analyse(source);
    assert.deepEqual(loose.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]), [
      ['missing-parameter-type', 'warning', 1],
      ['parameter-any', 'warning', 1],
      ['missing-return-type', 'warning', 1],
    ]);
    assert.deepEqual(analyse(source, true).diagnostics.map((d) => d.severity), ['error', 'error', 'error']);
  });

  it('reports invalid retry and heartbeat values, unknown placeholders, duplicate ids, unknown after targets, steps outside pipelines', () => {
    const source = [
      "import { pipeline, step as s } from 'pipewright';",
      'export const a = s({ retry: { maxRetries: -1, backoff: 0.5 }, heartbeat: { interval: 2, timeout: 1 } }, function a(x: number): number { return x; });',
      "export const p = pipeline({ runName: '{date}-{team}-{nope}', substitutions: { team: 'ml' } }, function p() {",
      "  a.with({ id: 'one' })(1);",
      "  a.with({ id: 'one' })(2);",
      "  a.with({ after: ['ghost'] })(3);",
      '});',
      'a(4);',
    ].join('\n');
    const codes = analyse(source).diagnostics.map((d) => `${d.code}@${d.range.start.line}`).sort();
    assert.deepEqual(codes, [
      'duplicate-invocation-id@4',
      'invalid-heartbeat@1',
      'invalid-retry@1',
      'invalid-retry@1',
      'step-outside-pipeline@7',
      'unknown-after-target@5',
      'unknown-run-name-placeholder@2',
    ]);
  });

  it('offers quick fixes: inferred annotations, and removing an unknown after target', () => {
    const source = [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number, rate = 0.5) { return [x * rate]; });',
      "export const p = pipeline(function p() { a.with({ after: ['ghost', 'a'] })(1); a(2); });",
    ].join('\n');
    const analysis = analyse(source);
    const apply = (code: string) => {
      const fix = analysis.diagnostics.find((d) => d.code === code)?.fix;
      assert.ok(fix, `a fix for ${code}`);
      return applyEdits(source, fix.edits);
    };
    assert.match(apply('missing-parameter-type'), /function a\(x: number, rate: number = 0\.5\)/);
    assert.match(apply('missing-return-type'), /function a\(x: number, rate = 0\.5\): number\[\] \{/);
    assert.match(apply('unknown-after-target'), /after: \['a'\]/);
    const fixed = analyse(apply('unknown-after-target'));
    assert.equal(fixed.diagnostics.filter((d) => d.code === 'unknown-after-target').length, 0);
  });

  it('type-checks the wiring, tuple returns and declared outputs', () => {
    const source = [
      "import { pipeline, step } from 'pipewright';",
      'interface Row { x: number }',
      'export const rows = step(async function rows(): Promise<Row[]> { return []; });',
      'export const sum = step(function sum(values: number[]): number { return values.length; });',
      'export const one = step(function one(row: Row): number { return row.x; });',
      'export const pair = step(function pair(): [number, string] { return [1, "a"]; });',
      "export const split = step({ outputs: ['train', 'test', 'extra'] }, function split(r: Row[]): { train: Row[]; test: Row[] } { return { train: r, test: r }; });",
      'export const p = pipeline(function p() {',
      '  const r = rows();',
      '  sum(r);',
      '  const { train } = split(r);',
      '  one(train);',
      '  sum([one(rows()), pair()]);',
      '});',
    ].join('\n');
    const found = analyse(source).diagnostics.map((d) => `${d.code}@${d.range.start.line}`).sort();
    assert.deepEqual(found, [
      'declared-output-missing@6',
      'input-type-mismatch@11',
      'input-type-mismatch@12',
      'input-type-mismatch@12',
      'input-type-mismatch@9',
      'tuple-without-outputs@5',
    ]);
    const message = analyse(source).diagnostics.find((d) => d.range.start.line === 9)?.message ?? '';
    assert.match(message, /output "output" of "rows" is Row\[\], but input "values" of step "sum" expects number\[\]/);
  });

  it('flags hooks with the wrong shape and work in a pipeline body that will not be in the DAG', () => {
    const source = [
      "import * as fs from 'node:fs';",
      "import { pipeline, step } from 'pipewright';",
      'export const a = step({ onSuccess: (c, extra, more) => undefined, onFailure: 5 as never }, function a(x: number): number { return x; });',
      'export const p = pipeline(function p(path: string) {',
      "  const text = fs.readFileSync(path, 'utf8');",
      '  const value = a(text.length);',
      '  if (value) a(1);',
      '});',
      'export const q = pipeline(async function q() { await Promise.resolve(); a(2); });',
    ].join('\n');
    const found = analyse(source).diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.severity}`).sort();
    assert.deepEqual(found, [
      'body-not-in-dag@4:warning',
      'body-not-in-dag@6:warning',
      'body-not-in-dag@8:error',
      'body-not-in-dag@8:warning',
      'invalid-hook@2:error',
    ]);
  });

  it('declares outputs for a tuple-returning step as a quick fix', () => {
    const source = [
      "import { step } from 'pipewright';",
      'export const pair = step(function pair(x: number): [number, string] {',
      "  if (x > 0) return [x, 'positive'];",
      "  return [0, 'zero'];",
      '});',
    ].join('\n');
    const analysis = analyse(source);
    const fix = analysis.diagnostics.find((d) => d.code === 'tuple-without-outputs')?.fix;
    assert.ok(fix);
    const fixed = applyEdits(source, fix.edits);
    assert.match(fixed, /step\(\{ outputs: \['output1', 'output2'\] \}, function pair\(x: number\): \{ output1: number; output2: string \} \{/);
    assert.match(fixed, /return \{ output1: x, output2: 'positive' \};/);
    assert.deepEqual(analyse(fixed).diagnostics, []);
  });

  it('reports cycles made with after ids, and reads literal options onto nodes', () => {
    const source = [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step({ retry: { maxRetries: 2, delay: 1 }, enableCache: false }, function a(x: number): number { return x; });',
      "export const p = pipeline(function p() { a.with({ id: 'one', after: ['two'] })(1); a.with({ id: 'two', after: ['one'], heartbeat: { interval: 2 } })(2); });",
    ].join('\n');
    const analysis = analyse(source);
    const cycle = analysis.diagnostics.find((d) => d.code === 'cycle');
    assert.match(cycle?.message ?? '', /^cycle: (one -> two -> one|two -> one -> two)$/);
    assert.deepEqual(analysis.pipelines[0].nodes[1].options, { retry: { maxRetries: 2, delay: 1 }, enableCache: false, heartbeat: { interval: 2 } });
  });

  it('never throws on broken code', () => {
    const source = "import { pipeline, step } from 'pipewright';\nexport const a = step(function a(x: number): number { return x; });\nexport const p = pipeline(function p() { a(";
    const analysis = analyse(source);
    assert.equal(analysis.steps.length, 1);
  });
});
