/**
 * End to end, as a user: the editor tells the story of a run while and after it runs, in a real
 * VS Code workbench (code-server, the packaged .vsix, headless Chromium). The logs of a running
 * step, opened from its DAG node, follow it live (a new line arrives, then its attempt's section
 * closes with its status); the last run shows above each step in the code (`✓ … · just now`,
 * `✗ failed: …`); the run's timeline, opened under the DAG, opens again after a window reload;
 * a step's body edited and saved marks it in the DAG as changed since the run shown (by code
 * hash); and the Orchestrator view says the daemon is gone as soon as it is killed, and active
 * again, with its new pid, once a daemon is back. Screenshots go to test-results/e2e/runStory/.
 * Needs `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, dagFrame, openDag, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';

/**
 * `listen` says one line, waits for `gates/more`, says another, then waits for `gates/done`;
 * `summarize` fails while `gates/fail` exists. The test creates the files: it decides, by state,
 * when each line comes and when the step ends.
 */
const PIPELINE = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';

const gate = async (file: string) => {
  while (!fs.existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 100));
};

export const listen = step({ enableCache: false }, async function listen(): Promise<string> {
  console.log('waiting for more');
  await gate('gates/more');
  console.log('got more, waiting for done');
  await gate('gates/done');
  return 'heard';
});

export const summarize = step({ enableCache: false }, function summarize(text: string): string {
  if (fs.existsSync('gates/fail')) throw new Error('summarizing is switched off (gates/fail exists)');
  return text.toUpperCase();
});

