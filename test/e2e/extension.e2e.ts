/**
 * End to end, as a user: a real VS Code workbench (code-server) with the packaged .vsix, driven by
 * headless Chromium. Opens a workspace, sees the language server's diagnostics in Problems, opens
 * the DAG, runs the pipeline from the palette and watches every node complete (with a live
 * heartbeat age while the slow step runs), opens a named output of a multi-output step, then makes
 * a failing run (its banner, notification, Problems entry and read-only log) and retries it to success.
 * Screenshots of each stage go to test-results/e2e/extension/. Needs `npm run package` and the tools from
 * scripts/e2e-tools.mjs (scripts/test.mjs runs both first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { acceptFirst, answerQuickInput, dagFrame, goToLine, loggedLine, openFile, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { lineOf, workbenchSuite } from './workbenchSuite';

const FORECAST_STEPS = ['load', 'split', 'fit', 'evaluate', 'publish'];


describe('the extension in a real VS Code workbench', () => {
  const suite = workbenchSuite('extension');
  const { stage } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));

  it('installs only the bundles and assets the extension needs', () => {
    const { extensionsDir } = suite;
    const installed = fs.readdirSync(extensionsDir).find((name) => name.startsWith('pipewright.pipewright-vscode-'));
    assert.ok(installed, `no pipewright extension in ${extensionsDir}: ${fs.readdirSync(extensionsDir).join(', ')}`);
    const files = (fs.readdirSync(path.join(extensionsDir, installed), { recursive: true, encoding: 'utf8' }) as string[])
      .filter((file) => fs.statSync(path.join(extensionsDir, installed, file)).isFile())
      .sort();
    const expected = ['LICENSE.txt', 'dist/client/extension.js', 'dist/client/languageClient.js', 'dist/server/server.js', 'dist/server/languageServer.js', 'dist/server/lib.d.ts', 'dist/server/lib.es2022.full.d.ts', 'dist/webview/main.css', 'dist/webview/main.js', 'docs/diagnostics.md', 'media/pipewright.svg', 'node_modules/pipewright-typescript-plugin/index.js', 'node_modules/pipewright-typescript-plugin/package.json', 'package.json', 'readme.md'];
    const unexpected = files.filter((file) => !expected.includes(file) && !/^dist\/webview\/[\w-]+\.js$/.test(file) && !/^dist\/server\/lib\.[\w.]+\.d\.ts$/.test(file) && file !== '.vsixmanifest');
    assert.deepEqual(unexpected, [], `unexpected files in the package: ${unexpected.join(', ')}`);
    for (const file of expected) assert.ok(files.includes(file), `${file} is missing from the package (have: ${files.join(', ')})`);
  });

  it('activates and shows the language server diagnostics in Problems', () =>
    stage('problems', async () => {
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      await openFile(page, 'pipelines/miswired.ts');
      await page.keyboard.press('Control+Shift+M');
      const marker = page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown after target "nowhere"' }).first();
      await marker.waitFor({ state: 'visible', timeout: 60_000 });
      await workbench.screenshot('01-problems');
    }));

  let frame: Frame;
  /** The DAG webview's frame; VS Code may reload it when the layout changes. */
  const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page)) : frame);



  it('opens the DAG of a pipeline, one node per step, and follows the code as it is typed', () =>
    stage('dag', async () => {
      await openFile(page, 'pipelines/forecast.ts');
      await runCommand(page, 'Pipewright: Show DAG');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      frame = await dagFrame(page);
      await frame.locator('g.node').nth(FORECAST_STEPS.length - 1).waitFor({ timeout: 60_000 });
      const ids = await frame.locator('g.node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')));
      assert.deepEqual([...ids].sort(), [...FORECAST_STEPS].sort());
      assert.equal(await frame.locator('path.edge').count(), 5, 'load→split, split→fit, split→evaluate, fit→evaluate, evaluate→publish');
      await workbench.screenshot('02-dag');

      // The graph follows the code: type a second evaluate call, see its node appear, revert.
      await page.locator('.tab', { hasText: 'forecast.ts' }).first().click();
      await goToLine(page, lineOf('pipelines/forecast.ts', 'publish(evaluate(mean, test));'));
      await page.keyboard.press('End');
      await page.keyboard.type(' evaluate(mean, test');
      await frame.locator('g.node[data-id="evaluate_2"]').waitFor({ timeout: 60_000 });
      await workbench.screenshot('03-editing');
      // Undo the typing (a few undo stops: the typed run, the auto-closed parenthesis), until the
      // editor holds the saved text again (its tab is no longer dirty).
      const dirty = page.locator('.tab.dirty', { hasText: 'forecast.ts' });
      await dirty.first().waitFor({ state: 'visible' });
      for (let undo = 0; undo < 40 && (await dirty.count()) > 0; undo++) await page.keyboard.press('Control+Z');
      assert.equal(await dirty.count(), 0, 'undo brings the file back to its saved text');
      assert.equal(await page.locator('.monaco-editor .view-line', { hasText: '; evaluate' }).count(), 0);
      await frame.locator('g.node[data-id="evaluate_2"]').waitFor({ state: 'detached', timeout: 60_000 });
      assert.equal(await frame.locator('g.node').count(), FORECAST_STEPS.length);

      // Room for the graph in the screenshots: hide the side bar and the panel, keep only the DAG.
      await runCommand(page, 'View: Close Primary Side Bar');
      await runCommand(page, 'View: Hide Panel');
      await runCommand(page, 'View: Toggle Secondary Side Bar Visibility'); // open by default in this VS Code
      await runCommand(page, 'View: Close All Editors in Group'); // the code's group (focused by the typing)
      // Moving a webview between layouts may reload its frame: find it again.
      frame = await dagFrame(page);
      await frame.locator('g.node').nth(FORECAST_STEPS.length - 1).waitFor({ timeout: 60_000 });
    }));

  /** Brings the DAG's tab to the front again (documents opened from it open in its group). */
  async function showDagTab(): Promise<void> {
    await page.locator('.tab', { hasText: 'DAG: forecast' }).first().click();
    await (await liveFrame()).locator('g.node').first().waitFor({ timeout: 30_000 });
  }

  /** Shows or hides the Problems panel from its status bar entry (wherever the keyboard focus is, the webview included). */
  async function toggleProblems(): Promise<void> {
    await page.locator('[id="status.problems"]').first().click();
  }

  it('runs the pipeline from the palette, shows a live heartbeat age, and completes every node', () =>
    stage('run', async () => {
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      await answerQuickInput(page, 'forecast: days', '', { type: true }); // keep the default
      await waitForStatuses(liveFrame, 'fit to run', (statuses) => statuses.fit === 'running');
      const fitDetail = async () => (await (await liveFrame()).locator('g.node[data-id="fit"] .node-detail').textContent().catch(() => '')) ?? '';
      await until('a heartbeat age on the running step', async () => /♥ (just now|\d+ (s|min|h))/.test(await fitDetail()), { last: fitDetail });
      await workbench.screenshot('04-heartbeat');
      fs.writeFileSync(path.join(suite.workspace, 'gates', 'release'), '');
      await waitForStatuses(liveFrame, 'every node to complete', (statuses) => FORECAST_STEPS.every((id) => statuses[id] === 'completed'));
      await workbench.screenshot('05-completed');
    }));

  it('labels the edges of named outputs, and opens a named output of a multi-output step without typing its name', () =>
    stage('outputs', async () => {
      const labels = await (await liveFrame()).locator('text.edge-label').allTextContents();
      assert.deepEqual([...labels].sort(), ['test', 'train'], 'split\'s edges say what they carry');
      await runCommand(page, 'Pipewright: Open Artifact');
      await acceptFirst(page, 'Run'); // the newest run: the one that just completed
      await answerQuickInput(page, 'Step', 'split');
      // A pick of the step's outputs (never an input box asking for a name).
      await answerQuickInput(page, 'Output of split', 'test');
      await page.locator('.tab[aria-label^="test.json"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      const text = async () => ((await page.locator('.part.editor .monaco-editor .view-lines').first().textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
      // The last 20% of 30 days, pretty-printed: a number per line.
      await until('the output "test" of split, pretty-printed', async () => /^\[\s*\d+\.\d+,/.test(await text()), { last: text });
      await loggedLine(workbench, /output test of split: pipewright-artifact:/);
      await workbench.screenshot('05b-output');
      await showDagTab();
    }));

  it('shows a failed run, and retries it to success from the palette', () =>
    stage('retry', async () => {
      fs.writeFileSync(path.join(suite.workspace, 'gates', 'fail'), '');
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      await answerQuickInput(page, 'forecast: days', '', { type: true });
      await waitForStatuses(liveFrame, 'publish to fail', (statuses) => statuses.publish === 'failed');
      await workbench.screenshot('06-failed');

      // The DAG says it: a banner naming the step and why, with Retry.
      const bannerText = async () => (await (await liveFrame()).locator('#banner .banner-text').textContent().catch(() => '')) ?? '';
      await until('the failed run\'s banner', async () => /^Failed at step publish: publishing is switched off \(gates\/fail exists\)$/.test(await bannerText()), { last: bannerText });
      assert.deepEqual(await (await liveFrame()).locator('#banner button').allTextContents(), ['Details', 'Logs', 'Retry']);
      // A notification says it, with its actions.
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'failed at step publish' }).first();
      await toast.waitFor({ state: 'visible', timeout: 30_000 });
      for (const action of ['Show DAG', 'Logs', 'Retry']) assert.equal(await toast.locator('.monaco-button', { hasText: action }).count(), 1, `the notification offers ${action}`);
      // Problems has it at the line that threw.
      const throwLine = lineOf('pipelines/forecast.ts', "throw new Error('publishing is switched off");
      await toggleProblems();
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'step publish failed' }).first();
      await problem.waitFor({ state: 'visible', timeout: 60_000 });
      const problemText = (await problem.textContent()) ?? '';
      assert.match(problemText, new RegExp(`publishing is switched off.*\\[Ln ${throwLine}, Col \\d+\\]`), `the failure at forecast.ts:${throwLine}: ${problemText}`);
      await workbench.screenshot('06b-failure-in-problems');
      await toggleProblems();

      // Logs, from the banner: a read-only virtual document, the error at the end of the attempt.
      await (await liveFrame()).locator('#banner button', { hasText: 'Logs' }).click();
      await page.locator('.tab[aria-label^="publish.log"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      const logText = async () => ((await page.locator('.part.editor .monaco-editor .view-lines').first().textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
      await until('the log of publish, with its error', async () => /── publish · attempt 1 · failed · started [\d:.]+ · .*──.*failed +Error: publishing is switched off/.test(await logText()), { last: logText });
      await loggedLine(workbench, /logs of publish: pipewright-log:\/forecast-[^ ]*\/publish\.log\?/);
      await page.locator('.part.editor .monaco-editor .view-lines').first().click();
      await page.keyboard.type('x');
      assert.equal(await page.locator('.tab.dirty').count(), 0, 'typing does not change a read-only log');
      await workbench.screenshot('06c-logs');
      await showDagTab();
      fs.rmSync(path.join(suite.workspace, 'gates', 'fail'));
      await runCommand(page, 'Pipewright: Retry Run');
      await acceptFirst(page, 'Run'); // the only run that is neither running nor completed
      await waitForStatuses(liveFrame, 'the retried run to complete', (statuses) => FORECAST_STEPS.every((id) => statuses[id] === 'completed' || statuses[id] === 'cached') && statuses.publish === 'completed');
      await workbench.screenshot('07-retried');
      // publish ran again: its failure leaves Problems, and the banner goes.
      await (await liveFrame()).locator('#banner').waitFor({ state: 'hidden', timeout: 30_000 });
      await toggleProblems();
      await page.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'step publish failed' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    }));
});
