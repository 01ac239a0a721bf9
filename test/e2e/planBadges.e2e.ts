/**
 * End to end, as a user: the plan before a run in the DAG of a real VS Code workbench (code-server,
 * the packaged .vsix, headless Chromium). Opens the DAG of a cacheable pipeline and sees every step
 * "will run" (nothing cached yet), runs it and sees every step "will reuse", edits a step's body
 * without saving and sees it and everything downstream turn "will run: code changed" / "upstream
 * changed" (in the tone of edits, the line saying it is not saved), then saves and sees the plan of the saved code say the same. Screenshots go
 * to test-results/e2e/planBadges/. Needs `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, goToLine, liveDag, runCommand, until, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';
const STEPS = ['load', 'clean', 'train', 'report'];

/** A chain of four cacheable steps, no parameters; `clean`'s body is the one edited. */
const PIPELINE = `import { pipeline, step } from 'pipewright';

export const load = step(function load(): number[] {
  return [1, 2, 3, 4];
});

export const clean = step(function clean(values: number[]): number[] {
  const factor = 2;
  return values.map((value) => value * factor);
});

export const train = step(function train(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
});

export const report = step(function report(mean: number): string {
  return \`mean \${mean}\`;
});

export const planned = pipeline(function planned() {
  report(train(clean(load())));
});
`;

/** Each node's plan badge (its text without the tooltip), by node id; '' when it has none. */
async function badges(frame: Frame): Promise<Record<string, string>> {
  return frame.locator('g.node').evaluateAll((nodes) =>
    Object.fromEntries(
      nodes.map((node) => {
        const badge = node.querySelector(':scope > text.plan-badge');
        const title = badge?.querySelector('title')?.textContent ?? '';
        return [node.getAttribute('data-id') ?? '', (badge?.textContent ?? '').slice(title.length)];
      }),
    ),
  );
}

describe('the plan before a run in the DAG of a real VS Code workbench', () => {
  const suite = workbenchSuite('planBadges', {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, 'pipelines', 'planned.ts'), PIPELINE);
      // The edit must stay unsaved until the test saves it (code-server saves after a delay by default).
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.autoSave': 'off' }));
    },
    viewport: { width: 1600, height: 900 },
  });
  const { stage } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  const dag = liveDag(() => page);
  const liveFrame = dag.live;

  async function waitForBadges(what: string, wanted: Record<string, string>, timeoutMs = 120_000): Promise<void> {
    let last: Record<string, string> = {};
    let line = '';
    await until(
      what,
      async () => {
        const current = await liveFrame();
        last = await badges(current).catch(() => last);
        line = (await current.locator('#plan').textContent({ timeout: 1000 }).catch(() => line)) ?? '';
        return STEPS.every((id) => last[id] === wanted[id]);
      },
      { timeoutMs, last: () => `badges ${JSON.stringify(last)}, plan line "${line}"` },
    );
  }

  it('shows what a run would do, "will reuse" after a run, and an edited step with its downstream turning "will run: code changed"', () =>
    stage('plan', async () => {
      await dag.open('pipelines/planned.ts', 'planned', STEPS.length);
      await waitForBadges('the plan before any run', { load: 'will run: not cached yet', clean: 'will run: upstream runs', train: 'will run: upstream runs', report: 'will run: upstream runs' });
      assert.equal(await (await liveFrame()).locator('#plan').textContent(), 'Plan of a run now: 0 to reuse, 4 to run');
      await workbench.screenshot('01-before-any-run');

      const started = Date.now();
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'planned');
      await waitForBadges('every step to be reused after the run', { load: 'will reuse', clean: 'will reuse', train: 'will reuse', report: 'will reuse' });
      process.stdout.write(`# from Run to "will reuse" on every node: ${Date.now() - started} ms\n`);
      assert.equal(await (await liveFrame()).locator('#plan').textContent(), 'Plan of a run now: 4 to reuse, 0 to run');
      await workbench.screenshot('02-will-reuse-after-the-run');

      // Edit clean's body, unsaved: it and everything downstream will run; load is still reused.
      await page.locator('.tab', { hasText: 'planned.ts' }).first().click();
      const line = PIPELINE.split('\n').findIndex((text) => text.includes('const factor = 2;')) + 1;
      await goToLine(page, line);
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.type('0');
      const typedAt = Date.now();
      await waitForBadges('the edited step and its downstream marked, unsaved', {
        load: 'will reuse',
        clean: 'will run: code changed',
        train: 'will run: upstream changed',
        report: 'will run: upstream changed',
      });
      assert.equal(await (await liveFrame()).locator('#plan').textContent(), 'Plan of a run now: 1 to reuse, 3 to run (clean edited, not saved)');
      assert.deepEqual(await (await liveFrame()).locator('text.plan-badge').evaluateAll((texts) => texts.map((text) => text.getAttribute('data-tone'))), ['reuse', 'edited', 'edited', 'edited']);
      process.stdout.write(`# from the keystroke to the marks: ${Date.now() - typedAt} ms\n`);
      const file = path.join(suite.workspace, 'pipelines', 'planned.ts');
      assert.match(fs.readFileSync(file, 'utf8'), /const factor = 2;/, 'the file is not saved');
      await workbench.screenshot('03-edited-unsaved');

      // Saved: the plan of the saved code says it.
      await page.keyboard.press('Control+S');
      await until('the file to be saved', async () => /const factor = 20;/.test(fs.readFileSync(file, 'utf8')));
      await waitForBadges('the plan of the saved code', { load: 'will reuse', clean: 'will run: code changed', train: 'will run: upstream runs', report: 'will run: upstream runs' });
      assert.equal(await (await liveFrame()).locator('#plan').textContent(), 'Plan of a run now: 1 to reuse, 3 to run');
      await workbench.screenshot('04-saved-and-planned');
    }));
});
