/**
 * Code nested deeper than recursive walks can follow: the analysis finishes, in the test's own
 * (main-thread) stack, or says where it could not, and never hides the file's other findings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import { analysisFixture } from './helpers';

const HEADER = "import { step, pipeline } from 'pipewright';\nexport const a = step(function a(x: number): number { return x; });\n";

/** A pipeline holding `expression` and a duplicate invocation id on line 5, analysed as an open document. */
function analyseWith(expression: string, name = 'deep.ts') {
  const file = analysisFixture('dag', name);
  const analyzer = new Analyzer();
  analyzer.setDocument(file, `${HEADER}export const p = pipeline(function p() {\n  const big = ${expression};\n  a.with({ id: 'x' })(1);\n  a.with({ id: 'x' })(2);\n});\n`);
  return analyzer.analyze(file);
}

const codes = (analysis: ReturnType<typeof analyseWith>) => analysis.diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`);

describe('deep code', () => {
  const N = 2000;
  const forms: Record<string, string> = {
    'a binary chain': `1${' + 1'.repeat(N)}`,
    'nested conditionals': `${'a(1) ? 1 : '.repeat(N)}2`,
    'unary operators': `${'!'.repeat(N)}1`,
    'a call chain': `[1]${'.map((v) => v)'.repeat(N)}`,
    'a method chain on a step\'s output': `a(1)${'.toString()'.repeat(N)}`,
  };
  for (const [what, expression] of Object.entries(forms)) {
    it(`is analysed to the end through ${what} ${N} deep: the duplicate id is found`, () => {
      const analysis = analyseWith(expression);
      assert.equal(analysis.internalError, undefined);
      assert.deepEqual(codes(analysis), ['duplicate-invocation-id@6']);
      assert.equal(analysis.pipelines[0].nodes.filter((n) => n.id === 'x').length, 2);
    });
  }

  it('invokes the steps called inside an expression too deep to evaluate, in the order the runtime would', () => {
    const analysis = analyseWith(`${'['.repeat(300)}a(a(1)), a.with({ id: 'inner' })(2)${']'.repeat(300)}`);
    assert.deepEqual(codes(analysis), ['duplicate-invocation-id@6']);
    assert.deepEqual(analysis.pipelines[0].nodes.map((n) => n.id), ['a', 'a_2', 'inner', 'x', 'x']);
  });

  it('reports a file the parser cannot finish as analysis-incomplete at its deepest nesting, and analyses the others', () => {
    const analysis = analyseWith(`${'('.repeat(5000)}1${')'.repeat(5000)}`);
    assert.deepEqual(codes(analysis), ['analysis-incomplete@4']);
    const [incomplete] = analysis.diagnostics;
    assert.equal(incomplete.severity, 'error');
    assert.equal(incomplete.range.start.character, '  const big = '.length + 4999);
    assert.match(incomplete.message, /nests 5002 brackets deep here, deeper than the TypeScript parser can follow/);
    assert.deepEqual(codes(analyseWith('1', 'shallow.ts')), ['duplicate-invocation-id@6']);
  });
});
