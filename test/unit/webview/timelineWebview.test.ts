/**
 * The run's timeline in the built DAG webview (headless Chromium under the panel's real CSP, as
 * dagWebview.test.ts): the toggle tells the extension, the timeline it sends is drawn with a bar
 * per attempt, the retry delay, the heartbeat gaps and the critical path, with no CSP violation;
 * it is reached and toggled from the keyboard.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineGraph } from '../../../contracts/src/graph';
import type { RunTimeline } from '../../../runtime/src/model/runTimeline';
import { type HarnessGlobal } from '../../bench/webviewHarness';
import { nodesDrawn, send, webviewSuite } from './webviewSuite';

const graph: PipelineGraph = {
  uri: 'file:///p.ts',
  pipeline: 'train',
  nodes: ['load', 'clean', 'fit', 'report'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', to: 'clean', kind: 'data' },
    { from: 'load', to: 'fit', kind: 'data' },
    { from: 'clean', to: 'report', kind: 'data' },
    { from: 'fit', to: 'report', kind: 'data' },
  ],
  diagnostics: [],
};

const T0 = Date.now() - 60_000;
const attempt = (n: number, status: 'completed' | 'lost', from: number, to: number, extra: object = {}) => ({ attempt: n, status, startedAt: T0 + from, endedAt: T0 + to, heartbeatAt: null, gaps: [], ...extra });
const timeline: RunTimeline = {
  runId: 'r1',
  runName: 'train-1',
  pipeline: 'train',
  status: 'completed',
  startedAt: T0,
  endedAt: T0 + 10_000,
  now: T0 + 20_000,
  invocations: [
    { id: 'load', step: 'load', status: 'completed', cached: false, startedAt: T0, endedAt: T0 + 1000, upstream: [], attempts: [attempt(1, 'completed', 0, 1000)] },
    { id: 'clean', step: 'clean', status: 'completed', cached: false, startedAt: T0 + 1000, endedAt: T0 + 2000, upstream: ['load'], attempts: [attempt(1, 'completed', 1000, 2000)] },
    {
      id: 'fit',
      step: 'fit',
      status: 'completed',
      cached: false,
      startedAt: T0 + 1000,
      endedAt: T0 + 8000,
      upstream: ['load'],
      attempts: [attempt(1, 'lost', 1000, 4000, { heartbeatAt: T0 + 2000, error: 'Error: lease expired: no heartbeat for 2000 ms' }), attempt(2, 'completed', 5000, 8000, { gaps: [{ from: T0 + 6000, to: T0 + 7000 }] })],
    },
    { id: 'report', step: 'report', status: 'completed', cached: false, startedAt: T0 + 8000, endedAt: T0 + 10_000, upstream: ['clean', 'fit'], attempts: [attempt(1, 'completed', 8000, 10_000)] },
  ],
};

const nodes = Object.fromEntries(timeline.invocations.map((i) => [i.id, { status: 'completed', attempt: i.attempts.length, durationMs: 1000 }]));
const runState = { kind: 'runState', runId: 'r1', runName: 'train-1', runStatus: 'completed', nodes, heartbeat: { intervalMs: 1000, timeoutMs: 3000 }, now: Date.now() };
const posted = (page: Page) => page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.messages());
/** The page's document, as far as these tests read it (the tests compile without the DOM's types). */
type PageElement = { getAttribute(name: string): string | null; classList: { contains(name: string): boolean } };
type PageDocument = { querySelectorAll(selector: string): ArrayLike<PageElement> };
const drawn = (page: Page, selector: string) =>
  page.evaluate(
    (what) =>
      Array.from((globalThis as unknown as { document: PageDocument }).document.querySelectorAll(what)).map((element) => ({
        id: element.getAttribute('data-id'),
        attempt: element.getAttribute('data-attempt'),
        class: element.getAttribute('class'),
        x: Number(element.getAttribute('x') ?? element.getAttribute('x1')),
        width: Number(element.getAttribute('width') ?? Number(element.getAttribute('x2')) - Number(element.getAttribute('x1'))),
      })),
    selector,
  );

