/**
 * End to end, as a user: live state that is true and commands that do what they say. In a real
 * VS Code workbench (code-server, the packaged .vsix, headless Chromium): the parameter prompt
 * offers "Run with all defaults"; Run from Here on a DAG node re-runs that step and its downstream
 * while the upstream steps keep the outputs of the run shown; Run Step asks each declared input by
 * name and type and offers the outputs of past runs that fit; and a step whose lease allows 10 s
 * between beats (30 s timeout) is never shown late or lost, in the DAG or the status bar, though
 * the editor's own settings (a beat every 5 s, lost at 15 s) would call it late after 7.5 s.
 * Screenshots go to test-results/e2e/liveState/. Needs `npm run package` and the tools from
 * scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, dagFrame, openDag, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';

const FORECAST_STEPS = ['load', 'split', 'fit', 'evaluate', 'publish'];

/** A pipeline whose step beats every 10 s and is lost after 30 s without a beat; it waits for `gates/patient`. */
const PATIENT_PIPELINE = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';

export const waitPatiently = step({ enableCache: false, heartbeat: { interval: 10, timeout: 30 } }, async function waitPatiently(): Promise<string> {
  while (!fs.existsSync('gates/patient')) await new Promise((resolve) => setTimeout(resolve, 100));
  return 'released';
});

