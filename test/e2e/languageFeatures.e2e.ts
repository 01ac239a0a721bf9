/**
 * End to end, as a user: Pipewright's language features fit in beside TypeScript's in a real VS
 * Code workbench (code-server, the packaged .vsix, headless Chromium). A mis-wired step call is
 * one error in Problems, Pipewright's (the TypeScript server plugin the extension contributes
 * hides TypeScript's ts(2345) duplicate), its code a link to the docs and the upstream step a
 * child row; the first quick fix on a parameter without a type is the type the pipeline wires into
 * it; Fix All fixes every such parameter at once; the Outline and breadcrumbs have no second
 * "Pipewright" group; and a step call's hover shows its options as a short table, under
 * TypeScript's own signature. Screenshots go to test-results/e2e/languageFeatures/. Needs
 * `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { goToLine, openFile, runCommand, until, type Workbench } from './workbench';
import { repoRoot } from './fixtureWorkspace';
import { workbenchSuite } from './workbenchSuite';

/**
 * `scale(label())` wires a string into a number (the mistake); `total`, `count` and `double` have
 * a parameter without a type, each wired from one upstream output; `wrong` is TypeScript's alone
 * (no step call takes it), the control that TypeScript has checked the file and still reports
 * what is not a duplicate.
 */
const PIPELINE = `// Language features beside TypeScript: a mis-wired call, parameters without types, options on a call.
import { pipeline, step } from 'pipewright';

interface Row {
  x: number;
}

export const load = step({ retry: { maxRetries: 3, delay: 1 }, enableCache: false }, function load(): Row[] {
  return [{ x: 1 }];
});
export const label = step(function label(): string {
  return 'a';
});
export const scale = step(function scale(factor: number): number {
  return factor * 2;
});
export const total = step(function total(rows): number {
  return rows.length;
});
export const count = step(function count(names): number {
  return names.length;
});
export const double = step(function double(value): number {
  return value * 2;
});

export const language = pipeline(function language() {
  scale(label());
  total(load.with({ id: 'rows', enableCache: true })());
  count([label(), label()]);
  double(scale(3));
  const wrong: number = label();
  void wrong;
});
`;
const FILE = 'pipelines/language.ts';

