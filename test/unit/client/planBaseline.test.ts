// Which steps were edited since a plan (client/src/planBaseline.ts): definition texts cut from the
// editor's text by the language server's ranges, compared with their text when the plan was asked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceRange } from '../../../contracts/src/graph';
import { editedSteps, stepTexts } from '../../../client/src/planBaseline';
import type { Definition } from '../../../client/src/definitionSymbols';

/** The text of `range` in `text` (0-based lines and characters). */
function cut(text: string, range: SourceRange): string {
  const lines = text.split('\n');
  const offset = (line: number, character: number) => lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0) + character;
  return text.slice(offset(range.start.line, range.start.character), offset(range.end.line, range.end.character));
}

const saved = ["export const load = step(function load() {", '  return 1;', '});', 'export const fit = step(function fit(x: number) {', '  return x + 1;', '});'].join('\n');
const definitions = (text: string): Definition[] => {
  const lines = text.split('\n');
  const end = (from: number) => lines.findIndex((line, i) => i > from && line === '});');
  const loadStart = lines.findIndex((line) => line.startsWith('export const load'));
  const loadEnd = end(loadStart);
  const fitStart = lines.findIndex((line) => line.startsWith('export const fit'));
  return [
    { kind: 'step', name: 'load', uri: 'file:///p.ts', range: { start: { line: loadStart, character: 20 }, end: { line: loadEnd, character: 2 } } },
    { kind: 'step', name: 'fit', uri: 'file:///p.ts', range: { start: { line: fitStart, character: 19 }, end: { line: end(fitStart), character: 2 } } },
    { kind: 'pipeline', name: 'train', uri: 'file:///p.ts', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } },
    { kind: 'step', name: 'elsewhere', uri: 'file:///closed.ts', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } },
  ];
};
const textsOf = (text: string) => stepTexts(definitions(text), (uri, range) => (uri === 'file:///p.ts' ? cut(text, range) : undefined));

describe('steps edited since the plan', () => {
  it('cuts each step definition out of the open documents', () => {
    const texts = textsOf(saved);
    assert.deepEqual([...texts.keys()], ['load', 'fit'], 'pipelines and steps of documents not open are left out');
    assert.equal(texts.get('load'), 'step(function load() {\n  return 1;\n})');
  });

  it("reports the steps whose body changed, as unsaved or not, and nothing once the text is back", () => {
    const baseline = textsOf(saved);
    const edited = saved.replace('return x + 1;', 'return x + 2;');
    assert.deepEqual(editedSteps(baseline, textsOf(edited), () => true), [{ step: 'fit', unsaved: true }]);
    // A line added above moves the ranges, not the texts: load's edit alone counts.
    const moved = `// a comment\n${saved.replace('return 1;', 'return 10;')}`;
    assert.deepEqual(editedSteps(baseline, textsOf(moved), (step) => step === 'load'), [{ step: 'load', unsaved: true }]);
    assert.deepEqual(editedSteps(baseline, textsOf(saved), () => true), [], 'undone: nothing edited');
    // A step added since the plan is not an edit (the plan does not have it: the webview marks it).
    const added = new Map([...textsOf(saved), ['report', 'step(function report() {})']]);
    assert.deepEqual(editedSteps(baseline, added, () => false), []);
  });
});
