/**
 * Parameter types inferred from what the pipelines wire into them: offered first (and as the one
 * preferred fix when there is one answer), applied by `source.fixAll`, never `any`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import { wiredParameterFixes, wiredParameterTypes } from '../../../server/src/analysis/wiredTypes';
import { toCodeActions, toFixAll, type LspContext } from '../../../server/src/toLsp';
import { analysisFixture, applyEdits } from './helpers';

const file = analysisFixture('fixes', 'wired.ts');
const source = fs.readFileSync(file, 'utf8');
const uri = pathToFileURL(file).toString();

function analyse(text: string) {
  const analyzer = new Analyzer();
  analyzer.setDocument(file, text);
  return analyzer.analyze(file);
}

function contextFor(text: string): LspContext {
  const analysis = analyse(text);
  return { uriOf: (f) => pathToFileURL(f).toString(), textOf: (f) => (f === file ? text : undefined), everywhere: () => [analysis] };
}

describe('parameter types from the wiring', () => {
  it('reads the upstream output types each invocation wires into a parameter (fan-in lists as T[])', () => {
    const analysis = analyse(source);
    const step = (name: string) => analysis.steps.find((s) => s.name === name)!;
    assert.deepEqual(wiredParameterTypes(step('total'), 'rows', [analysis]), ['Row[]']);
    assert.deepEqual(wiredParameterTypes(step('either'), 'value', [analysis]), ['Row[]', 'string']);
    assert.deepEqual(wiredParameterTypes(step('gather'), 'names', [analysis]), ['string[]']);
    assert.deepEqual(wiredParameterTypes(step('loose'), 'scale', [analysis]), [], 'a parameter given no handle tells nothing');
  });

  it('offers the wired type first, as the preferred fix when it is the one answer, for a missing type and for any', () => {
    const analysis = analyse(source);
    const context = contextFor(source);
    const actionsOn = (line: number) => toCodeActions(uri, analysis, { start: { line, character: 0 }, end: { line, character: 0 } }, context);
    const total = actionsOn(13);
    assert.deepEqual(total.map((a) => [a.title, a.isPreferred]), [["Annotate 'rows' as Row[] (what the pipeline wires into it)", true]]);
    assert.match(applyEdits(source, total[0].edit!.changes![uri]), /function total\(rows: Row\[\]\): number/);
    const loose = actionsOn(16);
    assert.deepEqual(loose.map((a) => [a.title, a.isPreferred]), [["Type 'rows' as Row[] (what the pipeline wires into it)", true], ["Annotate 'scale' as number", true]]);
    assert.match(applyEdits(source, loose[0].edit!.changes![uri]), /function loose\(rows: Row\[\], scale = 2\)/);
    // Two pipelines' worth of answers: both offered, neither preferred.
    assert.deepEqual(actionsOn(19).map((a) => [a.title, a.isPreferred]), [["Annotate 'value' as Row[] (what the pipeline wires into it)", false], ["Annotate 'value' as string (what the pipeline wires into it)", false]]);
    for (const action of [...total, ...loose, ...actionsOn(19), ...actionsOn(22)]) assert.doesNotMatch(action.title, /\bany\b/);
    const missing = analysis.diagnostics.find((d) => d.code === 'missing-parameter-type' && d.range.start.line === 22)!;
    assert.deepEqual(wiredParameterFixes(analysis, missing, source, [analysis]).map((f) => f.edits[0].newText), [': string[]']);
  });

  it('fixes every problem with one answer in one source.fixAll action, and leaves the others', () => {
    const analysis = analyse(source);
    const [fixAll] = toFixAll(uri, analysis, contextFor(source));
    assert.equal(fixAll.kind, 'source.fixAll');
    const fixed = applyEdits(source, fixAll.edit!.changes![uri]);
    assert.match(fixed, /function total\(rows: Row\[\]\)/);
    assert.match(fixed, /function loose\(rows: Row\[\], scale: number = 2\)/);
    assert.match(fixed, /function gather\(names: string\[\]\)/);
    assert.match(fixed, /function either\(value\)/, 'two answers: left for the author');
    assert.deepEqual(analyse(fixed).diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}`), ['missing-parameter-type@20']);
    assert.deepEqual(toFixAll(uri, analyse(fixed), contextFor(fixed)), [], 'nothing left with one answer');
  });
});
