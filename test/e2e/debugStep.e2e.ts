/**
 * Debug Step end to end, as a user: in a real VS Code workbench (code-server, the packaged .vsix,
 * its built-in JavaScript debugger), run the fixture pipeline so that its last step fails, set a
 * breakpoint in that step, press Debug Step (the code lens above the step), and see the debugger
 * stop at the breakpoint with the failing run's input in the Variables view; continue, and see
 * how the step ended. Prints the time from Debug Step to the breakpoint's variables on screen.
 * Screenshots go to test-results/e2e/debug-step/. Needs `npm run package` and the tools from
 * scripts/e2e-tools.mjs (scripts/test.mjs runs both first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { answerQuickInput, goToLine, loggedLine, openFile, runCommand, until, type Workbench } from './workbench';
import { lineOf, workbenchSuite } from './workbenchSuite';

describe('Debug Step in a real VS Code workbench', () => {
  const suite = workbenchSuite('debug-step', {
    prepare: (workspace) => {
      // The slow step may finish at once, and the last step fails.
      fs.writeFileSync(path.join(workspace, 'gates', 'release'), '');
      fs.writeFileSync(path.join(workspace, 'gates', 'fail'), '');
    },
  });
  const { stage, cli } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));

  it('stops at a breakpoint in the failed step with the failing run’s input in Variables, then shows how the step ended', () =>
    stage('debug', async () => {
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      await openFile(page, 'pipelines/forecast.ts');
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      await answerQuickInput(page, 'forecast: days', '', { type: true }); // keep the default
      // The failure's notification offers Debug Step.
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'failed at step publish' }).first();
      await toast.waitFor({ state: 'visible', timeout: 120_000 });
      assert.equal(await toast.locator('.monaco-button', { hasText: 'Debug Step' }).count(), 1, 'the failure notification offers Debug Step');
      await workbench.screenshot('01-failed');

      // What the failing run gave the step: evaluate's output, from the store.
      const runs = JSON.parse(cli(['runs', 'list', '--json']).stdout) as { runId: string; status: string }[];
      const failed = runs.find((run) => run.status === 'failed');
      assert.ok(failed, `a failed run: ${JSON.stringify(runs)}`);
      const input = JSON.parse(cli(['artifacts', 'get', failed.runId, 'evaluate', '--json']).stdout) as number;
      assert.equal(typeof input, 'number');

      // A breakpoint on the line that throws, in the author's .ts file.
      await page.locator('.tab', { hasText: 'forecast.ts' }).first().click();
      const throwLine = lineOf('pipelines/forecast.ts', "throw new Error('publishing is switched off");
      await goToLine(page, throwLine);
      await page.keyboard.press('F9');
      await page.locator('.monaco-editor .codicon-debug-breakpoint').first().waitFor({ state: 'visible', timeout: 30_000 });

      // Debug Step, from the lens above the step's definition.
      const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Debug Step' });
      // The lens just above publish's definition (lenses of lines scrolled out of view are not drawn).
      const definitionLine = page.locator('.monaco-editor .view-line', { hasText: 'export const publish = step(' }).first();
      const lensTops = () => lens.evaluateAll((links) => links.map((link) => link.getBoundingClientRect().top));
      const lensAbovePublish = async () => {
        const definition = await definitionLine.boundingBox();
        if (!definition) return undefined;
        const above = (await lensTops()).map((top, at) => ({ top, at })).filter((entry) => entry.top < definition.y && definition.y - entry.top < 60);
        return above.length === 0 ? undefined : { at: above.reduce((best, entry) => (entry.top > best.top ? entry : best)).at };
      };
      const { at: index } = await until('the Debug Step lens above publish', lensAbovePublish, { timeoutMs: 60_000, last: async () => `lens tops ${JSON.stringify(await lensTops())}, definition at ${JSON.stringify(await definitionLine.boundingBox())}` });
      const startedAt = performance.now();
      await lens.nth(index).click();

      // Paused at the breakpoint: the failing run's input in the Variables view.
      const variables = page.locator('.debug-variables .monaco-list-row');
      const rowText = async () => (await variables.allTextContents().catch(() => [])).map((text) => text.replace(/\u00a0/g, ' ')).join(' | ');
      // The row reads `error: 2.40…` on screen (its text has `=` where the colon is drawn).
      const inputRow = new RegExp(`^error\\s*[:=]\\s*${String(input).replace(/[.]/g, '\\.')}$`);
      const local = page.locator('.debug-variables .monaco-list-row[aria-expanded="false"]', { hasText: /^\s*Local/ });
      await until('the breakpoint to be hit with the run\'s input in Variables', async () => {
        // The local scope, opened as a user would when it shows collapsed.
        if ((await local.count()) > 0) await local.first().click().catch(() => undefined);
        return (await variables.allTextContents().catch(() => [])).some((text) => inputRow.test(text.replace(/\s+/g, ' ').trim()));
      }, {
        timeoutMs: 120_000,
        last: rowText,
      });
      const elapsedMs = performance.now() - startedAt;
      process.stdout.write(`Debug Step to the breakpoint's variables on screen: ${Math.round(elapsedMs)} ms\n`);
      await page.locator('.monaco-editor .debug-top-stack-frame-line').first().waitFor({ state: 'visible', timeout: 30_000 });
      await workbench.screenshot('02-paused-at-breakpoint');
      await loggedLine(workbench, /debug step publish: inspector listening \d+ ms after Debug Step/);

      // Continue: the step throws again; it is said, and the run stays as it was.
      await page.keyboard.press('F5');
      const ended = page.locator('.notifications-toasts .notification-toast', { hasText: 'failed under the debugger' }).first();
      await ended.waitFor({ state: 'visible', timeout: 60_000 });
      assert.match((await ended.textContent()) ?? '', /step publish of \S+ failed under the debugger: Error: publishing is switched off/);
      await workbench.screenshot('03-step-ended');
      const after = JSON.parse(cli(['runs', 'show', failed.runId, '--json']).stdout) as { status: string; steps: { id: string; status: string; attempts: number }[] };
      assert.equal(after.status, 'failed');
      const publish = after.steps.find((step) => step.id === 'publish');
      assert.deepEqual([publish?.status, publish?.attempts], ['failed', 1], 'debugging committed nothing to the run');
    }));
});
