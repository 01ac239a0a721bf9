/**
 * The built DAG webview (dist/webview, `npm test` builds it first) in headless Chromium under the
 * panel's real CSP, resources on another origin than the page as in VS Code (test/bench/webviewHarness.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineGraph } from '../../../contracts/src/graph';
import type { NodeError, NodeRunState } from '../../../contracts/src/webviewMessages';
import { generateDag } from '../../bench/webviewGraph';
import { findGroups } from '../../../webview/src/nodeGroups';
import { type HarnessGlobal, type PageHarness, type WebviewHarness } from '../../bench/webviewHarness';
import { send, webviewSuite } from './webviewSuite';
import { contrastOf, probe, PROBES, type ProbesGlobal } from '../../support/dagProbes';

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

/** The end-to-end suite's pipeline (test/fixtures/e2e-workspace/pipelines/forecast.ts) as the language server reports it. */
const forecast: PipelineGraph = {
  uri: 'file:///w/pipelines/forecast.ts',
  pipeline: 'forecast',
  nodes: ['load', 'split', 'fit', 'evaluate', 'publish'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', fromOutput: 'output', to: 'split', toInput: 'series', kind: 'data' },
    { from: 'split', fromOutput: 'train', to: 'fit', toInput: 'train', kind: 'data' },
    { from: 'split', fromOutput: 'test', to: 'evaluate', toInput: 'test', kind: 'data' },
    { from: 'fit', fromOutput: 'output', to: 'evaluate', toInput: 'mean', kind: 'data' },
    { from: 'evaluate', fromOutput: 'output', to: 'publish', toInput: 'error', kind: 'data' },
  ],
  diagnostics: [],
};

const failure: NodeError = {
  headline: 'publishing is switched off (gates/fail exists)',
  lines: ['Error: publishing is switched off (gates/fail exists)', '  at check (/w/node_modules/pipewright/dist/runner.js:10:1)', '  at Object.publish (/w/pipelines/forecast.ts:31:42)'],
  frames: [
    { text: 'at check (/w/node_modules/pipewright/dist/runner.js:10:1)', file: '/w/node_modules/pipewright/dist/runner.js', line: 10, column: 1, user: false },
    { text: 'at Object.publish (/w/pipelines/forecast.ts:31:42)', file: '/w/pipelines/forecast.ts', line: 31, column: 42, user: true },
  ],
};

/** A run of `forecast` whose last step failed, as the extension sends it. */
function failedForecast(): { kind: 'runState'; runId: string; runName: string; runStatus: string; nodes: Record<string, NodeRunState>; heartbeat: { intervalMs: number; timeoutMs: number }; now: number } {
  const done = (outputs: NodeRunState['outputs']): NodeRunState => ({ status: 'completed', attempt: 1, durationMs: 12, outputs });
  return {
    kind: 'runState',
    runId: 'r7',
    runName: 'forecast-7',
    runStatus: 'failed',
    nodes: {
      load: done([{ name: 'output', type: 'Array', size: 3000 }]),
      split: done([{ name: 'train', type: 'Array', size: 2400 }, { name: 'test', type: 'Array', size: 610 }]),
      fit: done([{ name: 'output', type: 'number', size: 18 }]),
      evaluate: done([{ name: 'output', type: 'number', size: 17 }]),
      publish: { status: 'failed', attempt: 1, durationMs: 4, error: failure },
    },
    heartbeat: { intervalMs: 5000, timeoutMs: 15000 },
    now: Date.now(),
  };
}

function view(page: Page): Promise<View> {
  return page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.view());
}


async function waitForLayout(page: Page, layout: 'draft' | 'final', nodes: number): Promise<View> {
  await page.waitForFunction(([kind, count]) => {
    const shown = (globalThis as unknown as HarnessGlobal).harness.view();
    return shown.layout === kind && shown.nodes === count;
  }, [layout, nodes] as const);
  return view(page);
}

/** The Iris example's pipeline as the language server reports it (examples/iris/pipeline.ts). */
const iris: PipelineGraph = {
  uri: 'file:///examples/iris/pipeline.ts',
  pipeline: 'training',
  nodes: ['loadRows', 'profile', 'split', 'fit', 'evaluate', 'report'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'loadRows', to: 'profile', kind: 'data' },
    { from: 'loadRows', to: 'split', kind: 'data' },
    { from: 'profile', to: 'fit', kind: 'order' },
    { from: 'split', to: 'fit', kind: 'data' },
    { from: 'fit', to: 'evaluate', kind: 'data' },
    { from: 'split', to: 'evaluate', kind: 'data' },
    { from: 'profile', to: 'report', kind: 'data' },
    { from: 'fit', to: 'report', kind: 'data' },
    { from: 'evaluate', to: 'report', kind: 'data' },
  ],
  diagnostics: [],
};

