import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkValue, describeType, type TypeDescriptor } from '../../../runtime/src/prepare/typeDescriptor';
import { annotationProblems, extractModuleManifest, type ModuleManifest, type ParamManifest } from '../../../runtime/src/prepare/typeExtract';
import { fixture, tempProject } from '../../support/tempDir';

const entry = fixture('extract', 'steps.ts');

function timed(label: string, run: () => ModuleManifest): ModuleManifest {
  const started = performance.now();
  const manifest = run();
  process.stdout.write(`${label} took ${(performance.now() - started).toFixed(0)} ms\n`);
  return manifest;
}

const manifest = timed('extraction of test/fixtures/extract/steps.ts (first in this process)', () => extractModuleManifest(entry));
timed('the same extraction again (parsed files reused)', () => extractModuleManifest(entry));

const step = (name: string) => {
  const found = manifest.steps[name];
  assert.ok(found, `step "${name}" not found; found ${Object.keys(manifest.steps).join(', ')}`);
  return found;
};
const param = (params: ParamManifest[], name: string): ParamManifest => {
  const found = params.find((p) => p.name === name);
  assert.ok(found, `parameter "${name}" not found`);
  return found;
};
const problemsOf = (m: ModuleManifest) => m.problems.map((p) => `${path.basename(p.file)}:${p.line}: ${p.message}`);

const rowType: TypeDescriptor = {
  kind: 'object',
  properties: {
    x: { type: { kind: 'number' }, optional: false },
    label: { type: { kind: 'union', types: [{ kind: 'literal', value: 'a' }, { kind: 'literal', value: 'b' }] }, optional: false },
    note: { type: { kind: 'string' }, optional: true },
  },
};