describe('the run timeline in the DAG webview', () => {
  const harness = webviewSuite();

  it('draws a bar per attempt, the retry delay, the heartbeat gaps and the critical path under the strict CSP', async () => {
    const page = await harness.open();
    const refused: string[] = [];
    page.on('console', (message) => /Content Security Policy|Refused/i.test(message.text()) && refused.push(message.text()));
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, runState);
    assert.equal(await page.locator('#timeline').isHidden(), true, 'hidden until asked for');
    await page.locator('#timelineToggle').click();
    await page.locator('#timeline:not([hidden])').waitFor();
    assert.equal(await page.locator('#timelineToggle').getAttribute('aria-pressed'), 'true');
    assert.deepEqual((await posted(page)).filter((m) => m.kind === 'timelineShown'), [{ kind: 'timelineShown', shown: true }], 'the extension is told to send timelines');
    await send(page, { kind: 'timeline', timeline, now: Date.now() });
    await page.locator('#timelineChart rect.tl-bar').first().waitFor();

    const bars = await drawn(page, '#timelineChart rect.tl-bar');
    assert.deepEqual(
      bars.map((bar) => [bar.id, bar.attempt, bar.class]),
      [
        ['load', '1', 'tl-bar completed critical'],
        ['clean', '1', 'tl-bar completed'],
        ['fit', '1', 'tl-bar lost critical'],
        ['fit', '2', 'tl-bar completed critical'],
        ['report', '1', 'tl-bar completed critical'],
      ],
    );
    // Bars are placed in time: clean starts where load ends; fit's retry starts after a delay.
    const at = (id: string, n: string) => bars.find((bar) => bar.id === id && bar.attempt === n)!;
    assert.ok(Math.abs(at('clean', '1').x - (at('load', '1').x + at('load', '1').width)) < 0.01);
    assert.ok(at('fit', '2').x > at('fit', '1').x + at('fit', '1').width);
    assert.equal((await drawn(page, '#timelineChart line.tl-delay')).length, 1);
    assert.deepEqual(
      (await drawn(page, '#timelineChart rect.tl-gap')).map((gap) => [gap.id, gap.attempt, gap.class]),
      [
        ['fit', '1', 'tl-gap silent'],
        ['fit', '2', 'tl-gap late'],
      ],
    );
    assert.match((await page.locator('#timeline .tl-head').textContent()) ?? '', /^Critical path: load → fit → report \(10\.0 s of 10\.0 s\) · 1 lost attempt · 1 retry · 2 heartbeat gaps$/);
    // The lost attempt is drawn hollow and dashed by the stylesheet, not by an inline style.
    const lostStyle = await page.locator('#timelineChart rect.tl-bar.lost').evaluate((element) => {
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string; strokeDasharray: string } }).getComputedStyle(element);
      return { fill: style.fill, dashes: style.strokeDasharray, inline: (element as { getAttribute(name: string): string | null }).getAttribute('style') };
    });
    assert.deepEqual(lostStyle, { fill: 'none', dashes: '4px, 2px', inline: null });
    fs.mkdirSync('test-results/webview', { recursive: true });
    await page.screenshot({ path: 'test-results/webview/timeline.png' });

    // A click on a bar selects its step in the graph.
    await page.locator('#timelineChart rect.tl-bar[data-id="clean"]').click();
    await page.waitForFunction(() => Array.from((globalThis as unknown as { document: PageDocument }).document.querySelectorAll('#layer .node.selected')).some((node) => node.getAttribute('data-id') === 'clean'));
    assert.deepEqual(refused, []);
    assert.deepEqual((await posted(page)).filter((m) => m.kind === 'error'), []);
    await page.close();
  });

  it('is toggled from the keyboard: t on the graph, Enter on its button; hiding it tells the extension', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, runState);
    await page.locator('#canvas').focus();
    await page.keyboard.press('t');
    await page.locator('#timeline:not([hidden])').waitFor();
    assert.match((await page.locator('#timeline .tl-head').textContent()) ?? '', /^No timeline of a run yet/);
    await page.locator('#timelineToggle').focus();
    await page.keyboard.press('Enter');
    await page.locator('#timeline').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#timelineToggle').getAttribute('aria-pressed'), 'false');
    assert.deepEqual(
      (await posted(page)).filter((m) => m.kind === 'timelineShown'),
      [
        { kind: 'timelineShown', shown: true },
        { kind: 'timelineShown', shown: false },
      ],
    );
    await page.close();
  });

  it('opens again after a reload when it was open (the webview state API), and stays closed when it was closed', async () => {
    const page = await harness.open();
    await send(page, { kind: 'graph', graph });
    await nodesDrawn(page, 4);
    await send(page, runState);
    await page.locator('#timelineToggle').click();
    await page.locator('#timeline:not([hidden])').waitFor();
    const saved = (await page.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.savedState())) as Record<string, unknown>;
    assert.equal(saved.timelineOpen, true, 'the open timeline is in the saved state');
    await page.close();

    // VS Code reloads the panel's page with what it saved: the timeline opens, after `ready`, so the extension sends it again.
    const reloaded = await harness.open({ savedState: saved });
    await reloaded.locator('#timeline:not([hidden])').waitFor();
    assert.equal(await reloaded.locator('#timelineToggle').getAttribute('aria-pressed'), 'true');
    const kinds = (await posted(reloaded)).filter((m) => m.kind === 'ready' || m.kind === 'timelineShown');
    assert.deepEqual(kinds, [{ kind: 'ready' }, { kind: 'timelineShown', shown: true }], 'told after ready, which starts the extension side hidden');
    await send(reloaded, { kind: 'graph', graph });
    await send(reloaded, runState);
    await send(reloaded, { kind: 'timeline', timeline, now: Date.now() });
    await reloaded.locator('#timelineChart rect.tl-bar').nth(4).waitFor();
    // Closed, then reloaded again: it stays closed.
    await reloaded.locator('#timelineToggle').click();
    await reloaded.locator('#timeline').waitFor({ state: 'hidden' });
    const closed = await reloaded.evaluate(() => (globalThis as unknown as HarnessGlobal).harness.savedState());
    await reloaded.close();
    const again = await harness.open({ savedState: closed });
    assert.equal(await again.locator('#timeline').isHidden(), true);
    assert.deepEqual((await posted(again)).filter((m) => m.kind === 'timelineShown'), []);
    await again.close();
  });
});