/** VS Code's Light Modern colours, as it sets them on a webview's root (the harness starts with Dark Modern's). */
const LIGHT_MODERN: Record<string, string> = {
  '--vscode-editor-background': '#ffffff',
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-border': '#e5e5e5',
  '--vscode-editorLineNumber-foreground': '#6e7681',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-testing-iconPassed': '#73c991',
  '--vscode-charts-purple': '#652d90',
  '--vscode-menu-background': '#ffffff',
  '--vscode-menu-foreground': '#3b3b3b',
  '--vscode-menu-border': '#cecece',
  '--vscode-menu-selectionBackground': '#005fb8',
  '--vscode-menu-selectionForeground': '#ffffff',
  '--vscode-widget-shadow': '#00000029',
};


/** A harness page (see `open`) with the probes of webviewProbes.js, `size` wide and high. */
async function openSized(harness: Pick<WebviewHarness, 'open'>, size = { width: 620, height: 800 }, theme: 'dark' | 'light' = 'dark'): Promise<Page> {
  const page = await harness.open();
  await page.setViewportSize(size);
  await page.evaluate(PROBES);
  if (theme === 'light') await page.evaluate((colours) => (globalThis as unknown as ProbesGlobal).probes.useTheme('vscode-light', colours), LIGHT_MODERN);
  return page;
}


/** A run in every state a node can show, with the longest detail lines (attempts, minutes, a late heartbeat). */
function busyRunState(ids: string[]): unknown {
  const now = Date.now();
  const statuses: NodeRunState['status'][] = ['completed', 'cached', 'running', 'failed', 'cancelled', 'crashed', 'skipped', 'pending'];
  const nodes = Object.fromEntries(
    ids.map((id, i) => {
      const status = statuses[i % statuses.length];
      const state: NodeRunState = status === 'running' ? { status, attempt: 3, startedAt: now - 65_000, heartbeatAt: now - 12_000 } : { status, attempt: status === 'failed' ? 3 : 1, durationMs: 185_000, cached: status === 'cached' };
      return [id, state];
    }),
  );
  return { kind: 'runState', runId: 'r1', runStatus: 'running', nodes, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now };
}


function runState(nodes: Record<string, NodeRunState['status']>, runStatus: string): unknown {
  const states = Object.fromEntries(Object.entries(nodes).map(([id, status]) => [id, { status, attempt: 1 }]));
  return { kind: 'runState', runId: 'r1', runStatus, nodes: states, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() };
}