describe('finding steps and pipelines', () => {
  it('finds exactly the calls of pipewright step() and pipeline(), however they are reached', () => {
    assert.deepEqual(Object.keys(manifest.steps).sort(), [
      'double', // jsdoc.js
      'fromConstant', // name option from a constant
      'generic', // types.ts
      'kinds', // types.ts
      'loadRows', // step(loadRows) of `const loadRows = async (...) => ...`
      'namedArrow', // arrow with a name option
      'renamed', // name option over the function name
      'shared', // shared.ts, imported through library.ts re-exports (twice)
      'split',
      'typed',
      'untypedJs',
      'untypedReturn', // pw.step (namespace import)
      'viaConst', // const stepAlias = s
      'viaDestructured', // const { step } = pw
      'viaNamespace', // sdk.step, `export * as sdk from 'pipewright'`
      'viaReexport', // makeStep, `export { step as makeStep } from 'pipewright'`
    ]);
    assert.deepEqual(Object.keys(manifest.pipelines).sort(), ['nightly', 'training']);
    assert.equal(manifest.steps.notOurs, undefined, 'a local function named step is not pipewright');
  });

  it('records where each is defined', () => {
    assert.equal(step('shared').file, fixture('extract', 'shared.ts'));
    assert.equal(step('double').file, fixture('extract', 'jsdoc.js'));
    const typed = step('typed');
    assert.equal(typed.file, entry);
    const lines = fs.readFileSync(entry, 'utf8').split('\n');
    assert.equal(lines[typed.line - 1].slice(typed.column - 1, typed.column + 1), 's(');
    const training = manifest.pipelines.training;
    assert.ok(lines[training.line - 1].slice(training.column - 1).startsWith('definePipeline('));
  });

  it('reports steps it cannot name, unknowable names and name clashes, and keeps going', () => {
    const lineOf = (text: string) => fs.readFileSync(entry, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
    assert.deepEqual(problemsOf(manifest), [
      `steps.ts:${lineOf('export const anonymous')}: a step needs a name: pass a named function (function load(...) {...}) or the name option`,
      `steps.ts:${lineOf('export const dynamic')}: the step's name cannot be known before running: its name option is not a constant string`,
      `steps.ts:${lineOf('export const duplicate')}: two different steps are named "typed"; give one a distinct name with the name option`,
    ]);
    assert.deepEqual(step('typed').returnType, { kind: 'class', name: 'Model' }, 'the first "typed" is kept');
  });
});

describe('annotations', () => {
  it('tells annotated parameters from inferred ones, and sees any', () => {
    const renamed = step('renamed');
    assert.deepEqual(
      renamed.params.map((p) => [p.name, p.annotated, p.optional, p.isAny, p.typeText]),
      [
        ['a', false, false, true, 'any'],
        ['b', false, true, false, 'number'], // a default is not an annotation; its value gives the type
        ['c', true, false, true, 'any'],
      ],
    );
    assert.equal(renamed.returnAnnotated, true);
    assert.deepEqual(annotationProblems(renamed), ["parameter 'a' has no type annotation", "parameter 'b' has no type annotation", "parameter 'c' is typed any"]);
  });

  it('records return annotations and unwraps promises', () => {
    const typed = step('typed');
    assert.equal(typed.returnAnnotated, true);
    assert.equal(typed.returnTypeText, 'Model');
    assert.deepEqual(typed.outputTypes, { output: { kind: 'class', name: 'Model' } });
    assert.deepEqual(annotationProblems(typed), []);
    const untyped = step('untypedReturn');
    assert.equal(untyped.returnAnnotated, false);
    assert.deepEqual(untyped.returnType, { kind: 'number' }, 'inferred return types are described too');
    assert.deepEqual(annotationProblems(untyped), ['return type is not annotated']);
    const loadRows = step('loadRows');
    assert.deepEqual(loadRows.returnType, { kind: 'array', element: rowType });
    assert.equal(loadRows.returnTypeText, 'Row[]');
    assert.deepEqual(step('viaNamespace').returnType, { kind: 'void' });
  });

  it('counts JSDoc types as annotations in JavaScript', () => {
    const double = step('double');
    assert.deepEqual(double.params.map((p) => [p.name, p.annotated, p.type]), [['x', true, { kind: 'number' }]]);
    assert.equal(double.returnAnnotated, true);
    const untypedJs = step('untypedJs');
    assert.deepEqual(untypedJs.params.map((p) => [p.name, p.annotated, p.isAny]), [['y', false, true]]);
    assert.equal(untypedJs.returnAnnotated, false);
  });

  it('records pipeline parameters the same way', () => {
    assert.deepEqual(
      manifest.pipelines.training.params.map((p) => [p.name, p.annotated, p.optional, p.type]),
      [
        ['path', true, false, { kind: 'string' }],
        ['depth', false, true, { kind: 'number' }],
        ['mode', true, true, { kind: 'union', types: [{ kind: 'literal', value: 'fast' }, { kind: 'literal', value: 'slow' }] }],
      ],
    );
    assert.deepEqual(manifest.pipelines.nightly.params.map((p) => p.name), ['path']);
  });
});

describe('declared outputs', () => {
  it('types each declared output by its property of the return type', () => {
    const renamed = step('renamed');
    assert.deepEqual(renamed.declaredOutputs, ['left', 'right']);
    assert.deepEqual(renamed.outputTypes, {
      left: { kind: 'array', element: { kind: 'number' } },
      right: { kind: 'tuple', elements: [{ kind: 'string' }, { kind: 'boolean' }] },
    });
  });

  it('reads outputs from an `as const` list', () => {
    const split = step('split');
    assert.deepEqual(split.declaredOutputs, ['train', 'test']);
    assert.deepEqual(split.outputTypes, { train: { kind: 'array', element: rowType }, test: { kind: 'array', element: rowType } });
  });

  it('has one `output` without declared outputs', () => {
    assert.equal(step('shared').declaredOutputs, undefined);
    assert.deepEqual(step('shared').outputTypes, { output: { kind: 'string' } });
  });
});

describe('type descriptors from the checker', () => {
  const kinds = step('kinds').params;
  const typeOf = (name: string) => param(kinds, name).type;

  it('describes arrays of objects with literal unions and optional properties', () => {
    assert.deepEqual(typeOf('rows'), { kind: 'array', element: rowType });
    assert.equal(describeType(typeOf('rows')), '{ x: number; label: "a" | "b"; note?: string }[]');
  });

  it('describes records, mapped and intersection types as objects', () => {
    assert.deepEqual(typeOf('counts'), { kind: 'object', properties: {}, index: { kind: 'number' } });
    const partial = typeOf('partial');
    assert.equal(partial.kind, 'object');
    assert.deepEqual(
      Object.entries(partial.kind === 'object' ? partial.properties : {}).map(([name, p]) => [name, p.optional]),
      [
        ['x', true],
        ['label', true],
        ['note', true],
      ],
    );
    assert.deepEqual(typeOf('merged'), { kind: 'object', properties: { ...(rowType.kind === 'object' ? rowType.properties : {}), extra: { type: { kind: 'boolean' }, optional: false } } });
  });

  it('describes Map, Set, Date, bytes, typed arrays and classes', () => {
    assert.deepEqual(typeOf('lookup'), { kind: 'map', key: { kind: 'string' }, value: { kind: 'set', element: { kind: 'date' } } });
    assert.deepEqual(typeOf('raw'), { kind: 'bytes' });
    assert.deepEqual(typeOf('buf'), { kind: 'bytes' });
    assert.deepEqual(typeOf('floats'), { kind: 'typedArray', name: 'Float64Array' });
    assert.deepEqual(typeOf('scaler'), { kind: 'class', name: 'Scaler' });
  });

  it('describes tuples with optional and rest elements', () => {
    assert.deepEqual(typeOf('pair'), { kind: 'tuple', elements: [{ kind: 'string' }, { kind: 'number' }], minLength: 1 });
    assert.deepEqual(typeOf('list'), { kind: 'tuple', elements: [{ kind: 'boolean' }], rest: { kind: 'number' } });
  });

  it('describes unions, enums, template literals, functions and bigints', () => {
    const shape = typeOf('shape');
    assert.equal(shape.kind, 'union');
    assert.equal(describeType(shape), '{ kind: "circle"; r: number } | { kind: "square"; side: number }');
    assert.deepEqual(typeOf('color'), { kind: 'union', types: [{ kind: 'literal', value: 'red' }, { kind: 'literal', value: 'green' }] });
    assert.deepEqual(typeOf('id'), { kind: 'string' });
    assert.deepEqual(typeOf('callback'), { kind: 'function' });
    assert.equal(describeType(typeOf('when')), 'Date | null');
    assert.deepEqual(typeOf('big'), { kind: 'bigint' });
  });

  it('cuts recursion with opaque and leaves generics unchecked', () => {
    assert.deepEqual(typeOf('tree'), {
      kind: 'object',
      properties: { value: { type: { kind: 'number' }, optional: false }, children: { type: { kind: 'array', element: { kind: 'opaque', text: 'Tree' } }, optional: false } },
    });
    const generic = step('generic');
    assert.deepEqual(generic.params.map((p) => p.type), [
      { kind: 'array', element: { kind: 'opaque', text: 'T' } },
      { kind: 'opaque', text: 'keyof T' },
    ]);
    assert.equal(generic.returnType.kind, 'opaque');
  });

  it('handles optional, destructured and rest parameters', () => {
    assert.deepEqual([param(kinds, 'flag').optional, param(kinds, 'flag').type], [true, { kind: 'boolean' }]);
    const destructured = kinds[19];
    assert.deepEqual([destructured.name, destructured.annotated, destructured.optional], ['arg19', true, true]);
    assert.deepEqual(destructured.type, { kind: 'object', properties: { a: { type: { kind: 'number' }, optional: false }, b: { type: { kind: 'string' }, optional: false } } });
    assert.deepEqual([param(kinds, 'rest').optional, param(kinds, 'rest').type], [true, { kind: 'array', element: { kind: 'string' } }]);
    assert.equal(kinds.length, 21);
  });

  it('gives descriptors that check run-time values', () => {
    const rows = typeOf('rows');
    assert.equal(checkValue([{ x: 1, label: 'a' }, { x: 2, label: 'b', note: 'n' }], rows), undefined);
    assert.equal(checkValue([{ x: 1, label: 'a' }, { x: 2, label: 'c' }], rows), '[1].label: expected "a" | "b", got string ("c")');
    assert.equal(checkValue({ kind: 'circle', r: '1' }, typeOf('shape')), '.r: expected number, got string ("1")');
    assert.equal(checkValue(JSON.parse(JSON.stringify(Buffer.from('x'))), typeOf('buf')), 'expected Uint8Array, got object');
  });
});

describe('programs, configs and broken code', () => {
  const stepFile = (name: string, extra = '') => `import { step } from 'pipewright';\n${extra}export const ${name} = step(function ${name}(x: number): number { return x; });\n`;

  it('never throws on syntax errors or missing imports, and extracts what it can', () => {
    const dir = tempProject();
    const file = path.join(dir, 'broken.ts');
    fs.writeFileSync(
      file,
      [
        "import { step } from 'pipewright';",
        "import { nothing } from './missing';",
        'export const ok = step(function ok(x: number): number { return x + nothing; });',
        'export const half = step(function half(y: ',
        '  }}}) ((( "unterminated',
      ].join('\n'),
    );
    const broken = extractModuleManifest(file);
    assert.ok(broken.steps.ok, 'the step before the damage is found');
    assert.deepEqual(broken.steps.ok.params.map((p) => [p.name, p.type]), [['x', { kind: 'number' }]]);
  });

  it('reports a missing entry file instead of throwing', () => {
    const missing = extractModuleManifest(path.join(tempProject(), 'nope.ts'));
    assert.deepEqual([Object.keys(missing.steps), missing.problems.map((p) => p.message)], [[], ['file not found']]);
  });

  it('ignores step exports of packages not named pipewright, and accepts any package that is', () => {
    const dir = tempProject();
    for (const [pkg, name] of [
      ['fakepw', 'fakepw'],
      ['pw-fork', 'pipewright'],
    ]) {
      fs.mkdirSync(path.join(dir, 'node_modules', pkg));
      fs.writeFileSync(path.join(dir, 'node_modules', pkg, 'package.json'), JSON.stringify({ name, types: 'index.d.ts' }));
      fs.writeFileSync(path.join(dir, 'node_modules', pkg, 'index.d.ts'), 'export declare function step<F>(fn: F): F;\n');
    }
    const file = path.join(dir, 'main.ts');
    fs.writeFileSync(
      file,
      "import { step as fake } from 'fakepw';\nimport { step as fork } from 'pw-fork';\nexport const a = fake(function fromFake(): number { return 1; });\nexport const b = fork(function fromFork(): number { return 1; });\n",
    );
    assert.deepEqual(Object.keys(extractModuleManifest(file).steps), ['fromFork']);
  });

  it('sees edits to a file between extractions in one process', () => {
    const dir = tempProject();
    const file = path.join(dir, 'main.ts');
    fs.writeFileSync(file, stepFile('first'));
    assert.deepEqual(Object.keys(extractModuleManifest(file).steps), ['first']);
    fs.writeFileSync(file, stepFile('second'));
    assert.deepEqual(Object.keys(extractModuleManifest(file).steps), ['second']);
  });

  it('uses the tsconfig given, or the nearest one (solution-style ones through their references)', () => {
    const dir = tempProject();
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'lib', 'steps.ts'), stepFile('fromLib'));
    const main = path.join(dir, 'src', 'main.ts');
    fs.writeFileSync(main, stepFile('fromMain', "import { fromLib } from '@lib/steps';\nvoid fromLib;\n"));
    const paths = { '@lib/*': ['lib/*'] };
    // Without a config the alias does not resolve: only main's step is found.
    assert.deepEqual(Object.keys(extractModuleManifest(main).steps), ['fromMain']);
    fs.writeFileSync(path.join(dir, 'config', 'alt.json'), JSON.stringify({ compilerOptions: { strict: true, baseUrl: '..', paths } }));
    assert.deepEqual(Object.keys(extractModuleManifest(main, { tsconfigPath: path.join(dir, 'config', 'alt.json') }).steps).sort(), ['fromLib', 'fromMain']);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ files: [], references: [{ path: './tsconfig.app.json' }] }));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.app.json'),
      JSON.stringify({ compilerOptions: { strict: true, composite: true, module: 'esnext', moduleResolution: 'bundler', baseUrl: '.', paths }, include: ['src', 'lib'] }),
    );
    assert.deepEqual(Object.keys(extractModuleManifest(main).steps).sort(), ['fromLib', 'fromMain']);
  });
});
