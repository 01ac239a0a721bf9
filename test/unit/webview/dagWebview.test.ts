/**
 * The built DAG webview (dist/webview, `npm test` builds it first) in headless Chromium under the
 * panel's real CSP, resources on another origin than the page as in VS Code (test/bench/webviewHarness.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { NodeRunState, PipelineGraph } from '../../../webview/src/protocol';
import { generateDag } from '../../bench/webviewGraph';
import { CHROMIUM, startWebviewHarness, type HarnessGlobal, type PageHarness, type WebviewHarness } from '../../bench/webviewHarness';

const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'train',
  nodes: ['load', 'split', 'fit', 'evaluate'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', to: 'split', kind: 'data' },
    { from: 'split', to: 'fit', kind: 'data' },
    { from: 'split', to: 'evaluate', kind: 'data' },
    { from: 'fit', to: 'evaluate', kind: 'data' },
  ],
  diagnostics: [],
};

type View = ReturnType<PageHarness['view']>;

function view(page: Page): Promise<View> {
  return page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.view());
}

async function send(page: Page, body: unknown): Promise<void> {
  await page.evaluate((message) => (globalThis as unknown as HarnessGlobal).harness.send(message), body);
}

async function waitForLayout(page: Page, layout: 'draft' | 'final', nodes: number): Promise<View> {
  await page.waitForFunction(([kind, count]) => {
    const shown = (globalThis as unknown as HarnessGlobal).harness.view();
    return shown.layout === kind && shown.nodes === count;
  }, [layout, nodes] as const);
  return view(page);
}

function runState(nodes: Record<string, NodeRunState['status']>, runStatus: string): unknown {
  const states = Object.fromEntries(Object.entries(nodes).map(([id, status]) => [id, { status, attempt: 1 }]));
  return { kind: 'runState', runId: 'r1', runStatus, nodes: states, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() };
}

describe('DAG webview in Chromium', () => {
  let harness: WebviewHarness;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `these tests drive Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\``);
    harness = await startWebviewHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('lays out in a Web Worker started from a Blob URL, with no CSP violation', async () => {
    const page = await harness.open();
    const refused: string[] = [];
    page.on('console', (message) => /Content Security Policy|Refused/i.test(message.text()) && refused.push(message.text()));
    await send(page, { kind: 'graph', graph });
    const shown = await waitForLayout(page, 'final', 4);
    assert.equal(shown.engine, 'worker');
    assert.deepEqual(shown.layoutsSeen, ['final'], 'a small graph is drawn once, with no draft');
    assert.equal(shown.status, 'train: 4 steps');
    assert.deepEqual(refused, []);
    const errors = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages())).filter((message) => message.kind === 'error');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('draws a large graph at once with the draft layout, then with elkjs', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph: generateDag(300, 2) });
    const draft = await waitForLayout(page, 'draft', 300);
    assert.match(draft.status, /300 steps · laying out…/);
    const final = await waitForLayout(page, 'final', 300);
    assert.deepEqual(final.layoutsSeen, ['draft', 'final']);
    assert.doesNotMatch(final.status, /laying out/);
    await page.close();
  });

  it('animates edges while data flows, draws arrived edges solid, and stops when the run ends', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await waitForLayout(page, 'final', 4);
    await send(page, runState({ load: 'completed', split: 'running', fit: 'pending', evaluate: 'pending' }, 'running'));
    await page.waitForFunction(() => (globalThis as unknown as HarnessGlobal).harness.edges().some((edge) => edge.dashes));
    const edges = async () => Object.fromEntries((await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.edges())).map((edge) => [`${edge.from}->${edge.to}`, edge]));
    let shown = await edges();
    assert.equal(shown['load->split'].flowing, true, 'done producer, running consumer');
    assert.equal(shown['split->fit'].flowing, true, 'running producer, pending consumer');
    assert.equal(shown['split->evaluate'].flowing, true);
    assert.equal(shown['fit->evaluate'].flowing, false, 'nothing produced yet');
    assert.equal(shown['split->fit'].dashes, true);
    assert.equal(shown['split->fit'].animation, 'flow');
    assert.equal(shown['fit->evaluate'].dashes, false);

    await send(page, runState({ load: 'completed', split: 'completed', fit: 'completed', evaluate: 'completed' }, 'completed'));
    await page.waitForFunction(() => (globalThis as unknown as HarnessGlobal).harness.edges().every((edge) => edge.done));
    shown = await edges();
    for (const edge of Object.values(shown)) assert.deepEqual([edge.flowing, edge.dashes], [false, false]);
    await page.close();
  });

  it('keeps moving dashes still under prefers-reduced-motion', async () => {
    const page = await harness.open({ reducedMotion: true });
    await send(page, { kind: 'graph', graph });
    await waitForLayout(page, 'final', 4);
    await send(page, runState({ load: 'running', split: 'pending', fit: 'pending', evaluate: 'pending' }, 'running'));
    await page.waitForFunction(() => (globalThis as unknown as HarnessGlobal).harness.edges().some((edge) => edge.dashes));
    const flowing = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.edges())).find((edge) => edge.dashes);
    assert.equal(flowing?.animation, 'none');
    await page.close();
  });

  it('repaints only the node whose status changed', async () => {
    const page = await harness.open();
    const big = generateDag(200, 3);
    await send(page, { kind: 'graph', graph: big });
    await waitForLayout(page, 'final', 200);
    const pending = Object.fromEntries(big.nodes.map((node) => [node.id, 'pending' as const]));
    const first = big.nodes[0].id;
    const touchedFirst = await page.evaluate(([body, id]) => (globalThis as unknown as HarnessGlobal).harness.touchedBy(body, id, 'pending'), [runState(pending, 'running'), first] as const);
    assert.equal(touchedFirst.length, 200, 'the first run state paints every node');
    const target = big.nodes[57].id;
    const touched = await page.evaluate(([body, id]) => (globalThis as unknown as HarnessGlobal).harness.touchedBy(body, id, 'running'), [runState({ ...pending, [target]: 'running' }, 'running'), target] as const);
    assert.deepEqual(touched, [target]);
    await page.close();
  });

  it('falls back to the main thread when no worker may start, and says so', async () => {
    const page = await harness.open({ csp: (csp) => csp.replace('; worker-src blob:', '') });
    await send(page, { kind: 'graph', graph });
    const shown = await waitForLayout(page, 'final', 4);
    assert.equal(shown.engine, 'main-thread');
    assert.match(shown.status, /^train: 4 steps · layout on the main thread: the layout worker could not start \(refused by the content security policy, or its script failed\)$/);
    const errors = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages())).filter((message) => message.kind === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0].message ?? '', /layout worker unavailable, laying out on the main thread/);
    await page.close();
  });
});
