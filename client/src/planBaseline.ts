/**
 * Which steps the author edited since the code a plan was made of: each step definition's text
 * (the whole `step(...)` call, from the language server's definitions over the editor's text)
 * compared with its text when the plan was asked for. Pure (no vscode).
 */
import type { SourceRange } from '../../contracts/src/graph';
import type { EditedStep } from '../../contracts/src/webviewMessages';
import type { Definition } from './definitionSymbols';

/** The text of each step's definition, by step name; steps whose document is not open are left out. */
export function stepTexts(definitions: readonly Definition[], textAt: (uri: string, range: SourceRange) => string | undefined): Map<string, string> {
  const texts = new Map<string, string>();
  for (const definition of definitions) {
    if (definition.kind !== 'step') continue;
    const text = textAt(definition.uri, definition.range);
    if (text !== undefined) texts.set(definition.name, text);
  }
  return texts;
}

/** The steps whose text now differs from their text in `baseline` (steps new since then are the plan's to miss, not edits). */
export function editedSteps(baseline: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>, unsaved: (step: string) => boolean): EditedStep[] {
  const edited: EditedStep[] = [];
  for (const [step, text] of now) {
    const before = baseline.get(step);
    if (before !== undefined && before !== text) edited.push({ step, unsaved: unsaved(step) });
  }
  return edited.sort((a, b) => a.step.localeCompare(b.step));
}
