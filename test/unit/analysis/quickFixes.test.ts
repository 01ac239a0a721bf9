/** Quick fixes: applied to the fixture's text, the result must read as intended and lose the diagnostic. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { AnalysisDiagnostic, DiagnosticCode } from '../../../server/src/analysis/model';
import { analysisFixture, applyEdits } from './helpers';

/** Analyses `text` as if it were the fixture's open document. */
function analyseText(name: string, text: string) {
  const file = analysisFixture('fixes', name);
  const analyzer = new Analyzer();
  analyzer.setDocument(file, text);
  return analyzer.analyze(file);
}

function fixOf(diagnostics: AnalysisDiagnostic[], code: DiagnosticCode, line: number) {
  const diagnostic = diagnostics.find((d) => d.code === code && d.range.start.line === line);
  assert.ok(diagnostic?.fix, `a fix for ${code} on line ${line + 1}`);
  return diagnostic.fix;
}

describe('quick fixes', () => {
  it('inserts the inferred parameter type (from its default) and return type (awaited for async steps as a Promise)', () => {
    const source = fs.readFileSync(analysisFixture('fixes', 'annotate.ts'), 'utf8');
    const diagnostics = analyseText('annotate.ts', source).diagnostics;
    const param = fixOf(diagnostics, 'missing-parameter-type', 7);
    assert.equal(param.title, "Annotate 'rate' as number");
    let fixed = applyEdits(source, param.edits);
    assert.match(fixed, /function scaled\(rows: Row\[\], rate: number = 0\.5\) \{/);
    fixed = applyEdits(fixed, fixOf(analyseText('annotate.ts', fixed).diagnostics, 'missing-return-type', 7).edits);
    assert.match(fixed, /rate: number = 0\.5\): \{ x: number; \}\[\] \{/);
    fixed = applyEdits(fixed, fixOf(analyseText('annotate.ts', fixed).diagnostics, 'missing-return-type', 11).edits);
    assert.match(fixed, /async function later\(value: number\): Promise<string> \{/);
    assert.deepEqual(analyseText('annotate.ts', fixed).diagnostics, []);
  });

  it('removes an unknown after target: from a list, a list of one, or a lone string', () => {
    let text = fs.readFileSync(analysisFixture('fixes', 'after.ts'), 'utf8');
    for (let round = 0; round < 4; round++) {
      const unknown = analyseText('after.ts', text).diagnostics.filter((d) => d.code === 'unknown-after-target');
      assert.equal(unknown.length, 4 - round);
      text = applyEdits(text, unknown[0].fix?.edits ?? assert.fail('no fix'));
    }
    assert.match(text, /a\.with\(\{ after: \['a'\] \}\)\(1\);/);
    assert.match(text, /a\.with\(\{ after: \['a'\], id: 'second' \}\)\(2\);/);
    assert.match(text, /a\.with\(\{ id: 'third' \}\)\(3\);/);
    assert.match(text, /a\.with\(\{ id: 'fourth' \}\)\(4\);/);
    assert.deepEqual(analyseText('after.ts', text).diagnostics, []);
  });

  it('declares outputs for a tuple-returning step and returns an object instead', () => {
    let text = fs.readFileSync(analysisFixture('fixes', 'tuple.ts'), 'utf8');
    const diagnostics = analyseText('tuple.ts', text).diagnostics;
    assert.deepEqual(diagnostics.map((d) => d.code), ['tuple-without-outputs', 'tuple-without-outputs']);
    text = applyEdits(text, fixOf(diagnostics, 'tuple-without-outputs', 3).edits);
    assert.match(text, /step\(\{ outputs: \['output1', 'output2'\] \}, function pair\(x: number\): \{ output1: number; output2: string \} \{/);
    assert.match(text, /return \{ output1: x, output2: 'positive' \};/);
    assert.match(text, /return \{ output1: 0, output2: 'zero' \};/);
    const again = analyseText('tuple.ts', text).diagnostics;
    text = applyEdits(text, fixOf(again, 'tuple-without-outputs', 8).edits);
    assert.match(text, /step\(\{ outputs: \['output1', 'output2'\], enableCache: false \}/);
    assert.deepEqual(analyseText('tuple.ts', text).diagnostics, []);
  });

  it('annotates JavaScript with JSDoc tags, merged into the function\'s JSDoc comment, never with TypeScript syntax', () => {
    let text = "import { step } from 'pipewright';\nexport const label = step(function label(prefix = 'row', count = 2) { return prefix.repeat(count); });\n";
    for (let round = 0; round < 3; round++) {
      const fix = analyseText('label.mjs', text).diagnostics.find((d) => d.fix)?.fix;
      assert.ok(fix, `fix ${round + 1} of 3`);
      for (const edit of fix.edits) assert.doesNotMatch(edit.newText, /^:/, 'no type annotation syntax');
      text = applyEdits(text, fix.edits);
    }
    assert.match(text, /step\(\/\*\* @param \{string\} prefix @param \{number\} count @returns \{string\} \*\/ function label\(prefix = 'row', count = 2\) \{/);
    assert.deepEqual(analyseText('label.mjs', text).diagnostics, []);
  });
});
