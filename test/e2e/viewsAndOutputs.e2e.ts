/**
 * End to end, as a user: the views and what a run leaves behind, in a real VS Code workbench
 * (code-server, the packaged .vsix, headless Chromium). Before any daemon the status bar says
 * "no orchestrator yet"; the Pipelines view follows pipeline files written and deleted on disk;
 * the Runs view has a welcome text before the first run, filters by status, clears finished runs
 * and links a retry to its original; failures and completions notify with actions that do what
 * they say (and a quick run's "started" never comes after its end); a step's outputs are listed
 * with type and size and open as what they are (JSON, a table, text, an image, bytes to save);
 * step logs are read-only virtual documents. Screenshots go to test-results/e2e/viewsAndOutputs/.
 * Needs `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import { formatBytes } from '../../contracts/src/byteSize';
import { acceptFirst, answerQuickInput, dagFrame, loggedLine, openDag, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';

/** A 16×16 PNG (four coloured quarters). */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAIUlEQVR4nGO4U2GDFcnhQAyjGmij4YQNViSHA41qoIkGAH16WRDqvL0SAAAAAElFTkSuQmCC';
const BLOB = [0, 1, 2, 254, 255, 7, 42];

/** One step making an output of each kind the editor opens differently. */
const SHOWCASE_PIPELINE = `import { pipeline, step } from 'pipewright';

interface Reading {
  id: number;
  city: string;
  temp: number | null;
}

export const make = step({ outputs: ['summary', 'rows', 'note', 'chart', 'blob'] }, function make(): { summary: { name: string; count: number; ok: boolean }; rows: Reading[]; note: string; chart: Buffer; blob: Uint8Array } {
  return {
    summary: { name: 'gauges', count: 3, ok: true },
    rows: [{ id: 1, city: 'Oslo', temp: 4.5 }, { id: 2, city: 'Lima', temp: 19 }, { id: 3, city: 'Pune', temp: null }],
    note: 'three gauges read, all on time',
    chart: Buffer.from('${PNG_BASE64}', 'base64'),
    blob: new Uint8Array(${JSON.stringify(BLOB)}),
  };
});

export const showcase = pipeline(function showcase() {
  make();
});
`;

/** A run over in a moment; its step fails while \`gates/blink-fail\` exists. */
const QUICK_PIPELINE = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';

export const blink = step({ enableCache: false }, function blink(): string {
  if (fs.existsSync('gates/blink-fail')) throw new Error('blinking is switched off (gates/blink-fail exists)');
  return 'blinked';
});

export const quick = pipeline({ enableCache: false }, function quick() {
  blink();
});
`;

/** Written by the test while the workbench is open. */
const ARRIVED_PIPELINE = `import { pipeline, step } from 'pipewright';

export const greet = step(function greet(): string {
  return 'hello';
});