describe('DAG webview in Chromium', () => {
  const harness = webviewSuite();

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

  it('draws a large graph once, at once, with its final layout (no draft first)', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph: generateDag(300, 2) });
    const final = await waitForLayout(page, 'final', 300);
    assert.deepEqual(final.layoutsSeen, ['final']);
    assert.match(final.status, /: 300 steps$/);
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

  for (const [name, shown] of [['iris', iris], ['30 steps', generateDag(30, 4)]] as const) {
    it(`draws the ${name} graph readably in a 620x800 side-by-side panel (light and dark)`, async () => {
      for (const theme of ['dark', 'light'] as const) {
        const page = await openSized(harness, { width: 620, height: 800 }, theme);
        await send(page, { kind: 'graph', graph: shown });
        await waitForLayout(page, 'final', shown.nodes.length);
        await send(page, busyRunState(shown.nodes.map((node) => node.id)));
        await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.nodeColours().some((node) => node.status === 'running'));
        const texts = await probe(page, 'nodeTexts');
        assert.ok(texts.length >= 2 * shown.nodes.length, 'every node shows a title and a detail line');
        const small = texts.filter((text) => text.screenFontPx < 12);
        assert.deepEqual(small, [], 'no node text is drawn below 12 px on screen at first open');
        const overflowing = texts.filter((text) => !text.inside);
        assert.deepEqual(overflowing, [], 'no node text leaves its box');
        fs.mkdirSync('test-results/webview', { recursive: true });
        await page.screenshot({ path: `test-results/webview/${name.replace(/ /g, '-')}-620x800-${theme}.png` });
        await page.close();
      }
    });
  }

  it('lays out left to right in a wide panel, and top down once the panel is made narrow and tall', async () => {
    const page = await openSized(harness, { width: 1400, height: 600 });
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    assert.equal(await probe(page, 'direction'), 'RIGHT');
    const wide = [await probe(page, 'nodeBox', 'loadRows'), await probe(page, 'nodeBox', 'report')];
    assert.ok(wide[0].right < wide[1].left, 'the first step left of the last');
    await page.setViewportSize({ width: 620, height: 800 });
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.direction() === 'DOWN');
    const tall = [await probe(page, 'nodeBox', 'loadRows'), await probe(page, 'nodeBox', 'report')];
    assert.ok(tall[0].bottom < tall[1].top, 'the first step above the last');
    assert.deepEqual((await probe(page, 'nodeTexts')).filter((text) => text.screenFontPx < 12 || !text.inside), []);
    await page.close();
  });

  it('keeps the whole run line in a narrow panel: a long run name wraps, and the status and what it retries stay visible', async () => {
    const page = await openSized(harness, { width: 470, height: 800 });
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    const state = busyRunState(iris.nodes.map((node) => node.id)) as Record<string, unknown>;
    await send(page, { ...state, runId: 'r2', runName: 'iris-2026_12_02-05_26_50_812-retry', retryOf: 'iris-2026_12_02-05_20_11_403' });
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.chrome().run.includes('retry of'));
    const line = await page.locator('#run').evaluate((element) => ({ clipped: element.scrollHeight > element.clientHeight + 1 || element.scrollWidth > element.clientWidth + 1, height: element.clientHeight, text: element.textContent }));
    assert.equal(line.text, 'Run iris-2026_12_02-05_26_50_812-retry (retry of iris-2026_12_02-05_20_11_403) · running');
    assert.equal(line.clipped, false, `the run line is shown whole (${line.height} px high)`);
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/run-line-470x800-dark.png' });
    await page.close();
  });

  it('says which run it shows (and what it retries), and opens a legend of the statuses and edges', async () => {
    const page = await openSized(harness);
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    assert.match((await probe(page, 'chrome')).run, /^Not run yet/);
    const state = busyRunState(iris.nodes.map((node) => node.id)) as Record<string, unknown>;
    await send(page, { ...state, runId: 'r2', runName: 'iris-1-retry', retryOf: 'iris-1' });
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.chrome().run.startsWith('Run iris-1-retry'));
    assert.equal((await probe(page, 'chrome')).run, 'Run iris-1-retry (retry of iris-1) · running');
    const running = (await probe(page, 'nodeTexts')).filter((text) => text.id === 'split').map((text) => text.text);
    assert.ok(running.includes('1 m 05 s · ♥ 12 s late'), `the heartbeat age in human units, kept when the line is cut: ${running.join(' | ')}`);
    await page.click('#legend summary');
    const chrome = await probe(page, 'chrome');
    assert.equal(chrome.legendOpen, true);
    assert.deepEqual(chrome.legend.slice(0, 9), ['not run', 'pending', 'running', 'cached', 'completed', 'failed', 'skipped', 'cancelled', 'crashed']);
    assert.ok(chrome.legend.includes('order only (after)') && chrome.legend.includes('data edge') && chrome.legend.includes('since the last heartbeat') && chrome.legend.includes('collapsed group: its steps per status (click to expand)'));
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/legend-620x800-dark.png' });
    const saved = await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.savedState());
    assert.deepEqual(saved, { uri: iris.uri, pipeline: iris.pipeline, runId: 'r2', legendOpen: true }, 'what a reloaded window reopens the panel with');
    await page.close();
  });

  it('keeps the open legend inside a narrow panel, its explanations wrapped', async () => {
    const page = await openSized(harness, { width: 260, height: 600 });
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    await page.click('#legend summary');
    assert.equal((await probe(page, 'chrome')).legendOpen, true);
    const { box, view } = await probe(page, 'legendSamples');
    assert.ok(box.right - box.left > 100, `the legend is drawn: ${JSON.stringify(box)}`);
    assert.ok(box.left >= 0 && box.top >= 0 && box.right <= view.width && box.bottom <= view.height, `the legend ${JSON.stringify(box)} lies inside the ${view.width}x${view.height} panel`);
    // Where there is room, it takes it: one line per explanation, not a narrow column.
    await page.setViewportSize({ width: 620, height: 800 });
    const wide = await probe(page, 'legendSamples');
    assert.ok(wide.box.right - wide.box.left > 300 && wide.box.left >= 0, `the legend in a 620 px panel: ${JSON.stringify(wide.box)}`);
    await page.close();
  });

  it('draws status borders with at least 3:1 contrast against the node and the page in the default light theme', async () => {
    const page = await openSized(harness, { width: 1280, height: 800 }, 'light');
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    const statuses: NodeRunState['status'][] = ['completed', 'cached', 'running', 'failed', 'cancelled', 'crashed'];
    await send(page, runState(Object.fromEntries(iris.nodes.map((node, i) => [node.id, statuses[i]])), 'running'));
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.nodeColours().every((node) => node.status !== 'idle'));
    const weak: string[] = [];
    for (const node of await probe(page, 'nodeColours')) {
      for (const against of [node.fill, node.background]) {
        const ratio = contrastOf(node.stroke, against);
        if (ratio < 3) weak.push(`${node.status} ${node.stroke} on ${against}: ${ratio.toFixed(2)}:1`);
      }
    }
    assert.deepEqual(weak, []);
    await page.screenshot({ path: 'test-results/webview/statuses-light.png' });
    await page.close();
  });

  it('opens a node menu with the keyboard (Shift+F10, the menu key), moves with the arrows, closes with Escape', async () => {
    const page = await openSized(harness);
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    await page.focus('#canvas');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+F10');
    let menu = await probe(page, 'menu');
    assert.equal(menu.open, true);
    assert.deepEqual(menu.items.map((item) => item.label), ['Go to Code', 'Run from Here', 'Retry Step', 'Debug Step', 'Open Logs', 'Open Artifact…']);
    assert.deepEqual(menu.items.map((item) => item.disabled), [false, false, true, true, true, true], 'nothing of a run to act on before a run');
    assert.equal(menu.focused, 0);
    await page.keyboard.press('ArrowDown');
    assert.equal((await probe(page, 'menu')).focused, 1);
    await page.keyboard.press('ArrowDown');
    assert.equal((await probe(page, 'menu')).focused, 0, 'disabled items are skipped, and the focus wraps');
    await page.keyboard.press('Escape');
    menu = await probe(page, 'menu');
    assert.deepEqual([menu.open, menu.canvasFocused], [false, true], 'Escape closes the menu and gives the focus back to the graph');
    await page.keyboard.press('ContextMenu');
    assert.equal((await probe(page, 'menu')).open, true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.equal((await probe(page, 'menu')).open, false);
    const messages = await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages());
    assert.deepEqual(messages.at(-1), { kind: 'nodeAction', nodeId: 'loadRows', action: 'runFromHere' });
    await page.close();
  });

  it('offers Debug Step on a step of the run it shows, which asks the extension to debug that step', async () => {
    const page = await openSized(harness);
    await send(page, { kind: 'graph', graph: forecast });
    await waitForLayout(page, 'final', forecast.nodes.length);
    await send(page, failedForecast());
    await page.locator('#banner:not([hidden])').waitFor();
    await page.click('g.node[data-id="publish"] rect', { button: 'right' });
    const menu = await probe(page, 'menu');
    assert.equal(menu.open, true);
    const debug = menu.items.find((item) => item.label === 'Debug Step');
    assert.equal(debug?.disabled, false, 'a step of a shown run can be debugged');
    await page.click('#menu button[data-action="debugStep"]');
    const messages = await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages());
    assert.deepEqual(messages.at(-1), { kind: 'nodeAction', nodeId: 'publish', action: 'debugStep' });
    await page.close();
  });

  it('keeps the node menu inside the panel when it opens at its bottom right corner', async () => {
    const page = await openSized(harness, { width: 420, height: 320 });
    await send(page, { kind: 'graph', graph: iris });
    await waitForLayout(page, 'final', iris.nodes.length);
    const canvas = await probe(page, 'canvasBox');
    // The visible point of a node nearest the canvas's bottom right corner.
    let best: { x: number; y: number } | undefined;
    for (const node of iris.nodes) {
      const box = await probe(page, 'nodeBox', node.id);
      const right = Math.min(box.right, canvas.right) - 3;
      const bottom = Math.min(box.bottom, canvas.bottom) - 3;
      if (right <= Math.max(box.left, canvas.left) || bottom <= Math.max(box.top, canvas.top)) continue;
      if (!best || right + bottom > best.x + best.y) best = { x: right, y: bottom };
    }
    assert.ok(best, 'a node is visible');
    await page.mouse.click(best.x, best.y, { button: 'right' });
    const menu = await probe(page, 'menu');
    assert.equal(menu.open, true);
    assert.ok(menu.box.right > best.x - 200, 'near the pointer');
    assert.ok(menu.box.left >= 0 && menu.box.top >= 0 && menu.box.right <= menu.view.width && menu.box.bottom <= menu.view.height, `inside the ${menu.view.width}x${menu.view.height} panel: ${JSON.stringify(menu.box)}`);
    await page.screenshot({ path: 'test-results/webview/menu-at-edge-dark.png' });
    await page.close();
  });

  it('explains a failed run: a banner with Retry, the error on the node and in its tooltip, details with stack links and outputs, edge labels', async () => {
    for (const size of [{ width: 620, height: 800 }, { width: 1280, height: 800 }]) {
      const page = await openSized(harness, size);
      const refused: string[] = [];
      page.on('console', (message) => /Content Security Policy|Refused/i.test(message.text()) && refused.push(message.text()));
      await send(page, { kind: 'graph', graph: forecast });
      await waitForLayout(page, 'final', forecast.nodes.length);
      const labels = await page.locator('text.edge-label').evaluateAll((texts) => texts.map((text) => [`${text.getAttribute('data-from')}->${text.getAttribute('data-to')}`, text.textContent]));
      assert.deepEqual(labels.sort(), [['split->evaluate', 'test'], ['split->fit', 'train']], 'the edges of named outputs say what they carry');
      await send(page, failedForecast());
      await page.locator('#banner:not([hidden])').waitFor();
      assert.equal(await page.locator('#banner .banner-text').textContent(), 'Failed at step publish: publishing is switched off (gates/fail exists)');
      assert.equal(await page.locator('#banner .banner-text').getAttribute('title'), 'Run forecast-7 failed at step publish: publishing is switched off (gates/fail exists)');
      assert.deepEqual(await page.locator('#banner button').allTextContents(), ['Details', 'Logs', 'Retry']);
      const detail = await page.locator('g.node[data-id="publish"] .node-detail').textContent();
      assert.match(detail ?? '', /^publishing is/, `the error's first line on the node: ${detail}`);
      await page.hover('g.node[data-id="publish"] rect');
      const tooltip = await page.locator('g.node[data-id="publish"] > title').textContent();
      assert.equal(tooltip, ['publish', 'failed · publishing is switched off (gates/fail exists) · 4 ms', '', ...failure.lines].join('\n'), 'the whole message and stack in the tooltip');

      await page.click('#banner button[data-action="Details"]');
      await page.locator('#details:not([hidden])').waitFor();
      const [shown, panel] = [await probe(page, 'nodeBox', 'publish'), await page.locator('#details').evaluate((element) => element.getBoundingClientRect().toJSON() as { left: number; top: number })];
      assert.ok(shown.bottom <= panel.top + 0.5 || shown.right <= panel.left + 0.5, `the failed node stays in view beside its details: node ${JSON.stringify(shown)}, panel ${JSON.stringify(panel)}`);
      assert.deepEqual(await page.locator('#details .details-error > div').allTextContents(), failure.lines.map((line) => line.trim()));
      assert.deepEqual(await page.locator('#details a.frame-link.user').allTextContents(), ['at Object.publish (/w/pipelines/forecast.ts:31:42)']);
      fs.mkdirSync('test-results/webview', { recursive: true });
      await page.screenshot({ path: `test-results/webview/failed-run-${size.width}x${size.height}-dark.png` });
      await page.click('#details a.frame-link.user');
      await page.click('#banner button[data-action="Retry"]');
      await page.click('#banner button[data-action="Logs"]');
      // A multi-output step's details list each output, and open the one clicked.
      await page.click('#fit'); // the failed node was panned into view above its details
      await page.click('g.node[data-id="split"] rect');
      await page.locator('#details h2', { hasText: 'split' }).waitFor();
      assert.deepEqual(await page.locator('#details ul.details-outputs li').allTextContents(), ['trainArray · 2.4 kB', 'testArray · 610 B']);
      await page.screenshot({ path: `test-results/webview/outputs-${size.width}x${size.height}-dark.png` });
      await page.click('#details button.output-link:text-is("test")');
      const messages = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages())).filter((message) => message.kind !== 'ready');
      assert.deepEqual(messages.filter((message) => message.kind !== 'openNode'), [
        { kind: 'openFrame', file: '/w/pipelines/forecast.ts', line: 31, column: 42 },
        { kind: 'retryRun' },
        { kind: 'nodeAction', nodeId: 'publish', action: 'openLogs' },
        { kind: 'openOutput', nodeId: 'split', output: 'test' },
      ]);
      await page.keyboard.press('Escape');
      await page.locator('#details').waitFor({ state: 'hidden' });
      await send(page, { ...failedForecast(), runStatus: 'running', nodes: { ...failedForecast().nodes, publish: { status: 'running', attempt: 2, startedAt: Date.now() } } });
      await page.locator('#banner').waitFor({ state: 'hidden' });
      assert.deepEqual(refused, []);
      await page.close();
    }
  });

  it('finds, filters, zooms to failed steps, maps and collapses a 152-step graph, with labels readable at fit', async () => {
    const big = generateDag(152, 5);
    const page = await openSized(harness);
    const refused: string[] = [];
    page.on('console', (message) => /Content Security Policy|Refused/i.test(message.text()) && refused.push(message.text()));
    await send(page, { kind: 'graph', graph: big });
    await waitForLayout(page, 'final', 152);
    const canvas = await probe(page, 'canvasBox');
    const inView = (box: { left: number; top: number; right: number; bottom: number }) => box.left >= canvas.left && box.right <= canvas.right && box.top >= canvas.top && box.bottom <= canvas.bottom;
    const classesOf = () => page.locator('#layer g.node').evaluateAll((groups) => groups.map((g) => ({ id: g.getAttribute('data-id') ?? '', dimmed: g.classList.contains('dimmed'), selected: g.classList.contains('selected'), status: g.getAttribute('data-status') })));

    // Search: `/` on the graph focuses the box; Enter goes to the match, selected and readable in the middle.
    const target = big.nodes[140].id;
    assert.ok(!inView(await probe(page, 'nodeBox', target)), 'the target starts out of view');
    await page.focus('#canvas');
    await page.keyboard.press('/');
    assert.equal(await probe(page, 'focusedId'), 'search');
    await page.keyboard.type(target);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => (globalThis as unknown as ProbesGlobal).probes.selectedId() === id, target);
    assert.ok(inView(await probe(page, 'nodeBox', target)), 'the match is brought into view');
    const found = (await probe(page, 'nodeTexts')).filter((text) => text.id === target);
    assert.ok(found.length > 0 && found.every((text) => text.screenFontPx >= 12), 'and readable');
    const searched = await classesOf();
    const matching = big.nodes.filter((node) => node.id.includes(target) || node.step.includes(target)).map((node) => node.id);
    assert.deepEqual(searched.filter((node) => !node.dimmed).map((node) => node.id).sort(), matching.sort(), 'what does not match fades');
    assert.match((await page.locator('#matches').textContent()) ?? '', /^1\/\d+$/);
    await page.keyboard.press('Tab');
    assert.equal(await probe(page, 'focusedId'), 'statusFilter', 'the tools are reached with Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Escape');
    assert.equal((await classesOf()).filter((node) => node.dimmed).length, 0, 'Escape clears the search');
    await page.keyboard.press('Escape');
    assert.equal(await probe(page, 'focusedId'), 'canvas', 'and Escape again gives the focus back to the graph');

    // A run with failures: filter by status, then zoom to the failed ones from the fitted view.
    const states = Object.fromEntries(big.nodes.map((node, i) => [node.id, { status: i === 120 ? 'failed' : i < 100 ? 'completed' : 'pending', attempt: 1, durationMs: 5 }]));
    await send(page, { kind: 'runState', runId: 'r1', runStatus: 'failed', nodes: states, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() });
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.tools().zoomFailed);
    assert.ok(!inView(await probe(page, 'nodeBox', big.nodes[120].id)), 'the failed step is out of view before the filter');
    await page.selectOption('#statusFilter', 'failed');
    const filtered = await classesOf();
    assert.deepEqual(filtered.filter((node) => !node.dimmed).map((node) => node.id), [big.nodes[120].id], 'only the failed step stays bright');
    await page.waitForFunction((id) => (globalThis as unknown as ProbesGlobal).probes.selectedId() === id, big.nodes[120].id);
    assert.ok(inView(await probe(page, 'nodeBox', big.nodes[120].id)), 'a filter whose steps are all out of view goes to the first of them');
    await page.selectOption('#statusFilter', '');
    assert.equal((await classesOf()).filter((node) => node.dimmed).length, 0);
    await page.click('#fit');
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.tools().far);
    assert.ok(!(await probe(page, 'nodeTexts')).some((text) => text.screenFontPx >= 12), 'fitted, the node text is too small to draw...');
    await page.waitForFunction(() => (globalThis as unknown as ProbesGlobal).probes.farLabels().length > 0);
    const labels = await probe(page, 'farLabels');
    assert.ok(labels.length >= 20, `...so the labels that fit are drawn at the readable size: ${labels.length}`);
    assert.ok(labels.every((label) => label.px >= 12), 'at the editor font size');
    assert.ok(labels.some((label) => label.id === big.nodes[120].id), 'the failed step is labelled first');
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i].box, labels[j].box];
        assert.ok(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top, `labels ${labels[i].text} and ${labels[j].text} overlap`);
      }
    }
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/152-steps-fit-620x800-dark.png' });
    await page.click('#zoomFailed');
    const failedBox = await probe(page, 'nodeBox', big.nodes[120].id);
    assert.ok(inView(failedBox), 'zoom to failed brings the failed step into view');
    assert.ok((await probe(page, 'nodeTexts')).filter((text) => text.id === big.nodes[120].id).every((text) => text.screenFontPx >= 12), 'readable');
    assert.equal((await classesOf()).find((node) => node.selected)?.id, big.nodes[120].id);

    // The overview map shows the view, and a click on it pans there.
    const map = page.locator('#minimap');
    assert.equal(await map.isVisible(), true, 'a graph that does not fit at the readable zoom shows its map');
    const mapBox = (await map.boundingBox()) ?? assert.fail('no map box');
    const click = { x: mapBox.x + mapBox.width / 2, y: mapBox.y + mapBox.height * 0.3 };
    await page.mouse.click(click.x, click.y);
    await page.waitForFunction(([x, y]) => {
      const shown = (globalThis as unknown as ProbesGlobal).probes.minimapView();
      return Math.abs(shown.x + shown.width / 2 - x) < 2 && Math.abs(shown.y + shown.height / 2 - y) < 2;
    }, [click.x - mapBox.x, click.y - mapBox.y] as const);
    const { width, height } = await probe(page, 'minimapView');
    assert.ok(width > 0 && height > 0 && width < mapBox.width, 'the view is a rectangle on the map');
    await page.screenshot({ path: 'test-results/webview/152-steps-map-620x800-dark.png' });

    // Collapse the largest fan-out from a member's menu: one node with a count, its edges rewired; a click expands it.
    const fan = findGroups(big).filter((group) => group.kind === 'fanout').sort((a, b) => b.members.length - a.members.length)[0];
    await page.fill('#search', fan.members[0]);
    await page.press('#search', 'Enter');
    await page.focus('#canvas');
    await page.keyboard.press('Shift+F10');
    const collapseItem = page.locator(`#menu button[data-action="collapse:${fan.key}"]`);
    assert.equal(await collapseItem.textContent(), `Collapse ${fan.id} (${fan.members.length} steps)`);
    await collapseItem.click();
    const collapsedCount = 152 - fan.members.length + 1;
    await waitForLayout(page, 'final', collapsedCount);
    const groupNode = page.locator('#layer g.node.node-group');
    assert.equal(await groupNode.getAttribute('data-id'), fan.id);
    assert.match((await groupNode.locator('.node-detail').textContent()) ?? '', new RegExp(`^${fan.members.length} steps`));
    const edges = await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.edges());
    const members = new Set(fan.members);
    assert.ok(!edges.some((edge) => members.has(edge.from) || members.has(edge.to)), 'no edge leads to a member');
    assert.ok(edges.some((edge) => edge.to === fan.id) && edges.some((edge) => edge.from === fan.id), 'edges go into and out of the group');
    assert.ok(inView(await probe(page, 'nodeBox', fan.id)), 'the group is where the eye is');
    assert.match((await view(page)).status, /1 group collapsed/);
    await page.screenshot({ path: 'test-results/webview/152-steps-collapsed-620x800-dark.png' });
    assert.equal(await probe(page, 'selectedId'), fan.id, 'the group is selected');
    await page.focus('#canvas');
    await page.keyboard.press('Enter');
    await waitForLayout(page, 'final', 152);
    assert.equal(await page.locator('#layer g.node.node-group').count(), 0, 'Enter expands it again');
    const saved = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.savedState())) as { collapsed?: string[] };
    assert.deepEqual(saved.collapsed, []);

    // Every group at once, and back.
    await page.click('#groups');
    await page.waitForFunction(() => /groups collapsed/.test((globalThis as unknown as ProbesGlobal).probes.tools().status));
    const folded = await view(page);
    assert.ok(folded.nodes < 76, `collapsing every group leaves ${folded.nodes} nodes`);
    // A click on a group (brought into view by finding one of its steps) expands it.
    const stage = findGroups(big).find((group) => group.kind === 'pipeline' && group.depth === 1) ?? assert.fail('no composed pipeline');
    await page.fill('#search', stage.members[0]);
    await page.press('#search', 'Enter');
    await page.waitForFunction((id) => (globalThis as unknown as ProbesGlobal).probes.selectedId() === id, stage.id);
    await page.locator(`#layer g.node[data-id="${stage.id}"] rect.node-box`).click();
    await page.locator(`#layer g.node[data-id="${stage.id}"]`).waitFor({ state: 'detached' });
    const opened = await view(page);
    assert.ok(opened.nodes > folded.nodes, `its steps are drawn again (fan-outs inside stay collapsed): ${folded.nodes} -> ${opened.nodes} nodes`);
    const loose = stage.members.filter((id) => !findGroups(big).some((group) => group.kind === 'fanout' && group.members.includes(id)));
    assert.ok(loose.length > 0);
    for (const id of loose) assert.equal(await page.locator(`#layer g.node[data-id="${id}"]`).count(), 1, `${id} is drawn again`);
    await page.click('#groups');
    await waitForLayout(page, 'final', 152);
    assert.deepEqual(refused, []);
    await page.close();
  });

  it('keeps a 1,000-step graph\'s nodes out of view out of the document, painted all the same, and brings them in, in order', async () => {
    const large = generateDag(1000, 1);
    const order = new Map(large.nodes.map((node, index) => [node.id, index]));
    const page = await openSized(harness);
    await send(page, { kind: 'graph', graph: large });
    await waitForLayout(page, 'final', 1000);
    const inDocument = () => page.locator('#layer g.node').evaluateAll((groups) => groups.map((g) => ({ id: g.getAttribute('data-id') ?? '', status: g.getAttribute('data-status') ?? '' })));
    const inOrder = (ids: string[]) => ids.every((id, i) => i === 0 || (order.get(ids[i - 1]) ?? 0) < (order.get(id) ?? 0));
    const opened = await inDocument();
    assert.ok(opened.length > 0 && opened.length < 200, `only the nodes in and around the view are in the document: ${opened.length} of 1,000`);
    assert.ok(inOrder(opened.map((node) => node.id)), 'in the drawing\'s order');
    const edgesIn = await page.locator('#layer path.edge').count();
    assert.ok(edgesIn > 0 && edgesIn < 300, `and so are the edges: ${edgesIn}`);

    // A run state for every node, then a node out of view brought into view by a search: it shows the state it was sent while out.
    const target = large.nodes.map((node) => node.id).reverse().find((id) => !opened.some((node) => node.id === id)) as string;
    const states = Object.fromEntries(large.nodes.map((node) => [node.id, { status: node.id === target ? 'failed' : 'completed', attempt: 1, durationMs: 5 }]));
    await send(page, { kind: 'runState', runId: 'r1', runStatus: 'failed', nodes: states, heartbeat: { intervalMs: 5000, timeoutMs: 15000 }, now: Date.now() });
    await page.locator('#layer g.node[data-status="completed"]').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator(`#layer g.node[data-id="${target}"]`).count(), 0, `${target} is out of the document`);
    await page.focus('#canvas');
    await page.keyboard.press('/');
    await page.keyboard.type(target);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => (globalThis as unknown as ProbesGlobal).probes.selectedId() === id, target);
    const moved = await inDocument();
    assert.equal(moved.find((node) => node.id === target)?.status, 'failed', 'brought into view, it shows the state sent while it was out');
    assert.ok(inOrder(moved.map((node) => node.id)), `still in the drawing's order: ${moved.map((node) => node.id).slice(0, 12).join(', ')}…`);
    assert.ok(moved.length < 200 && opened.some((node) => !moved.some((now) => now.id === node.id)), 'and the nodes left behind are out of the document');
    const box = await probe(page, 'nodeBox', target);
    assert.ok(box.right > box.left, `drawn with its box: ${JSON.stringify(box)}`);
    assert.equal(await page.locator('#layer .culled').count(), 0, 'nothing in the document is hidden by the class a small graph hides with');
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