export const patient = pipeline(function patient() {
  waitPatiently();
});
`;

interface RunRow {
  runId: string;
  runName: string;
  pipeline: string;
  status: string;
  steps: { id: string; status: string }[];
  parameters?: Record<string, unknown>;
}

describe('live state and run commands in a real VS Code workbench', () => {
  const suite = workbenchSuite('liveState', {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, 'pipelines', 'patient.ts'), PATIENT_PIPELINE);
      // forecast's slow step finishes at once in this suite.
      fs.writeFileSync(path.join(workspace, 'gates', 'release'), '');
    },
  });
  const { stage, cli } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  let frame: Frame;
  const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page)) : frame);
  /** The workspace store's newest runs (three), newest first, with their steps and parameters. */
  const runs = (): RunRow[] => {
    const listed = cli(['runs', 'list', '--json', '--limit', '3']);
    assert.equal(listed.status, 0, listed.stderr);
    return (JSON.parse(listed.stdout.trim().split('\n').at(-1) ?? '[]') as RunRow[]).map((row) => {
      const shown = cli(['runs', 'show', row.runId, '--json']);
      return JSON.parse(shown.stdout.trim().split('\n').at(-1) ?? '{}') as RunRow;
    });
  };
  const stepStatuses = (run: RunRow | undefined) => Object.fromEntries((run?.steps ?? []).map((step) => [step.id, step.status]));


  it('runs the pipeline with all its defaults in one choice of the parameter prompt', () =>
    stage('defaults', async () => {
      frame = await openDag(page, 'pipelines/forecast.ts', 'forecast', FORECAST_STEPS.length);

      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      // The prompt shows the default's value, and offers running with every default at once.
      const widget = page.locator('.quick-input-widget');
      await until('the days prompt with its default', async () => /default 30 \(leave empty\)/.test((await widget.locator('input').getAttribute('placeholder', { timeout: 500 }).catch(() => '')) ?? ''));
      const choice = widget.locator('.monaco-list-row', { hasText: 'Run with all defaults' }).first();
      await choice.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await choice.textContent()) ?? '', /days = 30/);
      await workbench.screenshot('01-run-with-all-defaults');
      await choice.click();
      await waitForStatuses(liveFrame, 'every node to complete', (statuses) => FORECAST_STEPS.every((id) => statuses[id] === 'completed'));
      const [first] = runs();
      assert.equal(first?.pipeline, 'forecast');
      assert.equal(first?.status, 'completed');
    }));

  it('runs from a DAG node: that step and its downstream run again, the upstream keeps the outputs of the run shown', () =>
    stage('run-from-here', async () => {
      const shown = runs()[0];
      const node = (await liveFrame()).locator('g.node[data-id="evaluate"]');
      await node.click({ button: 'right' });
      const item = (await liveFrame()).locator('button[role="menuitem"][data-action="runFromHere"]');
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal((await item.textContent())?.trim(), 'Run from Here');
      await workbench.screenshot('02-run-from-here-menu');
      await item.click();
      const fresh = await until(
        'a new run of forecast from evaluate to complete',
        async () => {
          const [newest] = runs();
          return newest && newest.runId !== shown.runId && newest.status === 'completed' && newest;
        },
        { timeoutMs: 120_000, last: () => JSON.stringify(runs()[0]) },
      );
      assert.deepEqual(stepStatuses(fresh), { load: 'cached', split: 'cached', fit: 'cached', evaluate: 'completed', publish: 'completed' }, 'only evaluate and publish ran; fit (never cached) kept the shown run\'s output');
      assert.deepEqual(fresh.parameters, shown.parameters, 'the parameters of the run shown are kept');
      // The panel follows the new run, whose reused steps it shows as cached.
      await waitForStatuses(liveFrame, 'the panel to show the new run', (statuses) => statuses.fit === 'cached' && statuses.evaluate === 'completed' && statuses.publish === 'completed');
      await workbench.screenshot('03-run-from-here-done');
    }));

  it("runs a step alone, asking each input by name and type and offering past runs' outputs that fit", () =>
    stage('run-step', async () => {
      await runCommand(page, 'Pipewright: Run Step');
      await answerQuickInput(page, 'Pipeline', 'forecast');
      await answerQuickInput(page, 'Step to run', 'evaluate', { type: true });
      const widget = page.locator('.quick-input-widget');
      // mean: number, fed by fit's output in the pipeline.
      await until('the mean prompt', async () => /^number · type a value, or pick an output of a past run$/.test((await widget.locator('input').getAttribute('placeholder', { timeout: 500 }).catch(() => '')) ?? ''));
      const meanOutput = widget.locator('.monaco-list-row', { hasText: 'fit.output of forecast' }).first();
      await meanOutput.waitFor({ state: 'visible', timeout: 30_000 });
      await workbench.screenshot('04-run-step-inputs');
      await meanOutput.click();
      // test: number[], fed by split's output "test".
      await until('the test prompt', async () => /^number\[\] · /.test((await widget.locator('input').getAttribute('placeholder', { timeout: 500 }).catch(() => '')) ?? ''));
      const testOutput = widget.locator('.monaco-list-row', { hasText: 'split.test of forecast' }).first();
      await testOutput.waitFor({ state: 'visible', timeout: 30_000 });
      await testOutput.click();
      const stepRun = await until(
        'the step run to complete',
        async () => {
          const newest = runs().find((run) => run.pipeline === 'step:evaluate');
          return newest?.status === 'completed' && newest;
        },
        { timeoutMs: 120_000, last: () => JSON.stringify(runs()[0]) },
      );
      assert.deepEqual(stepStatuses(stepRun), { evaluate: 'completed' });
    }));

  it('lists runs grouped by pipeline, each leading with its status and progress; a click on a run shows it in its DAG', () =>
    stage('runs-view', async () => {
      const [newest] = runs().filter((run) => run.pipeline === 'forecast');
      const oldest = JSON.parse(cli(['runs', 'list', '--json', '--pipeline', 'forecast']).stdout.trim().split('\n').at(-1) ?? '[]').at(-1) as RunRow;
      assert.notEqual(oldest.runId, newest.runId);
      await page.locator('.activitybar .action-item [aria-label^="Pipewright"]').first().click();
      const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Runs/ }) }).first();
      await pane.waitFor({ state: 'visible', timeout: 30_000 });
      const rows = pane.locator('.monaco-list-row');
      const texts = async () => (await rows.allTextContents().catch(() => [])).map((text) => text.trim());
      await until('the forecast group and its runs, status first', async () => {
        const seen = await texts();
        return seen.some((text) => /^forecast\d+runs?$/.test(text.replace(/\s+/g, ''))) && seen.some((text) => text.startsWith('completed · 5/5 steps') && text.includes(oldest.runName));
      }, { last: async () => JSON.stringify(await texts()) });
      await workbench.screenshot('06-runs-view');
      // A click on the oldest run shows it in the DAG panel (which showed the newest).
      await rows.filter({ hasText: oldest.runName }).first().click();
      const headline = async () => (await (await liveFrame()).locator('#run').textContent().catch(() => '')) ?? '';
      await until('the DAG to show the clicked run', async () => (await headline()).includes(oldest.runName), { last: headline });
      await waitForStatuses(liveFrame, 'the clicked run\'s statuses', (statuses) => FORECAST_STEPS.every((id) => statuses[id] === 'completed'));
      await workbench.screenshot('07-run-clicked');
    }));

  it('judges a running step by its own lease: beats 10 s apart (30 s timeout) are never shown late or lost', () =>
    stage('lease', async () => {
      await runCommand(page, 'Pipewright: Show DAG');
      await answerQuickInput(page, 'Pipeline', 'patient');
      const patientFrame = await until('the DAG of patient', async () => {
        for (const candidate of page.frames()) if (await candidate.locator('g.node[data-id="waitPatiently"]').count().catch(() => 0)) return candidate;
        return undefined;
      }, { timeoutMs: 60_000 });
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'patient');
      const detail = async () => (await patientFrame.locator('g.node[data-id="waitPatiently"] .node-detail').textContent().catch(() => '')) ?? '';
      const statusBar = async () => (await page.locator('[id$="pipewright.status"]').first().textContent().catch(() => '')) ?? '';
      await until('the running step with a heartbeat age', async () => /♥/.test(await detail()), { timeoutMs: 90_000, last: detail });
      await until('the status bar item of the active orchestrator', async () => /Pipewright: active/.test(await statusBar()), { last: statusBar });
      // Watched until an age past 7.5 s (1.5 of the editor's 5 s intervals) is seen, over beats 10 s
      // apart: every sample must say neither late nor lost (a minute at most: a slow machine samples sparsely).
      let seenAge = 0;
      await until(
        "a beat age past the editor's late mark (7.5 s), on time",
        async () => {
          const text = await detail();
          const bar = await statusBar();
          assert.doesNotMatch(text, /late|lost/, `the node says ${text}`);
          assert.doesNotMatch(bar, /late|lost/, `the status bar says ${bar}`);
          const age = /♥ (\d+) s/.exec(text);
          if (age) seenAge = Math.max(seenAge, Number(age[1]));
          return seenAge >= 8;
        },
        { timeoutMs: 60_000, last: () => `highest age ${seenAge} s` },
      );
      await workbench.screenshot('05-lease-on-time');
      fs.writeFileSync(path.join(suite.workspace, 'gates', 'patient'), '');
      await until('the patient step to complete', async () => (await patientFrame.locator('g.node[data-id="waitPatiently"]').getAttribute('data-status').catch(() => '')) === 'completed', { timeoutMs: 90_000 });
    }));
});