/** The 1-based line and column of `text` (at `offset` into it) in the pipeline. */
function positionOf(text: string, offset = 0): { line: number; column: number } {
  const lines = PIPELINE.split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} is not in the pipeline`);
  return { line: index + 1, column: lines[index].indexOf(text) + offset + 1 };
}

describe('language features beside TypeScript in a real VS Code workbench', () => {
  const suite = workbenchSuite('languageFeatures', {
    prepare: (workspace) => {
      // TypeScript in the workbench sees the SDK's types only once `tsc -b` has emitted them (without, every handle is `any`).
      const types = path.join(repoRoot, 'runtime', 'dist', 'types', 'index.d.ts');
      assert.ok(fs.existsSync(types), `${types} is missing: run \`npx tsc -b\` first`);
      fs.writeFileSync(path.join(workspace, FILE), PIPELINE);
    },
  });
  const { stage } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));

  const problems = () => page.locator('.markers-panel .monaco-list-row');
  /** The Problems rows' texts, for what was seen instead. */
  const problemTexts = async () => (await problems().allTextContents().catch(() => [])).join(' | ');
  /** Moves the cursor to `text` (at `offset` into it) with Go to Line. */
  async function goTo(text: string, offset = 0): Promise<void> {
    const { line, column } = positionOf(text, offset);
    await page.locator('.part.editor .monaco-editor .view-lines').first().click();
    await goToLine(page, line, column);
  }

  it('shows one error for one mistake: Pipewright\'s on a mis-wired call, not also TypeScript\'s ts(2345)', () =>
    stage('one-error', async () => {
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      await openFile(page, FILE);
      await page.keyboard.press('Control+Shift+M');
      // Only this file's problems.
      const filter = page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
      await filter.waitFor({ state: 'visible', timeout: 30_000 });
      // The panel moves the focus into itself once it has drawn: text typed before that went
      // elsewhere (once into the file, once into the problems' tree). Typed when the focus is in
      // the panel, and again should the panel take it back meanwhile.
      await until('the Problems filter to hold the glob', async () => {
        if ((await page.locator('.part.panel :focus').count()) === 0) return false;
        if ((await filter.inputValue()) !== '**/language.ts') await filter.fill('**/language.ts');
        return (await filter.inputValue()) === '**/language.ts';
      }, { last: async () => `filter "${await filter.inputValue()}"` });
      assert.equal(await page.locator('.tab.dirty').count(), 0, 'no editor was typed into');
      const wrong = positionOf('const wrong: number');
      const miswired = positionOf('scale(label())');
      // TypeScript has checked the file (with the SDK's types) once its error on `wrong` shows: its
      // semantic diagnostics come as one set, so a ts(2345) on the call would have come with it.
      await until('TypeScript\'s ts(2322) on `wrong` and Pipewright\'s input-type-mismatch', async () => {
        const texts = await problems().allTextContents();
        return texts.some((t) => /OutputHandle<string>.*ts\(?2322\)?/.test(t) && t.includes(`[Ln ${wrong.line},`)) && texts.some((t) => t.includes('input-type-mismatch'));
      }, { timeoutMs: 120_000, last: problemTexts });
      const texts = await problems().allTextContents();
      // Marker rows (with a severity icon), not their related-information child rows.
      const markers = await problems().filter({ has: page.locator('.marker-icon, .codicon-error, .codicon-warning') }).allTextContents();
      const onCall = markers.filter((t) => t.includes(`[Ln ${miswired.line},`));
      assert.equal(onCall.length, 1, `one problem on the mis-wired call: ${onCall.join(' | ')}`);
      assert.match(onCall[0], /string.*number|number.*string/, `Pipewright's message names both types: ${onCall[0]}`);
      assert.match(onCall[0], /pipewright\(?input-type-mismatch\)?/, onCall[0]);
      assert.deepEqual(texts.filter((t) => /ts\(?2345/.test(t)), [], 'no TypeScript duplicate');
      const error = problems().filter({ hasText: 'input-type-mismatch' }).first();
      assert.equal(await error.locator('.codicon-error').count(), 1, 'an error');
      await workbench.screenshot('01-one-error');
    }));

  it('links the diagnostic\'s code to its docs and points at the upstream step in related information', () =>
    stage('related', async () => {
      const error = problems().filter({ hasText: 'input-type-mismatch' }).first();
      // The code is a link to its section of docs/diagnostics.md.
      const link = error.locator('a.monaco-link', { hasText: 'input-type-mismatch' }).first();
      await link.waitFor({ state: 'visible', timeout: 30_000 }).catch(async (failure: Error) => assert.fail(`${failure.message}\nthe row: ${await error.innerHTML()}`));
      const href = (await link.getAttribute('href')) ?? '';
      assert.match(href, /^(file|vscode-remote):\/\/.*\/docs\/diagnostics\.md#input-type-mismatch$/, `the link: ${href}`);
      // The upstream invocation and step, as child rows of the error.
      const label = positionOf('scale(label())', 'scale('.length);
      const definition = positionOf("step(function label()", 0);
      await until('the related information rows', async () => {
        const texts = await problems().allTextContents();
        return texts.some((t) => t.startsWith(`language.ts[Ln ${label.line}, Col ${label.column}]:upstream: output "output" of "label" (string)`)) && texts.some((t) => t.startsWith(`language.ts[Ln ${definition.line}, Col ${definition.column}]:step "label" is defined here`));
      }, { last: problemTexts });
      await workbench.screenshot('02-related-information');
    }));

  it('offers the type the pipeline wires into a parameter as the first quick fix, and applying it writes that type', () =>
    stage('quick-fix', async () => {
      await goTo('function total(rows)', 'function total('.length);
      await page.keyboard.press('Control+.');
      const actions = page.locator('.action-widget .monaco-list-row.action');
      await actions.first().waitFor({ state: 'visible', timeout: 30_000 });
      const titles = async () => (await page.locator('.action-widget .monaco-list-row').allTextContents()).join(' | ');
      const first = (await actions.first().textContent()) ?? '';
      assert.match(first, /^Annotate 'rows' as Row\[\] \(what the pipeline wires into it\)/, `the first quick fix: ${await titles()}`);
      assert.doesNotMatch(await titles(), /\bany\b.*Annotate 'rows'/, 'no `any` before it');
      await workbench.screenshot('03-quick-fix');
      await page.keyboard.press('Enter');
      await page.locator('.action-widget').first().waitFor({ state: 'hidden' });
      await page.keyboard.press('Control+S');
      const file = path.join(suite.workspace, FILE);
      await until('the annotation written to the file', async () => fs.readFileSync(file, 'utf8').includes('function total(rows: Row[]): number'), { last: () => fs.readFileSync(file, 'utf8').split('\n')[positionOf('function total(rows)').line - 1] });
      await until('Problems without the fixed warning', async () => {
        const texts = await problems().allTextContents();
        return !texts.some((t) => t.includes("parameter 'rows'")) && texts.some((t) => t.includes("parameter 'names'"));
      }, { last: problemTexts });
      await workbench.screenshot('03b-quick-fix-applied');
    }));

  it('fixes every fixable Pipewright problem of the file at once with Fix All (source.fixAll)', () =>
    stage('fix-all', async () => {
      const file = path.join(suite.workspace, FILE);
      const before = fs.readFileSync(file, 'utf8');
      assert.match(before, /function count\(names\)/);
      assert.match(before, /function double\(value\)/);
      // TypeScript offers its own "Fix all fixable JS/TS issues" beside it: the author picks Pipewright's.
      // (Asked while the server is still analysing the last edit, only TypeScript's comes, and is applied.)
      const ours = page.locator('.action-widget .monaco-list-row.action', { hasText: 'Fix all Pipewright problems (2)' }).first();
      await until('Fix All to offer Pipewright\'s fixes', async () => {
        await runCommand(page, 'Fix All');
        if (await ours.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) return true;
        await page.keyboard.press('Escape');
        return false;
      }, { timeoutMs: 60_000 });
      await workbench.screenshot('04-fix-all-offered');
      await ours.click();
      await page.keyboard.press('Control+S');
      await until('every wired parameter annotated', async () => {
        const text = fs.readFileSync(file, 'utf8');
        return text.includes('function count(names: string[]): number') && text.includes('function double(value: number): number');
      }, { last: () => fs.readFileSync(file, 'utf8') });
      // No missing-parameter-type left in Problems; the mis-wired call (which has no fix) stays.
      await until('Problems without a missing-parameter-type', async () => {
        const texts = await problems().allTextContents();
        return !texts.some((t) => t.includes('missing-parameter-type')) && texts.some((t) => t.includes('input-type-mismatch'));
      }, { last: problemTexts });
      await workbench.screenshot('04b-fix-all-applied');
    }));

  it('keeps the Outline and breadcrumbs to TypeScript\'s symbols, with no second "Pipewright" group', () =>
    stage('outline', async () => {
      await goTo('return rows.length');
      await runCommand(page, 'Explorer: Focus on Outline View');
      // Room for every row of the outline: the folders' section above it collapsed.
      const folders = page.locator('.pane-header[aria-label*="workspace" i][aria-expanded="true"]').first();
      if (await folders.count()) await folders.click();
      const outline = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /outline/i }) }).locator('.monaco-list-row');
      const rows = async () => (await outline.allTextContents().catch(() => [])).map((t) => t.trim());
      await until('the outline of the file', async () => {
        const seen = await rows();
        return ['load', 'label', 'total', 'language'].every((name) => seen.some((t) => t.startsWith(name)));
      }, { timeoutMs: 60_000, last: async () => (await rows()).join(' | ') });
      const topLevel = (await outline.evaluateAll((items) => items.filter((item) => item.getAttribute('aria-level') === '1').map((item) => item.textContent?.trim() ?? '')));
      assert.ok(!topLevel.some((t) => /pipewright/i.test(t)), `no Pipewright group in the outline: ${topLevel.join(' | ')}`);
      assert.ok(topLevel.some((t) => t.startsWith('Row')) && topLevel.some((t) => t.startsWith('language')), `the file's declarations at the top: ${topLevel.join(' | ')}`);
      const crumbs = (await page.locator('.part.editor .breadcrumbs-control .monaco-breadcrumb-item').allTextContents()).map((t) => t.trim());
      assert.ok(crumbs.some((t) => t.startsWith('total')), `breadcrumbs lead to the step: ${crumbs.join(' › ')}`);
      assert.ok(!crumbs.some((t) => /pipewright/i.test(t)), `no Pipewright group in the breadcrumbs: ${crumbs.join(' › ')}`);
      await workbench.screenshot('05-outline');
    }));

  it('hovers a step call compactly: its options as a short table, with TypeScript\'s signature in the same hover', () =>
    stage('hover', async () => {
      await goTo("load.with({ id: 'rows'", 1);
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      const text = async () => ((await hover.textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
      await until('the hover with Pipewright\'s and TypeScript\'s parts', async () => {
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const seen = await hover.waitFor({ state: 'visible', timeout: 5000 }).then(text, () => '');
        return /const load: Step/.test(seen) && /invocation `?rows`?/.test(seen) && (await hover.locator('table').count()) > 0;
      }, { timeoutMs: 60_000, last: text });
      const table: Locator = hover.locator('table').first();
      const cells = (await table.locator('tr').allTextContents()).map((t) => t.trim());
      assert.ok(cells.some((t) => /^option\s*value$/.test(t)), `a table of options: ${cells.join(' | ')}`);
      assert.ok(cells.some((t) => /enableCache\s*true/.test(t)), `the call's own enableCache: ${cells.join(' | ')}`);
      assert.ok(cells.length <= 10, `short: ${cells.length} rows`);
      assert.doesNotMatch(await table.textContent() ?? '', /[{}]/, 'no raw JSON');
      await workbench.screenshot('06-hover');
    }));
});
