/**
 * `pipewright check` as a CI gate, with the real CLI: it never gives a false all-clear (syntax
 * errors, an unresolvable pipewright, deep code, JavaScript pipeline files), and `pipewright dag`
 * prints a readable tree.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { applyEdits } from '../unit/analysis/helpers';
import { cli } from '../support/cli';
import { fixture, repoRoot, tempDir, tempProject } from '../support/tempDir';

interface Printed {
  file: string;
  code: string;
  severity: string;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  fix?: { title: string; edits: { range: Printed['range']; newText: string }[] };
}

const STEP = "export const double = step(function double(x: number): number { return 2 * x; });\n";

/** `code@line:column` (1-based) of every diagnostic `check --json` printed. */
function found(stdout: string): string[] {
  return (JSON.parse(stdout) as Printed[]).map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`);
}

describe('pipewright check never gives a false all-clear', () => {
  it('reports a syntax error as an error with its location, and exits 1', async () => {
    const project = tempProject();
    const file = path.join(project, 'broken.ts');
    fs.writeFileSync(file, `import { step, pipeline } from 'pipewright';\n${STEP}export const p = pipeline(function p() { double(1) });\nconst = ;\n`);
    const result = await cli(['check', file], { cwd: project });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /^broken\.ts:4:7: error syntax-error: Variable declaration expected\. \(TS1134\)$/m);
    assert.match(result.stdout, /1 file\(s\): \d+ error\(s\)/);
  });

  it('reports a pipewright that does not resolve at the import, and exits 1', async () => {
    const project = tempDir('pipewright-unresolved-');
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'no-runtime', private: true }));
    const file = path.join(project, 'main.ts');
    fs.writeFileSync(file, `import { step, pipeline } from 'pipewright';\n${STEP}export const p = pipeline(function p() { double(1); });\n`);
    const result = await cli(['check', project, '--json'], { cwd: project });
    assert.equal(result.code, 1, result.stdout);
    const [diagnostic] = JSON.parse(result.stdout) as Printed[];
    assert.deepEqual(found(result.stdout), ['pipewright-unresolved@1:32']);
    assert.equal(diagnostic.severity, 'error');
    assert.match(diagnostic.message, /cannot resolve "pipewright" .*from .*pipewright-unresolved-.*: install it/);
  });

  it('analyses a file with a 1,000-deep expression to the end: the duplicate id in it is found', async () => {
    const project = tempProject();
    const file = path.join(project, 'deep.ts');
    const deep = `${'('.repeat(1000)}1${')'.repeat(1000)}`;
    const calls = `${'['.repeat(1000)}double(1)${']'.repeat(1000)}`;
    fs.writeFileSync(
      file,
      `import { step, pipeline } from 'pipewright';\n${STEP}export const p = pipeline(function p() {\n  const big = ${deep};\n  const nested = ${calls};\n  double.with({ id: 'twice' })(1);\n  double.with({ id: 'twice' })(2);\n});\n`,
    );
    const result = await cli(['check', file, '--json'], { cwd: project });
    assert.equal(result.code, 1, result.stdout);
    assert.deepEqual(found(result.stdout), ['duplicate-invocation-id@7:3']);
    const dag = await cli(['dag', file, '--json'], { cwd: project });
    const [pipeline] = (JSON.parse(dag.stdout) as { pipelines: { nodes: { id: string }[] }[] }).pipelines;
    assert.deepEqual(pipeline.nodes.map((n) => n.id), ['double', 'twice', 'twice'], 'the call 1,000 brackets deep is in the DAG');
  });
});

describe('pipewright check and dag on JavaScript pipeline files', () => {
  const JS_STEPS = [
    "/** @param {number} x @returns {number} */ function (x) { return 2 * x; }",
    "/** @param {number[]} xs @returns {number} */ function (xs) { return xs.length; }",
  ];

  function writeJavaScript(project: string): { cjs: string; namespace: string; esm: string } {
    const cjs = path.join(project, 'destructured.cjs');
    fs.writeFileSync(
      cjs,
      `const { step, pipeline } = require('pipewright');\nconst double = step({ name: 'double' }, ${JS_STEPS[0]});\nconst count = step({ name: 'count' }, ${JS_STEPS[1]});\nexports.p = pipeline(function p() {\n  const a = double(1);\n  count.with({ id: 'n', after: [a] })([a, double(a)]);\n  count.with({ id: 'n' })([]);\n});\n`,
    );
    const namespace = path.join(project, 'namespace.js');
    fs.writeFileSync(namespace, `const pw = require('pipewright');\nconst double = pw.step({ name: 'double' }, ${JS_STEPS[0]});\nmodule.exports.q = pw.pipeline(function q() {\n  double.with({ id: 'd' })(double(1));\n  double.with({ id: 'd' })(2);\n});\n`);
    const esm = path.join(project, 'module.mjs');
    fs.writeFileSync(esm, `import { step, pipeline } from 'pipewright';\nexport const double = step(function double(x, times = 2) { return x * times; });\nexport const r = pipeline(function r() {\n  double(double(1));\n});\n`);
    return { cjs, namespace, esm };
  }

  it('finds the pipelines of CommonJS files (destructured and namespace require) and ESM files, with their errors', async () => {
    const project = tempProject();
    const { cjs, namespace } = writeJavaScript(project);
    const result = await cli(['check', project, '--json'], { cwd: project });
    assert.equal(result.code, 1, result.stdout);
    const printed = JSON.parse(result.stdout) as Printed[];
    const byFile = (file: string) => printed.filter((d) => d.file === file).map((d) => `${d.code}@${d.range.start.line + 1}`);
    assert.deepEqual(byFile(cjs), ['duplicate-invocation-id@7']);
    assert.deepEqual(byFile(namespace), ['duplicate-invocation-id@5']);
    const dag = await cli(['dag', cjs, '--json'], { cwd: project });
    assert.equal(dag.code, 0, dag.stderr);
    const [pipeline] = (JSON.parse(dag.stdout) as { pipelines: { name: string; nodes: { id: string; inputs: { type: string }[] }[]; edges: { from: string; to: string; kind: string }[] }[] }).pipelines;
    assert.equal(pipeline.name, 'p');
    assert.deepEqual(pipeline.nodes.map((n) => n.id), ['double', 'double_2', 'n', 'n']);
    assert.deepEqual(pipeline.nodes[0].inputs, [{ name: 'x', type: 'number' }], 'the JSDoc type is the input type');
    assert.deepEqual(pipeline.edges.filter((e) => e.to === 'n').map((e) => `${e.kind}:${e.from}`).sort(), ['data:double', 'data:double_2', 'order:double']);
  });

  it('follows steps across CommonJS files (module.exports and exports.name)', async () => {
    const project = tempProject();
    fs.writeFileSync(
      path.join(project, 'steps.js'),
      `const { step } = require('pipewright');\nconst double = step({ name: 'double' }, ${JS_STEPS[0]});\nconst count = step({ name: 'count' }, ${JS_STEPS[1]});\nmodule.exports = { double, total: count };\nexports.twice = double;\n`,
    );
    const main = path.join(project, 'main.cjs');
    fs.writeFileSync(main, "const { pipeline } = require('pipewright');\nconst { double, total, twice } = require('./steps');\nexports.p = pipeline(function p() {\n  total([double(1), twice(2)]);\n});\n");
    const dag = await cli(['dag', main, '--json'], { cwd: project });
    assert.equal(dag.code, 0, dag.stderr);
    const [pipeline] = (JSON.parse(dag.stdout) as { pipelines: { nodes: { id: string }[]; edges: { from: string; to: string }[] }[] }).pipelines;
    assert.deepEqual(pipeline.nodes.map((n) => n.id), ['double', 'double_2', 'count']);
    assert.deepEqual(pipeline.edges.map((e) => `${e.from}->${e.to}`), ['double->count', 'double_2->count']);
  });

  it('offers JSDoc quick fixes in JavaScript, never TypeScript syntax: applied one by one, the file checks clean and still runs as JavaScript', async () => {
    const project = tempProject();
    const { esm } = writeJavaScript(project);
    const before = await cli(['check', esm, '--json'], { cwd: project });
    assert.deepEqual(found(before.stdout).map((f) => f.split('@')[0]), ['missing-parameter-type', 'missing-parameter-type', 'missing-return-type']);
    for (let round = 0; ; round++) {
      const result = await cli(['check', esm, '--json'], { cwd: project });
      const fix = (JSON.parse(result.stdout) as Printed[]).find((d) => d.fix)?.fix;
      if (!fix) break;
      assert.ok(round < 3, 'each fix resolves its finding');
      for (const edit of fix.edits) assert.match(edit.newText, /^(\/\*\* )?@(param|returns) \{[^}]+\}/, `a JSDoc edit: ${edit.newText}`);
      fs.writeFileSync(esm, applyEdits(fs.readFileSync(esm, 'utf8'), fix.edits));
    }
    const text = fs.readFileSync(esm, 'utf8');
    assert.match(text, /step\(\/\*\* @param \{number\} times @returns \{number\} \*\/ function double\(x, times = 2\)/);
    // `x` has no default to infer a type from: it stays a finding, with no fix.
    assert.deepEqual(found((await cli(['check', esm, '--json'], { cwd: project })).stdout).map((f) => f.split('@')[0]), ['missing-parameter-type']);
    const syntax = spawnSync(process.execPath, ['--check', esm], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
  });
});

describe('pipewright dag without --json', () => {
  it('prints each pipeline as a tree: invocations with their step, inputs and the upstream outputs wired into them, after edges', async () => {
    const file = fixture('analysis', 'dag', 'features.ts');
    const result = await cli(['dag', file, '--pipeline', 'ordering']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        `pipeline ordering (${path.relative(repoRoot, file)}:43:25): 5 invocation(s)`,
        '├─ double',
        '│     value <- a value',
        '├─ pair',
        '│     value <- a value',
        '├─ double_2 (step double)',
        '│     value <- a value',
        '│     after double, pair',
        '├─ late (step double)',
        '│     value <- a value',
        '│     after last',
        '└─ last (step double)',
        '      value <- a value',
        '      after double',
        '',
      ].join('\n'),
    );
    const outputs = await cli(['dag', file, '--pipeline', 'outputs']);
    assert.match(outputs.stdout, /├─ score\n│ {5}rows <- split\.train\n│ {5}weight <- pair\.left\n└─ score_2 \(step score\)\n {6}rows <- split\.test\n {6}weight <- pair\.right\n/);
  });
});