export const arrived = pipeline(function arrived() {
  greet();
});
`;

interface RunRow {
  runId: string;
  runName: string;
  pipeline: string;
  status: string;
}

interface RunOutput {
  name: string;
  type: string;
  size: number;
}

describe('views, notifications, outputs and logs in a real VS Code workbench', () => {
  const suite = workbenchSuite('viewsAndOutputs', {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, 'pipelines', 'showcase.ts'), SHOWCASE_PIPELINE);
      fs.writeFileSync(path.join(workspace, 'pipelines', 'quick.ts'), QUICK_PIPELINE);
    },
  });
  const { stage, cli } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  const gate = (name: string) => path.join(suite.workspace, 'gates', name);
  /** The text of the active editor group's editor (Monaco draws spaces as no-break spaces). */
  const editorText = async () => ((await page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first().textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
  /** Its lines (a short document: Monaco draws every line, in order). */
  const editorLines = async () => (await page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first().locator('.view-line').allTextContents().catch(() => [])).map((line) => line.replace(/\u00a0/g, ' ')).join('\n').trimEnd().split('\n');

  /** The workspace store's runs, newest first. */
  const runs = (pipeline: string): RunRow[] => {
    const listed = cli(['runs', 'list', '--json', '--pipeline', pipeline]);
    if (listed.status !== 0 && /no pipewright store/.test(listed.stderr)) return []; // before the first run
    assert.equal(listed.status, 0, listed.stderr);
    return JSON.parse(listed.stdout.trim().split('\n').at(-1) ?? '[]') as RunRow[];
  };
  /** Waits for a new run of `pipeline` (not one of `known`) to end with `status`. */
  const newRun = (pipeline: string, known: RunRow[], status: string) =>
    until(`a new run of ${pipeline} to be ${status}`, async () => {
      const fresh = runs(pipeline).find((run) => !known.some((old) => old.runId === run.runId));
      return fresh?.status === status && fresh;
    }, { timeoutMs: 120_000, last: () => JSON.stringify(runs(pipeline)[0]) });

  /** A view of the Pipewright side bar, shown (and expanded) as a user opens it. */
  async function pipewrightPane(title: string): Promise<Locator> {
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^${title}`) }) }).first();
    if (!(await pane.isVisible())) await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().click();
    await pane.waitFor({ state: 'visible', timeout: 60_000 });
    const header = pane.locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }
  /** Drags the side bar's edge 400 px to the right, as a user makes room. */
  async function widenSideBar(): Promise<void> {
    const sideBar = page.locator('.part.sidebar').first();
    const box = await sideBar.boundingBox();
    assert.ok(box, 'the side bar is shown');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width + 1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width + 401, y, { steps: 10 });
    await page.mouse.up();
    await until('the side bar to be wider', async () => ((await sideBar.boundingBox())?.width ?? 0) > box.width + 300, { last: async () => `width ${(await sideBar.boundingBox())?.width}` });
  }
  const rowTexts = async (pane: Locator) => (await pane.locator('.monaco-list-row').allTextContents().catch(() => [])).map((text) => text.replace(/\s+/g, ' ').trim());

  async function runQuick(): Promise<void> {
    await runCommand(page, 'Pipewright: Run Pipeline');
    await answerQuickInput(page, 'Pipeline', 'quick');
  }

  it('says "no orchestrator yet" in the status bar before any daemon runs', () =>
    stage('status-bar', async () => {
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      assert.ok(!fs.existsSync(path.join(suite.workspace, '.pipewright', 'server')), 'no daemon has run in this workspace');
      const item = page.locator('[id$="pipewright.status"]').first();
      const text = async () => ((await item.textContent().catch(() => '')) ?? '').trim();
      await until('the status bar to say no orchestrator yet', async () => /Pipewright: no orchestrator yet/.test(await text()), { timeoutMs: 60_000, last: text });
      assert.doesNotMatch(await text(), /inactive/);
      await workbench.screenshot('01-status-no-orchestrator-yet');
    }));

  it('lists a pipeline file written on disk without Refresh, and drops it once deleted', () =>
    stage('pipelines-follow-files', async () => {
      const pane = await pipewrightPane('Pipelines');
      // The activity bar's hover tooltip (from opening the view) would cover the view in the screenshots.
      await page.mouse.move(800, 500);
      await page.locator('.monaco-hover, .workbench-hover-container', { hasText: /^Pipewright$/ }).first().waitFor({ state: 'hidden', timeout: 30_000 });
      await until('the Pipelines view to list the workspace files', async () => (await rowTexts(pane)).some((text) => text.startsWith('pipelines/quick.ts')), { timeoutMs: 60_000, last: async () => JSON.stringify(await rowTexts(pane)) });
      const file = path.join(suite.workspace, 'pipelines', 'arrived.ts');
      fs.writeFileSync(file, ARRIVED_PIPELINE);
      await until('the new file and its pipeline in the view', async () => {
        const seen = await rowTexts(pane);
        return seen.some((text) => text.startsWith('pipelines/arrived.ts')) && seen.some((text) => /^arrived ?1 step$/.test(text));
      }, { timeoutMs: 60_000, last: async () => JSON.stringify(await rowTexts(pane)) });
      await workbench.screenshot('02-pipelines-file-created');
      fs.rmSync(file);
      await until('the deleted file to leave the view', async () => {
        const seen = await rowTexts(pane);
        return !seen.some((text) => text.startsWith('pipelines/arrived.ts') || text.startsWith('arrived')) && seen.some((text) => text.startsWith('pipelines/quick.ts'));
      }, { timeoutMs: 60_000, last: async () => JSON.stringify(await rowTexts(pane)) });
      await workbench.screenshot('03-pipelines-file-deleted');
    }));

  it('welcomes before the first run, filters runs by status, links a retry to its original, and clears finished runs', () =>
    stage('runs-view', async () => {
      const pane = await pipewrightPane('Runs');
      // Room for a run's whole line in the screenshots: the empty secondary side bar (open by default in this VS Code) goes, the side bar grows.
      await runCommand(page, 'View: Toggle Secondary Side Bar Visibility');
      await page.locator('.part.auxiliarybar').first().waitFor({ state: 'hidden', timeout: 30_000 });
      await widenSideBar();
      const welcome = pane.locator('.welcome-view-content');
      await welcome.filter({ hasText: 'No runs yet.' }).waitFor({ state: 'visible', timeout: 30_000 });
      await workbench.screenshot('04-runs-welcome');

      // A failed run, then a completed one.
      fs.writeFileSync(gate('blink-fail'), '');
      await runQuick();
      const failed = await newRun('quick', [], 'failed');
      fs.rmSync(gate('blink-fail'));
      await runQuick();
      const completed = await newRun('quick', [failed], 'completed');
      const rows = async () => rowTexts(pane);
      const runRow = (seen: string[], status: string, run: RunRow) => seen.some((text) => text.startsWith(`${status} · `) && text.includes(run.runName));
      await until('both runs in the view, status first', async () => {
        const seen = await rows();
        return runRow(seen, 'failed', failed) && runRow(seen, 'completed', completed);
      }, { timeoutMs: 60_000, last: async () => JSON.stringify(await rows()) });

      // Filter by status: only failed runs.
      await runCommand(page, 'Pipewright: Filter Runs by Status…');
      const widget = page.locator('.quick-input-widget');
      await until('the status filter', async () => ((await widget.locator('.quick-input-title').first().textContent({ timeout: 500 }).catch(() => '')) ?? '').startsWith('Show runs that are'));
      const failedChoice = widget.locator('.monaco-list-row').filter({ hasText: /^\s*failed\s*$/ }).first();
      await failedChoice.click();
      await until('failed to be picked', async () => (await failedChoice.getAttribute('aria-checked')) === 'true' || (await failedChoice.locator('input[type="checkbox"]').isChecked().catch(() => false)));
      await widget.locator('.monaco-button', { hasText: /^OK$/ }).first().click();
      await until('only the failed run in the view, and the title saying what the filter hides', async () => {
        const seen = await rows();
        const header = (await pane.locator('.pane-header').textContent()) ?? '';
        return runRow(seen, 'failed', failed) && !seen.some((text) => text.includes(completed.runName)) && /failed · 1 hidden/.test(header);
      }, { last: async () => `${JSON.stringify(await rows())} header ${await pane.locator('.pane-header').textContent()}` });
      await workbench.screenshot('05-runs-filtered-failed');
      await runCommand(page, 'Pipewright: Show All Runs');
      await until('both runs again', async () => {
        const seen = await rows();
        return runRow(seen, 'failed', failed) && runRow(seen, 'completed', completed);
      }, { last: async () => JSON.stringify(await rows()) });

      // A retry names the run it retries.
      await runCommand(page, 'Pipewright: Retry Run');
      await acceptFirst(page, 'Run'); // the only run that is neither running nor completed
      const retry = await newRun('quick', [failed, completed], 'completed');
      await until('the retry, linked to its original', async () => (await rows()).some((text) => text.startsWith('completed · 1/1 steps') && text.includes(`${retry.runName} · retry of ${failed.runName}`)), { timeoutMs: 60_000, last: async () => JSON.stringify(await rows()) });
      await workbench.screenshot('06-runs-retry-of');

      // Clear the finished runs: the view is empty and says the filter hides them; Show All Runs brings them back.
      await runCommand(page, 'Pipewright: Clear Finished Runs from the View');
      await welcome.filter({ hasText: 'The filter hides every run.' }).waitFor({ state: 'visible', timeout: 30_000 });
      assert.deepEqual((await rows()).filter((text) => text.includes('quick-')), [], 'no run left in the view');
      assert.match((await pane.locator('.pane-header').textContent()) ?? '', /3 hidden/);
      await workbench.screenshot('07-runs-cleared');
      await runCommand(page, 'Pipewright: Show All Runs');
      await until('the runs back', async () => (await rows()).some((text) => text.includes(retry.runName)), { last: async () => JSON.stringify(await rows()) });
    }));

  it('notifies a failure with Show DAG, Logs and Retry, which do what they say, and a completion; a quick run never says "started" after its end', () =>
    stage('notifications', async () => {
      /** A run's end was notified, and its "started", if it was said at all, came before it: the index of "started", -1 when none. */
      const startedBeforeEnd = async (runName: string): Promise<number> => {
        // The order the extension gave them in (its log): the workbench may show a toast later than it was given.
        await loggedLine(workbench, new RegExp(`notice: .*${runName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} completed`));
        const order = workbench.extensionLog().split('\n').flatMap((line) => /notice: (.*)$/.exec(line)?.[1] ?? []);
        const ended = order.findIndex((text) => text.includes(`${runName} completed`));
        const started = order.findIndex((text) => text.includes(`started ${runName}`));
        assert.ok(ended >= 0, `the completion of ${runName} was notified: ${JSON.stringify(order)}`);
        assert.ok(started < ended, `"started ${runName}" came after its end: ${JSON.stringify(order)}`);
        return started;
      };
      const toast = (text: string | RegExp) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
      /** Fails `quick` from the palette; resolves to its run and its failure's toast, which offers the three actions. */
      const failQuick = async () => {
        const known = runs('quick');
        await runCommand(page, 'Notifications: Clear All Notifications');
        fs.writeFileSync(gate('blink-fail'), '');
        await runQuick();
        const run = await newRun('quick', known, 'failed');
        const failure = toast(`${run.runName} failed at step blink: blinking is switched off`);
        await failure.waitFor({ state: 'visible', timeout: 60_000 });
        for (const action of ['Show DAG', 'Logs', 'Retry']) assert.equal(await failure.locator('.monaco-button', { hasText: action }).count(), 1, `the notification offers ${action}`);
        return { run, failure };
      };

      // Show DAG opens the run's pipeline.
      const first = await failQuick();
      await workbench.screenshot('08-notification-failed');
      assert.equal(await page.locator('.tab', { hasText: 'DAG: quick' }).count(), 0, 'no DAG of quick open yet');
      await first.failure.locator('.monaco-button', { hasText: 'Show DAG' }).click();
      await page.locator('.tab', { hasText: 'DAG: quick' }).first().waitFor({ state: 'visible', timeout: 60_000 });
      const quickFrame = await until('the DAG of quick', async () => {
        for (const candidate of page.frames()) if (await candidate.locator('g.node[data-id="blink"]').count().catch(() => 0)) return candidate;
        return undefined;
      }, { timeoutMs: 60_000 });
      await waitForStatuses(async () => quickFrame, 'the DAG to show the failed run', (statuses) => statuses.blink === 'failed');
      await workbench.screenshot('09-notification-show-dag');

      // Logs opens the failed step's log, its error at the end.
      const second = await failQuick();
      await second.failure.locator('.monaco-button', { hasText: 'Logs' }).click();
      await page.locator('.tab[aria-label^="blink.log"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      await until('the log of the failed attempt', async () => /── blink · attempt 1 · failed · .*Error: blinking is switched off/.test(await editorText()), { timeoutMs: 60_000, last: editorText });
      await loggedLine(workbench, new RegExp(`logs of blink: pipewright-log:/${second.run.runName}/blink\\.log\\?`));
      await workbench.screenshot('10-notification-logs');

      // Retry runs it again (it now succeeds), a retry of the failed run, and its completion notifies.
      const third = await failQuick();
      fs.rmSync(gate('blink-fail'));
      const known = runs('quick');
      await third.failure.locator('.monaco-button', { hasText: 'Retry' }).click();
      const retried = await newRun('quick', known, 'completed');
      const pane = await pipewrightPane('Runs');
      await until('the retry in the Runs view', async () => (await rowTexts(pane)).some((text) => text.includes(`${retried.runName} · retry of ${third.run.runName}`)), { timeoutMs: 60_000, last: async () => JSON.stringify(await rowTexts(pane)) });
      const completion = toast(`${retried.runName} completed (1 step)`);
      await completion.waitFor({ state: 'visible', timeout: 60_000 });
      assert.deepEqual((await completion.locator('.monaco-button').allTextContents()).map((text) => text.trim()), ['Show DAG', 'Logs']);
      await startedBeforeEnd(retried.runName);
      await workbench.screenshot('11-notification-retried-completed');

      // A run over in a moment: its end notifies; "started", if it comes at all, came before it.
      await runCommand(page, 'Notifications: Clear All Notifications');
      const before = runs('quick');
      await runQuick();
      const short = await newRun('quick', before, 'completed');
      await toast(`${short.runName} completed (1 step)`).waitFor({ state: 'visible', timeout: 60_000 });
      // The start is told inside the submission's progress notification: once that is gone, it was said or never will be.
      await toast('Pipewright: run quick…').waitFor({ state: 'hidden', timeout: 60_000 });
      const started = await startedBeforeEnd(short.runName);
      process.stdout.write(`# the short run ${started < 0 ? 'was over before its submission returned: no "started"' : 'said "started" while it ran'}\n`);
      await workbench.screenshot('12-notification-short-run');
      // The DAG of quick and the logs go: the next DAG opened is the only one.
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.tab', { hasText: 'DAG: quick' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    }));

  it('lists every output with its type and size, and opens each as what it is: JSON, a table, text, an image, bytes to save', () =>
    stage('outputs', async () => {
      let frame: Frame = await openDag(page, 'pipelines/showcase.ts', 'showcase', 1);
      const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page)) : frame);
      const known = runs('showcase');
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'showcase');
      const run = await newRun('showcase', known, 'completed');
      await waitForStatuses(liveFrame, 'make to complete', (statuses) => statuses.make === 'completed');
      const shown = cli(['runs', 'show', run.runId, '--json']);
      assert.equal(shown.status, 0, shown.stderr);
      const stored = (JSON.parse(shown.stdout.trim().split('\n').at(-1) ?? '{}') as { steps: { id: string; outputs?: RunOutput[] }[] }).steps.find((step) => step.id === 'make')?.outputs ?? [];
      assert.deepEqual(stored.map((output) => output.name).sort(), ['blob', 'chart', 'note', 'rows', 'summary']);
      const expected = stored.map((output) => `${output.name} ${output.type} · ${formatBytes(output.size)}`).sort();

      // The node's details list them (the runs' notifications out of their way).
      await runCommand(page, 'Notifications: Clear All Notifications');
      await (await liveFrame()).locator('g.node[data-id="make"]').click();
      const detailOutputs = async () => (await (await liveFrame()).locator('#details .details-outputs li').evaluateAll((items) => items.map((item) => `${item.querySelector('.output-link')?.textContent ?? ''} ${item.querySelector('.output-meta')?.textContent ?? ''}`)).catch(() => [])).sort();
      await until('the details to list the five outputs with type and size', async () => JSON.stringify(await detailOutputs()) === JSON.stringify(expected), { timeoutMs: 60_000, last: async () => JSON.stringify(await detailOutputs()) });
      assert.match(((await (await liveFrame()).locator('#details h3', { hasText: 'Outputs' }).textContent()) ?? '').trim(), /^Outputs \(5\)$/);
      await workbench.screenshot('13-node-details-outputs');

      // The Runs view lists them under the run's step.
      const pane = await pipewrightPane('Runs');
      const runRow = pane.locator('.monaco-list-row', { hasText: run.runName }).first();
      await runRow.waitFor({ state: 'visible', timeout: 60_000 });
      if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.locator('.monaco-tl-twistie').click();
      const stepRow = pane.locator('.monaco-list-row', { hasText: /^\s*make/ }).first();
      await stepRow.waitFor({ state: 'visible', timeout: 30_000 });
      if ((await stepRow.getAttribute('aria-expanded')) !== 'true') await stepRow.locator('.monaco-tl-twistie').click();
      const outputRow = (name: string) => pane.locator('.monaco-list-row[aria-level="4"]', { hasText: new RegExp(`^\\s*${name}`) }).first();
      const viewOutputs = async () => (await pane.locator('.monaco-list-row[aria-level="4"]').evaluateAll((rows) => rows.map((row) => `${row.querySelector('.label-name')?.textContent ?? ''} ${row.querySelector('.label-description')?.textContent ?? ''}`)).catch(() => [])).sort();
      await until('the Runs view to list the five outputs with type and size', async () => JSON.stringify(await viewOutputs()) === JSON.stringify(expected), { timeoutMs: 60_000, last: async () => JSON.stringify(await viewOutputs()) });
      await workbench.screenshot('14-runs-view-outputs');

      // JSON, pretty-printed.
      await outputRow('summary').click();
      await page.locator('.tab[aria-label^="summary.json"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      await until('summary pretty-printed', async () => (await editorLines()).join('\n') === '{\n  "name": "gauges",\n  "count": 3,\n  "ok": true\n}', { last: async () => JSON.stringify(await editorLines()) });
      await workbench.screenshot('15-output-json');

      // An array of records, as a table: counts, column names, their types, the rows.
      await outputRow('rows').click();
      await page.locator('.tab[aria-label^="rows.txt"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      await until('rows as a table', async () => /^3 rows · 3 columns\n\nid +city +temp\nnumber +string +number \| null\n─+ +─+ +─+\n1 +Oslo +4\.5\n2 +Lima +19\n3 +Pune +null$/.test((await editorLines()).join('\n')), { last: async () => JSON.stringify(await editorLines()) });
      await workbench.screenshot('16-output-table');

      // Text, as text.
      await outputRow('note').click();
      await page.locator('.tab[aria-label^="note.txt"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      await until('note as text', async () => (await editorText()) === 'three gauges read, all on time', { last: editorText });
      await workbench.screenshot('17-output-text');

      // An image, in VS Code's image preview.
      await outputRow('chart').click();
      await page.locator('.tab[aria-label^="make.chart.png"]').first().waitFor({ state: 'visible', timeout: 30_000 });
      const imageWidth = await until('the image shown', async () => {
        for (const candidate of page.frames()) {
          const width = await candidate.locator('img').first().evaluate((image) => (image as unknown as { complete: boolean; naturalWidth: number }).complete && (image as unknown as { naturalWidth: number }).naturalWidth, undefined, { timeout: 500 }).catch(() => 0);
          if (width) return width;
        }
        return undefined;
      }, { timeoutMs: 60_000 });
      assert.equal(imageWidth, 16);
      await workbench.screenshot('18-output-image');

      // Bytes: offered for Save As; the saved file has the output's bytes.
      await outputRow('blob').click();
      const offer = page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: 'output "blob" of make is 7 B of binary data' }).first();
      await offer.waitFor({ state: 'visible', timeout: 30_000 });
      await workbench.screenshot('19-output-bytes-offer');
      await offer.locator('.monaco-button', { hasText: 'Save As…' }).click();
      const saved = path.join(suite.workspace, 'make.blob.bin');
      // The save dialog (VS Code's own, in a browser) proposes make.blob.bin in the workspace: accept it.
      const dialogInput = page.locator('.quick-input-widget .quick-input-box input').first();
      await until('the save dialog to propose make.blob.bin', async () => /make\.blob\.bin$/.test(await dialogInput.inputValue({ timeout: 500 }).catch(() => '')), { last: async () => dialogInput.inputValue({ timeout: 500 }).catch(() => '(no input)') });
      await workbench.screenshot('20-output-save-as');
      await dialogInput.press('Enter');
      await until('the saved file', async () => fs.existsSync(saved) && fs.statSync(saved).size === BLOB.length, { timeoutMs: 30_000 });
      assert.deepEqual([...fs.readFileSync(saved)], BLOB);
    }));

  it('opens step logs as a read-only virtual document: not a file nor Untitled, editing refused, closing never asks to save', () =>
    stage('logs-read-only', async () => {
      const [run] = runs('showcase');
      const pane = await pipewrightPane('Runs');
      // A click on a step in the Runs view opens its log.
      await pane.locator('.monaco-list-row', { hasText: /^\s*make/ }).first().click();
      const tab = page.locator('.tab[aria-label^="make.log"]').first();
      await tab.waitFor({ state: 'visible', timeout: 30_000 });
      await until('the log of make', async () => /── make · attempt 1 · completed · started /.test(await editorText()), { timeoutMs: 60_000, last: editorText });
      const opened = await loggedLine(workbench, /logs of make: (\S+)/);
      assert.match(opened[1], new RegExp(`^pipewright-log:/${run.runName}/make\\.log\\?`), 'a virtual document of its own scheme, not file: or untitled:');
      assert.doesNotMatch((await tab.getAttribute('aria-label')) ?? '', /Untitled/);
      const original = await editorText();
      await page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.type('edited');
      await page.locator('.monaco-editor-overlaymessage', { hasText: 'Cannot edit in read-only editor' }).first().waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await editorText(), original, 'typing does not change a read-only log');
      assert.equal(await page.locator('.tab.dirty').count(), 0, 'never an unsaved document');
      await workbench.screenshot('21-log-read-only');
      await runCommand(page, 'View: Close Editor');
      await tab.waitFor({ state: 'detached', timeout: 30_000 });
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing asks nothing');
      await workbench.screenshot('22-log-closed');
    }));
});
