/**
 * The plan before a run in the built DAG webview (headless Chromium under the panel's real CSP,
 * as dagWebview.test.ts): a badge on each node and the line with the counts; edited steps and
 * their downstream marked; a failed plan shows its error and no badges; the Plan button hides
 * them; a running run hides them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineGraph } from '../../../contracts/src/graph';
import type { PlanView } from '../../../contracts/src/webviewMessages';
import { nodesDrawn, send, webviewSuite } from './webviewSuite';

const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'train',
  nodes: ['load', 'split', 'fit', 'summary'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', to: 'split', kind: 'data' },
    { from: 'split', to: 'fit', kind: 'data' },
    { from: 'fit', to: 'summary', kind: 'data' },
  ],
  diagnostics: [],
};

const planned = (edited: { step: string; unsaved: boolean }[] = []): { kind: 'plan'; plan: PlanView } => ({
  kind: 'plan',
  plan: {
    state: 'planned',
    planning: false,
    edited,
    steps: [
      { id: 'load', step: 'load', action: 'reuse' },
      { id: 'split', step: 'split', action: 'reuse' },
      { id: 'fit', step: 'fit', action: 'run', reason: 'code changed' },
      { id: 'summary', step: 'summary', action: 'run', reason: 'upstream will run', detail: 'fit' },
    ],
  },
});

/** The page's document, as far as these tests read it (the tests compile without the DOM's types). */
type PageDocument = { querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null; querySelector(selector: string): PageElement | null }> };
type PageElement = { textContent: string | null; getAttribute(name: string): string | null; querySelector(selector: string): PageElement | null };
/** Each node's badge as drawn: its text (without the tooltip) and tone; '' when it has none. */
const badges = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from((globalThis as unknown as { document: PageDocument }).document.querySelectorAll('#layer .node')).map((node) => {
        const badge = node.querySelector(':scope > text.plan-badge');
        const title = badge?.querySelector('title')?.textContent ?? '';
        return [node.getAttribute('data-id'), badge ? `${(badge.textContent ?? '').slice(title.length)} [${badge.getAttribute('data-tone')}]` : ''];
      }),
    ),
  );

describe('the plan in the DAG webview', () => {
  const harness = webviewSuite();

  it('badges each node with what a run now would do, marks edits and their downstream, and shows a failed plan as its error', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, planned());
    await page.locator('#plan:not([hidden])').waitFor();
    assert.equal(await page.locator('#plan').textContent(), 'Plan of a run now: 2 to reuse, 2 to run');
    assert.deepEqual(await badges(page), { load: 'will reuse [reuse]', split: 'will reuse [reuse]', fit: 'will run: code changed [run]', summary: 'will run: upstream runs [run]' });
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/plan-badges.png' });

    // The author edits split's body, unsaved: it and everything downstream will run.
    await send(page, planned([{ step: 'split', unsaved: true }]));
    await waitForBadge(page, 'split', 'will run: code changed [edited]');
    assert.deepEqual(await badges(page), {
      load: 'will reuse [reuse]',
      split: 'will run: code changed [edited]',
      fit: 'will run: upstream changed [edited]',
      summary: 'will run: upstream changed [edited]',
    });
    assert.equal(await page.locator('#plan').textContent(), 'Plan of a run now: 1 to reuse, 3 to run (split edited, not saved)');
    await page.screenshot({ path: 'test-results/webview/plan-badges-edited.png' });

    // The plan fails: its error, and no badge left from before.
    await send(page, { kind: 'plan', plan: { state: 'failed', error: 'p.ts: parameter n: expected a number', planning: false } });
    await page.locator('#plan.plan-failed').waitFor();
    assert.equal(await page.locator('#plan').textContent(), 'Plan failed: p.ts: parameter n: expected a number');
    assert.deepEqual(await badges(page), { load: '', split: '', fit: '', summary: '' });

    // Planned again; the Plan button hides and shows it; a running run hides it.
    await send(page, planned());
    await waitForBadge(page, 'load', 'will reuse [reuse]');
    await page.locator('#planToggle').click();
    await page.locator('#plan').waitFor({ state: 'hidden' });
    assert.deepEqual(await badges(page), { load: '', split: '', fit: '', summary: '' });
    assert.equal(await page.locator('#planToggle').getAttribute('aria-pressed'), 'false');
    await page.locator('#planToggle').click();
    await waitForBadge(page, 'load', 'will reuse [reuse]');
    await send(page, { kind: 'runState', runId: 'r1', runName: 'train-1', runStatus: 'running', nodes: { load: { status: 'running', attempt: 1 } }, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() });
    await page.locator('#plan').waitFor({ state: 'hidden' });
    assert.deepEqual(await badges(page), { load: '', split: '', fit: '', summary: '' });
    await page.close();
  });

  it('says why there is no plan in Restricted Mode, with no badges', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, { kind: 'plan', plan: { state: 'off', reason: "Restricted Mode: planning runs the workspace's code" } });
    await page.locator('#plan:not([hidden])').waitFor();
    assert.equal(await page.locator('#plan').textContent(), "Plan: off (Restricted Mode: planning runs the workspace's code)");
    assert.deepEqual(await badges(page), { load: '', split: '', fit: '', summary: '' });
    await page.close();
  });
});

async function waitForBadge(page: Page, id: string, wanted: string): Promise<void> {
  await page.waitForFunction(
    ([nodeId, text]) => {
      const doc = (globalThis as unknown as { document: { querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null; querySelector(selector: string): { textContent: string | null } | null } | null } }).document;
      const badge = doc.querySelector(`#layer .node[data-id="${nodeId}"] > text.plan-badge`);
      const title = badge?.querySelector('title')?.textContent ?? '';
      return badge !== null && `${(badge.textContent ?? '').slice(title.length)} [${badge.getAttribute('data-tone')}]` === text;
    },
    [id, wanted] as const,
  );
}
