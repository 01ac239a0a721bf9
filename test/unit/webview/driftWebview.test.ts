/**
 * Drift in the built DAG webview (headless Chromium under the panel's real CSP, as
 * dagWebview.test.ts): the line saying what changed since the shown run, and the marks on nodes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineGraph } from '../../../contracts/src/graph';
import type { DagDrift } from '../../../contracts/src/webviewMessages';
import { nodesDrawn, send, webviewSuite } from './webviewSuite';

const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'train',
  nodes: ['load', 'split', 'fit', 'summary'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', to: 'split', kind: 'data' },
    { from: 'load', to: 'fit', kind: 'data' },
    { from: 'fit', to: 'summary', kind: 'data' },
  ],
  diagnostics: [],
};

const runState = (drift?: DagDrift) => ({ kind: 'runState', runId: 'r1', runName: 'train-1', runStatus: 'completed', nodes: { load: { status: 'completed', attempt: 1 } }, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now(), ...(drift ? { drift } : {}) });
/** The page's document, as far as these tests read it (the tests compile without the DOM's types). */
type PageDocument = { querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null; classList: { contains(name: string): boolean } }> };
const marks = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from((globalThis as unknown as { document: PageDocument }).document.querySelectorAll('#layer .node')).map((node) => [node.getAttribute('data-id'), ['drift-added', 'drift-rewired', 'drift-code'].filter((name) => node.classList.contains(name)).join(' ')]),
    ),
  );

describe('drift in the DAG webview', () => {
  const harness = webviewSuite();

  it('says what changed since the shown run and marks the added and rewired steps, until the drift is gone', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, runState({ runName: 'train-1', added: ['summary'], removed: ['report'], rewired: ['fit'] }));
    await page.locator('#drift:not([hidden])').waitFor();
    assert.equal(await page.locator('#drift').textContent(), 'Changed since run train-1: 1 added (summary), 1 removed (report), 1 rewired (fit)');
    assert.deepEqual(await marks(page), { load: '', split: '', fit: 'drift-rewired', summary: 'drift-added' });
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/drift.png' });
    // The saved code of fit and load changed since the run as well (the plan's code hashes).
    await send(page, runState({ runName: 'train-1', added: ['summary'], removed: ['report'], rewired: ['fit'], codeChanged: ['load', 'fit'] }));
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } } }).document.getElementById('drift').textContent?.endsWith('2 code changed (load, fit)'));
    assert.equal(await page.locator('#drift').textContent(), 'Changed since run train-1: 1 added (summary), 1 removed (report), 1 rewired (fit), 2 code changed (load, fit)');
    assert.deepEqual(await marks(page), { load: 'drift-code', split: '', fit: 'drift-rewired drift-code', summary: 'drift-added' });
    const dashes = await page.locator('#layer .node[data-id="load"] .node-box').evaluate((box) => (globalThis as unknown as { getComputedStyle(e: unknown): { strokeDasharray: string } }).getComputedStyle(box).strokeDasharray);
    assert.equal(dashes, '2px, 3px', 'a step with new code is outlined dotted');
    await page.screenshot({ path: 'test-results/webview/drift-code.png' });
    // The author undoes the change: no drift, no line, no marks.
    await send(page, runState({ runName: 'train-1', added: [], removed: [], rewired: [], codeChanged: [] }));
    await page.locator('#drift').waitFor({ state: 'hidden' });
    assert.deepEqual(await marks(page), { load: '', split: '', fit: '', summary: '' });
    await page.close();
  });
});