export const chatty = pipeline(function chatty() {
  summarize(listen());
});
`;

describe('the story of a run in a real VS Code workbench', () => {
  const suite = workbenchSuite('runStory', {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, 'pipelines', 'chatty.ts'), PIPELINE);
      // The first run's summarize fails; the edit of listen must stay unsaved until the test saves it.
      fs.writeFileSync(path.join(workspace, 'gates', 'fail'), '');
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'files.autoSave': 'off' }));
    },
  });
  const { stage, cli } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  let frame: Frame;
  const gate = (name: string) => fs.writeFileSync(path.join(suite.workspace, 'gates', name), '');
  const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page)) : frame);
  /** The text of the active editor group's editor (Monaco draws spaces as no-break spaces). */
  const editorText = async () => ((await page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first().textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');


  it("follows a running step's logs live: a new line arrives, then its attempt's section closes with its status", () =>
    stage('logs', async () => {
      frame = await openDag(page, 'pipelines/chatty.ts', 'chatty', 2);
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'chatty');
      await waitForStatuses(liveFrame, 'listen to run', (statuses) => statuses.listen === 'running');

      // The step's logs, from its node's menu, while it runs.
      await (await liveFrame()).locator('g.node[data-id="listen"]').click({ button: 'right' });
      const item = (await liveFrame()).locator('button[role="menuitem"][data-action="openLogs"]');
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.click();
      await page.locator('.tab[aria-label^="listen.log"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      await until('the running attempt and its first line', async () => /── listen · attempt 1 · running · started [\d:.]+ ──.*stdout +waiting for more/.test(await editorText()), { timeoutMs: 60_000, last: editorText });
      assert.doesNotMatch(await editorText(), /got more/);
      await workbench.screenshot('01-log-running');

      gate('more');
      await until('the new line, live', async () => /waiting for more.*stdout +got more, waiting for done/.test(await editorText()), { timeoutMs: 60_000, last: editorText });
      assert.match(await editorText(), /── listen · attempt 1 · running ·/, 'still running');
      await workbench.screenshot('02-log-new-line');

      gate('done');
      await until("the attempt's section closed with its status", async () => /── listen · attempt 1 · completed · started [\d:.]+ · [\d.]+ (ms|s) ──/.test(await editorText()), { timeoutMs: 60_000, last: editorText });
      assert.equal(await page.locator('.tab.dirty').count(), 0, 'a read-only document, never unsaved');
      await workbench.screenshot('03-log-completed');
      await waitForStatuses(liveFrame, 'summarize to fail', (statuses) => statuses.summarize === 'failed');
    }));

  it('shows the last run above each step in the code: ✓ with its duration and age, ✗ with the first line of the failure', () =>
    stage('lenses', async () => {
      await page.locator('.tab', { hasText: 'chatty.ts' }).first().click();
      const lenses = page.locator('.part.editor .editor-group-container.active .monaco-editor .codelens-decoration a');
      const titles = async () => (await lenses.allTextContents().catch(() => [])).map((text) => text.replace(/\u00a0/g, ' ').trim());
      await until('the last-run lenses of listen and summarize', async () => {
        const seen = await titles();
        return seen.some((text) => /^✓ [\d.]+ (ms|s) · (just now|\d+ s ago)$/.test(text)) && seen.includes('✗ failed: summarizing is switched off (gates/fail exists)');
      }, { timeoutMs: 60_000, last: async () => JSON.stringify(await titles()) });
      const seen = await titles();
      assert.ok(seen.some((text) => text.startsWith('✗ ')), `the pipeline's lens says its run failed: ${JSON.stringify(seen)}`);
      await workbench.screenshot('04-last-run-lenses');
    }));

  it("reopens the run's timeline after a window reload, as it was", () =>
    stage('timeline-reload', async () => {
      await page.locator('.tab', { hasText: 'DAG: chatty' }).first().click();
      const dag = await liveFrame();
      await dag.locator('#timelineToggle').click();
      await dag.locator('#timelineChart rect.tl-bar').nth(1).waitFor({ timeout: 30_000 });
      await workbench.screenshot('05-timeline-before-reload');

      // Developer: Reload Window, from the palette (the page navigates: runCommand's wait for the palette to close would read a page going away).
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('>Developer: Reload Window');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      await Promise.all([page.waitForEvent('framenavigated', { predicate: (navigated) => navigated === page.mainFrame(), timeout: 60_000 }), input.press('Enter')]);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // The panel comes back (its serializer), showing the run it showed, with its timeline open.
      frame = await until('the DAG panel restored with its timeline', async () => {
        for (const candidate of page.frames()) if (await candidate.locator('#timeline:not([hidden]) #timelineChart rect.tl-bar').count().catch(() => 0)) return candidate;
        return undefined;
      }, { timeoutMs: 120_000 });
      const bars = await frame.locator('#timelineChart rect.tl-bar').evaluateAll((rects) => rects.map((rect) => `${rect.getAttribute('data-id')}#${rect.getAttribute('data-attempt')}`));
      assert.deepEqual(bars.sort(), ['listen#1', 'summarize#1']);
      assert.equal(await frame.locator('#timelineToggle').getAttribute('aria-pressed'), 'true');
      await workbench.screenshot('06-timeline-after-reload');
    }));

  it('marks a step whose saved code changed since the run shown', () =>
    stage('drift', async () => {
      // The code is open beside the DAG since the first stage (the reload restored it): the cursor goes
      // into the line by a click on it, which also makes its editor the active one (keystrokes to a
      // Go to Line box may race on a busy machine; Monaco draws spaces as no-break spaces, which \s matches).
      await page.locator('.part.editor .monaco-editor .view-line', { hasText: /console\.log\('waiting\sfor\smore'\);/ }).first().click();
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.type(', please');
      await until('the edit in the editor, unsaved', async () => (await editorText()).includes("console.log('waiting for more, please');") && (await page.locator('.tab.dirty', { hasText: 'chatty.ts' }).count()) > 0, { last: editorText });
      await page.keyboard.press('Control+S');
      const file = path.join(suite.workspace, 'pipelines', 'chatty.ts');
      await until('the file to be saved', async () => fs.readFileSync(file, 'utf8').includes("console.log('waiting for more, please');"));
      const driftLine = async () => (await (await liveFrame()).locator('#drift').textContent().catch(() => '')) ?? '';
      await until('the drift line to name listen', async () => /^Changed since run chatty-.*: 1 code changed \(listen\)$/.test(await driftLine()), { timeoutMs: 120_000, last: driftLine });
      const marked = await (await liveFrame()).locator('g.node.drift-code').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')));
      assert.deepEqual(marked, ['listen'], 'only the edited step: summarize has the code that ran');
      await page.locator('.tab', { hasText: 'DAG: chatty' }).first().click();
      await workbench.screenshot('07-drift-code-changed');
    }));

  it('says in the Orchestrator view that the daemon is gone as soon as it is killed, and active again when it is back', () =>
    stage('orchestrator', async () => {
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().click();
      const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Orchestrator/ }) }).first();
      await pane.waitFor({ state: 'visible', timeout: 30_000 });
      const header = pane.locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
      const rows = async () => (await pane.locator('.monaco-list-row').allTextContents().catch(() => [])).map((text) => text.replace(/\s+/g, ' ').trim());
      const pidFile = path.join(suite.workspace, '.pipewright', 'server', 'pid');
      const first = Number(fs.readFileSync(pidFile, 'utf8'));
      await until('the view to show the active daemon and its live event stream', async () => {
        const seen = await rows();
        return seen.some((text) => /^Local daemon ?active$/.test(text)) && seen.some((text) => new RegExp(`^Health ?pid ${first},`).test(text)) && seen.some((text) => /^Event stream ?heard (just now|\d+ s ago)$/.test(text));
      }, { last: async () => JSON.stringify(await rows()) });
      await workbench.screenshot('08-orchestrator-active');

      process.kill(first, 'SIGKILL');
      const killedAt = Date.now();
      await until('the view to say the daemon is unreachable', async () => {
        const seen = await rows();
        return seen.some((text) => /^Local daemon ?disconnected$/.test(text)) && seen.some((text) => /^Health ?unreachable: .*\(reconnecting\)$/.test(text));
      }, { timeoutMs: 30_000, last: async () => JSON.stringify(await rows()) });
      process.stdout.write(`# the Orchestrator view said disconnected ${Date.now() - killedAt} ms after the kill\n`);
      await workbench.screenshot('09-orchestrator-killed');

      const started = cli(['server', 'start']);
      assert.equal(started.status, 0, started.stderr);
      const second = Number(fs.readFileSync(pidFile, 'utf8'));
      assert.notEqual(second, first);
      await until('the view to say active again, with the new pid', async () => {
        const seen = await rows();
        return seen.some((text) => /^Local daemon ?active$/.test(text)) && seen.some((text) => new RegExp(`^Health ?pid ${second},`).test(text));
      }, { timeoutMs: 60_000, last: async () => JSON.stringify(await rows()) });
      await workbench.screenshot('10-orchestrator-back');
    }));
});
