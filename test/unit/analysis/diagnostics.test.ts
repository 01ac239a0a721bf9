/**
 * Every diagnostic of the analysis on fixture files whose lines carry `// expect: code` markers:
 * the analysis must report exactly the marked codes on exactly the marked lines.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { DiagnosticCode } from '../../../server/src/analysis/model';
import { STEP_OPTION_KEYS } from '../../../runtime/src/model/unknownOptions';
import { analysisFixture, expectedMarkers } from './helpers';

const ALL_CODES: DiagnosticCode[] = [
  'missing-parameter-type',
  'missing-return-type',
  'parameter-any',
  'invalid-retry',
  'invalid-heartbeat',
  'unknown-run-name-placeholder',
  'duplicate-invocation-id',
  'invalid-invocation-id',
  'unknown-after-target',
  'step-outside-pipeline',
  'unnamed-step',
  'input-type-mismatch',
  'tuple-without-outputs',
  'declared-output-missing',
  'invalid-hook',
  'invalid-cache-option',
  'invalid-option',
  'body-not-in-dag',
  'cycle',
];

const files = fs.readdirSync(analysisFixture('diagnostics')).filter((f) => f.endsWith('.ts')).sort();

function analyse(name: string, enforce = false) {
  const analyzer = new Analyzer();
  analyzer.enforceTypeAnnotations = enforce;
  return analyzer.analyze(analysisFixture('diagnostics', name));
}

describe('diagnostics', () => {
  for (const name of files) {
    it(`${name}: exactly the marked diagnostics`, () => {
      const found = analyse(name).diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`).sort();
      assert.deepEqual(found, expectedMarkers(analysisFixture('diagnostics', name)));
    });
  }

  it('the fixtures exercise every diagnostic code', () => {
    const marked = new Set(files.flatMap((name) => expectedMarkers(analysisFixture('diagnostics', name)).map((m) => m.split('@')[0])));
    assert.deepEqual(ALL_CODES.filter((code) => !marked.has(code)), []);
  });

  it('annotation findings are warnings, and errors under enforceTypeAnnotations (as the run would be refused)', () => {
    const annotationCodes = new Set(['missing-parameter-type', 'missing-return-type', 'parameter-any']);
    const severities = (enforce: boolean) => [...new Set(analyse('annotations.ts', enforce).diagnostics.filter((d) => annotationCodes.has(d.code)).map((d) => d.severity))];
    assert.deepEqual(severities(false), ['warning']);
    assert.deepEqual(severities(true), ['error']);
  });

  it('ranges are precise: the parameter, the type, the function name, the option value', () => {
    const file = analysisFixture('diagnostics', 'annotations.ts');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const text = (d: { range: { start: { line: number; character: number }; end: { line: number; character: number } } }) =>
      d.range.start.line === d.range.end.line ? lines[d.range.start.line].slice(d.range.start.character, d.range.end.character) : '<multi-line>';
    const diagnostics = analyse('annotations.ts').diagnostics;
    assert.deepEqual(
      diagnostics.filter((d) => d.range.start.line === 3).map((d) => `${d.code}:${text(d)}`),
      ['missing-parameter-type:a', 'parameter-any:any', 'missing-return-type:noTypes'],
    );
    assert.equal(text(diagnostics.find((d) => d.range.start.line === 9) ?? assert.fail('scale')), 'scale = 2');
    const options = fs.readFileSync(analysisFixture('diagnostics', 'options.ts'), 'utf8').split('\n');
    const retry = analyse('options.ts').diagnostics.filter((d) => d.code === 'invalid-retry' && d.range.start.line === 4);
    assert.deepEqual(retry.map((d) => options[4].slice(d.range.start.character, d.range.end.character)), ['-1', '-2', '0.5']);
  });

  it('a literal option names the option and the bound it breaks, as the runtime checks it', () => {
    const messages = (code: string) =>
      ['options.ts', 'optionSchemas.ts']
        .flatMap((name) => analyse(name).diagnostics)
        .filter((d) => d.code === code)
        .map((d) => d.message);
    assert.deepEqual(messages('invalid-retry'), ['retry.maxRetries must be a whole number ≥ 0, got -1', 'retry.delay must be ≥ 0 seconds, got -2', 'retry.backoff must be ≥ 1, got 0.5', 'retry needs maxRetries']);
    assert.deepEqual(messages('invalid-heartbeat'), ['heartbeat.interval must be > 0 seconds, got 0', 'heartbeat.timeout (2 s) is shorter than the interval (10 s): every attempt would be lost']);
    assert.deepEqual(messages('invalid-cache-option').sort(), [
      "cacheExpiresAfter 'soon' is not a duration; use seconds (a number > 0) or a string like '90s', '15m', '1h', '2d'",
      "cacheExpiresAfter 0 is not a duration; use seconds (a number > 0) or a string like '90s', '15m', '1h', '2d'",
      'cacheKey must be a function (inputs, context) => string',
    ]);
    assert.deepEqual(messages('invalid-option'), [
      "enableCache: Invalid input: expected boolean, received string, got 'yes'",
      'maxConcurrency must be a whole number ≥ 1, got 0',
      "pool: expected a name: a letter or digit first, then letters, digits, '.', '_' or '-', 100 at most, got 'two words'",
      "labels.zone: Invalid input: expected string, received number, got { accelerator: 'a100', zone: 3 as never }",
      `step "misspelled": unknown option "retries" (did you mean "retry"?); the options are ${[...STEP_OPTION_KEYS].sort().join(', ')}`,
    ]);
  });

  it('an option key no one reads is flagged on the key, with a fix to the nearest option', () => {
    const typo = analyse('optionSchemas.ts').diagnostics.find((d) => d.message.includes('unknown option "retries"'));
    assert.ok(typo, 'the misspelled option is flagged');
    assert.equal(typo.severity, 'error');
    assert.equal(typo.fix?.title, "Change to 'retry'");
    assert.deepEqual(typo.fix?.edits.map((edit) => edit.newText), ['retry']);
    assert.equal(typo.range.end.character - typo.range.start.character, 'retries'.length, 'the range is the key');
  });

  it('messages name what is wrong and where it comes from', () => {
    const wiring = analyse('wiring.ts').diagnostics;
    assert.match(wiring.find((d) => d.range.start.line === 25)?.message ?? '', /output "output" of "rows" is Row\[\], but input "values" of step "count" expects number\[\]/);
    assert.match(wiring.find((d) => d.code === 'unknown-after-target')?.message ?? '', /unknown after target "ghost" \(invocations: same, has space, count\)/);
    assert.match(wiring.find((d) => d.code === 'cycle')?.message ?? '', /^cycle: a -> b -> a$/);
  });

  it('never throws on broken code, and keeps what it can read', () => {
    const source = fs.readFileSync(analysisFixture('diagnostics', 'clean.ts'), 'utf8');
    const analyzer = new Analyzer();
    const file = analysisFixture('diagnostics', 'clean.ts');
    for (const cut of [0, 10, source.indexOf('export const parts'), source.indexOf('total.with'), source.length - 3]) {
      analyzer.setDocument(file, source.slice(0, cut));
      const analysis = analyzer.analyze(file);
      assert.ok(Array.isArray(analysis.diagnostics));
    }
    analyzer.setDocument(file, source.slice(0, source.indexOf('total.with')));
    assert.deepEqual(analyzer.analyze(file).steps.map((s) => s.name), ['load', 'parts', 'size', 'total']);
    assert.deepEqual(new Analyzer().analyze('/no/such/file.ts'), { file: '/no/such/file.ts', steps: [], pipelines: [], diagnostics: [], dependencies: [] });
  });
});
