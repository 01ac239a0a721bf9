/**
 * End to end, as a user, in a real VS Code workbench (code-server, the packaged .vsix, headless
 * Chromium): a run whose slow step's runner is frozen for a moment (SIGSTOP, then SIGCONT) shows
 * in the DAG panel's Timeline with a bar per attempt, that step's heartbeat gap and the critical
 * path; a second run is then compared with it from the palette ("Compare with…"), which opens a
 * read-only Markdown document. Screenshots go to test-results/e2e/timeline/. Needs `npm run
 * package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { acceptFirst, answerQuickInput, dagFrame, openDag, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';
const FORECAST_STEPS = ['load', 'split', 'fit', 'evaluate', 'publish'];

/** The runner pid and heartbeat of the running attempt of `step` in the newest run of the workspace's store. */
async function runningAttempt(storeDir: string, step: string): Promise<{ pid: number; heartbeatAt: number | null } | undefined> {
  if (!fs.existsSync(path.join(storeDir, 'pipewright.db'))) return undefined;
  const store = await openRunStore(storeDir, 'readOnly');
  try {
    const [run] = await store.listRuns({ limit: 1 });
    if (!run) return undefined;
    const attempt = (await store.getAttempts(run.id, step)).find((a) => a.status === 'running');
    return attempt?.runnerPid ? { pid: attempt.runnerPid, heartbeatAt: attempt.heartbeatAt } : undefined;
  } finally {
    await store.close();
  }
}

describe('a run timeline and a comparison of runs in a real VS Code workbench', () => {
  const suite = workbenchSuite('timeline');
  const { stage, cli } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  let frame: Frame;
  const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page)) : frame);

  /** Runs forecast from the palette, with the default days or `days`. */
  async function runForecast(days = ''): Promise<void> {
    await runCommand(page, 'Pipewright: Run Pipeline');
    await answerQuickInput(page, 'Pipeline', 'forecast');
    await answerQuickInput(page, 'forecast: days', days, { type: true });
  }


  it('shows a run as a timeline beside its DAG: a bar per attempt, the frozen step\'s heartbeat gap, the critical path', () =>
    stage('timeline', async () => {
      frame = await openDag(page, 'pipelines/forecast.ts', 'forecast', FORECAST_STEPS.length);
      await runCommand(page, 'View: Close Primary Side Bar');
      frame = await dagFrame(page);

      await runForecast();
      await waitForStatuses(liveFrame, 'fit to run', (statuses) => statuses.fit === 'running');
      // fit beats every 0.5 s under a 10 s lease: frozen for 2 s, its next beat is late, not lost.
      const storeDir = path.join(suite.workspace, '.pipewright');
      const running = await until('fit to beat', async () => {
        const found = await runningAttempt(storeDir, 'fit');
        return found?.heartbeatAt ? found : undefined;
      });
      process.kill(running.pid, 'SIGSTOP');
      const frozenAt = Date.now();
      try {
        await until('two seconds frozen', async () => Date.now() - frozenAt >= 2000, { timeoutMs: 10_000 });
      } finally {
        process.kill(running.pid, 'SIGCONT');
      }
      const wokenAt = Date.now();
      await until('a beat after waking', async () => ((await runningAttempt(storeDir, 'fit'))?.heartbeatAt ?? 0) >= wokenAt, { timeoutMs: 30_000 });
      fs.writeFileSync(path.join(suite.workspace, 'gates', 'release'), '');
      await waitForStatuses(liveFrame, 'every node to complete', (statuses) => FORECAST_STEPS.every((id) => statuses[id] === 'completed'));

      const dag = await liveFrame();
      await dag.locator('#timelineToggle').click();
      await dag.locator('#timelineChart rect.tl-bar').nth(FORECAST_STEPS.length - 1).waitFor({ timeout: 30_000 });
      const bars = await dag.locator('#timelineChart rect.tl-bar').evaluateAll((rects) => rects.map((rect) => `${rect.getAttribute('data-id')}#${rect.getAttribute('data-attempt')}`));
      assert.deepEqual(bars.sort(), FORECAST_STEPS.map((id) => `${id}#1`).sort(), 'one bar per attempt');
      const gaps = await dag.locator('#timelineChart rect.tl-gap').evaluateAll((rects) => rects.map((rect) => [rect.getAttribute('data-id'), rect.getAttribute('class')]));
      assert.deepEqual(gaps, [['fit', 'tl-gap late']], 'the freeze of fit is its one heartbeat gap');
      const head = (await dag.locator('#timeline .tl-head').textContent()) ?? '';
      assert.match(head, /^Critical path: load → split → fit → evaluate → publish \(/);
      assert.match(head, /1 heartbeat gap$/);
      await workbench.screenshot('01-gantt');
    }));

  it('compares a second run with the first from the palette, in a read-only Markdown document', () =>
    stage('compare', async () => {
      await runForecast('40');
      await until('two runs of forecast', async () => {
        const listed = cli(['runs', 'list', '--json']);
        const runs = listed.status === 0 ? (JSON.parse(listed.stdout) as { status: string }[]) : [];
        return runs.length === 2 && runs.every((run) => run.status === 'completed');
      }, { timeoutMs: 120_000 });
      await runCommand(page, 'Pipewright: Compare with…');
      await acceptFirst(page, 'Run'); // the newest run
      await acceptFirst(page, 'with…'); // the other run of forecast
      const tab = page.locator('.tab', { hasText: '↔' }).first();
      await tab.waitFor({ state: 'visible', timeout: 30_000 });
      // The active editor group's editor: the comparison (the code stays open beside it).
      const editor = page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines').first();
      const text = async () => ((await editor.textContent().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
      await until('the comparison', async () => /# forecast-.* ↔ forecast-/.test(await text()) && /\| fit \|/.test(await text()), { last: text });
      const shown = await text();
      // The first run kept the default days (defaults are not stored), the second was given 40: its steps made other outputs.
      assert.match(shown, /\| days \| \(absent\) \| `40` \|/);
      assert.match(shown, /\| load \| \*\*changed\*\* \|.*\*\*output\*\* `[0-9a-f]{12}` ≠ `[0-9a-f]{12}`/);
      await editor.click();
      await page.keyboard.type('x');
      assert.equal(await page.locator('.tab.dirty').count(), 0, 'the comparison is read-only');
      await workbench.screenshot('02-compare');
    }));
});
