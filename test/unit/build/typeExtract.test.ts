import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { annotationProblems, extractModuleManifest } from '../../../runtime/src/build/typeExtract';
import { fixture, tempProject } from '../../support/tempDir';

describe('static extraction of steps and pipelines', () => {
  const started = Date.now();
  const manifest = extractModuleManifest(fixture('extract', 'steps.ts'));
  process.stdout.write(`# extraction of the fixture took ${Date.now() - started} ms\n`);

  it('finds steps through aliases, namespace imports and imports from other files, by the naming rule', () => {
    assert.deepEqual(Object.keys(manifest.steps).sort(), ['renamed', 'shared', 'typed', 'untypedReturn']);
    assert.deepEqual(Object.keys(manifest.pipelines), ['training']);
    assert.match(manifest.steps.shared.file, /shared\.ts$/);
    assert.equal(manifest.problems.length, 1);
    assert.match(manifest.problems[0].message, /a step needs a name/);
    assert.match(manifest.problems[0].file, /steps\.ts$/);
  });

  it('records annotations, any and Promise-unwrapped return types', () => {
    const typed = manifest.steps.typed;
    assert.deepEqual(typed.params.map((p) => [p.name, p.annotated, p.isAny]), [
      ['rows', true, false],
      ['lr', true, false],
      ['flags', true, false],
      ['raw', true, false],
    ]);
    assert.equal(typed.returnAnnotated, true);
    assert.deepEqual(typed.returnType, { kind: 'class', name: 'Model' });
    const renamed = manifest.steps.renamed;
    assert.deepEqual(renamed.params.map((p) => [p.name, p.annotated, p.optional, p.isAny]), [
      ['a', false, false, true],
      ['b', false, true, false],
      ['c', true, false, true],
    ]);
    assert.deepEqual(renamed.declaredOutputs, ['left', 'right']);
    assert.deepEqual(renamed.outputTypes, {
      left: { kind: 'array', element: { kind: 'number' } },
      right: { kind: 'tuple', elements: [{ kind: 'string' }, { kind: 'boolean' }] },
    });
    assert.equal(manifest.steps.untypedReturn.returnAnnotated, false);
    assert.deepEqual(manifest.steps.untypedReturn.outputTypes, { output: { kind: 'number' } });
    assert.deepEqual(annotationProblems(renamed), ["parameter 'a' has no type annotation", "parameter 'b' has no type annotation", "parameter 'c' is typed any"]);
    assert.deepEqual(annotationProblems(manifest.steps.untypedReturn), ['return type is not annotated']);
    assert.deepEqual(annotationProblems(typed), []);
  });

  it('describes arrays of objects, literal unions, optional properties, Map, Set, Date, bytes', () => {
    const [rows, lr, flags, raw] = manifest.steps.typed.params.map((p) => p.type);
    assert.deepEqual(rows, {
      kind: 'array',
      element: {
        kind: 'object',
        properties: {
          x: { type: { kind: 'number' }, optional: false },
          label: { type: { kind: 'union', types: [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: 'b' }] }, optional: false },
          note: { type: { kind: 'union', types: [{ kind: 'undefined' }, { kind: 'string' }] }, optional: true },
        },
      },
    });
    assert.deepEqual(lr, { kind: 'number' });
    assert.deepEqual(flags, { kind: 'map', key: { kind: 'string' }, value: { kind: 'set', element: { kind: 'date' } } });
    assert.deepEqual(raw, { kind: 'bytes' });
    assert.deepEqual(
      manifest.pipelines.training.params.map((p) => [p.name, p.annotated, p.optional, p.type]),
      [
        ['path', true, false, { kind: 'string' }],
        ['depth', false, true, { kind: 'number' }],
        ['mode', true, true, { kind: 'union', types: [{ kind: 'literal', value: 'fast' }, { kind: 'literal', value: 'slow' }] }],
      ],
    );
  });

  it('never throws on broken code', () => {
    const dir = tempProject();
    const file = path.join(dir, 'broken.ts');
    fs.writeFileSync(file, "import { step } from 'pipewright';\nimport { nothing } from './missing';\nexport const ok = step(function ok(x: number): number { return x; });\nexport const half = step(function half(y: \n");
    const broken = extractModuleManifest(file);
    assert.ok('ok' in broken.steps);
    assert.equal(typeof nothing_is_fine(), 'string');
  });
});

function nothing_is_fine(): string {
  return 'no throw above';
}
