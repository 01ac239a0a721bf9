/**
 * End to end, as a user: the DAG reads at a glance, at any size, in a real VS Code workbench
 * (code-server, the packaged .vsix, headless Chromium). Beside the editor at first open its text is
 * as large as the editor's and stays inside its boxes; a legend explains the glyphs, colours and
 * dashed order edges, and the panel says which run it shows and what a retry retries; a 157-step
 * pipeline is searched, filtered, zoomed to its failed and running steps, panned from its overview
 * map, folded by composed pipeline, and labelled readably when fitted; a node's menu is opened,
 * walked and used from the keyboard and stays inside the panel at its edge; and in the default
 * light theme every status border has 3:1 contrast and every status a glyph. The DAG is measured
 * inside its webview frame with the probes of test/support/dagProbes.ts. Screenshots go to
 * test-results/e2e/dagAtAGlance/. Needs `npm run package` and the tools from scripts/e2e-tools.mjs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { contrastOf, probe } from '../support/dagProbes';
import { acceptFirst, answerQuickInput, dagFrame, openDag, runCommand, until, waitForStatuses, type Workbench } from './workbench';
import { workbenchSuite } from './workbenchSuite';

/**
 * A run of `glance` shows six statuses at once once it has run before: `steady` cached, `fresh`
 * completed, `hold` running until `gates/release` exists, `broken` failed while `gates/fail`
 * exists, `downstream` (after it) skipped, `later` (after `hold`) pending. `report` waits for
 * `fresh` by an order edge only (`after`), drawn dashed.
 */
const GLANCE = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';

export const steady = step(function steady(): number {
  return 1;
});

export const fresh = step({ enableCache: false }, function fresh(base: number): number {
  return base + 1;
});

export const hold = step({ enableCache: false }, async function hold(): Promise<number> {
  while (!fs.existsSync('gates/release')) await new Promise((resolve) => setTimeout(resolve, 100));
  return 3;
});

export const broken = step({ enableCache: false }, function broken(base: number): number {
  if (fs.existsSync('gates/fail')) throw new Error('broken on purpose (gates/fail exists)');
  return base;
});

export const downstream = step({ enableCache: false }, function downstream(value: number): number {
  return value * 2;
});

export const later = step({ enableCache: false }, function later(value: number): number {
  return value + 1;
});

export const report = step({ enableCache: false }, function report(value: number): string {
  return String(value);
});

export const glance = pipeline(function glance() {
  const base = steady();
  const done = fresh(base);
  downstream(broken(base));
  later(hold());
  report.with({ after: [done] })(base);
});
`;
const GLANCE_STEPS = ['steady', 'fresh', 'hold', 'broken', 'downstream', 'later', 'report'];

const REGIONS = 11;
const SCORES = 11;
/**
 * `fleet`: 157 steps. Eleven calls of the composed pipeline `region` (ingest, clean, a fan-out
 * of eleven `score`s, gather: 14 steps each) after `hold`, which runs until `gates/fleet` exists
 * (the test never makes it); `broken` fails beside them.
 */
const FLEET = `import * as fs from 'node:fs';
import { pipeline, step } from 'pipewright';

export const hold = step({ enableCache: false }, async function hold(): Promise<number> {
  while (!fs.existsSync('gates/fleet')) await new Promise((resolve) => setTimeout(resolve, 100));
  return 1;
});

export const broken = step({ enableCache: false }, function broken(): number {
  throw new Error('broken on purpose');
});

export const ingest = step(function ingest(seed: number): number {
  return seed;
});

export const clean = step(function clean(value: number): number {
  return value;
});

export const score = step(function score(value: number): number {
  return value;
});

export const gather = step(function gather(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
});

export const region = pipeline(function region(seed: number) {
  const cleaned = clean(ingest(seed));
  return gather([${Array.from({ length: SCORES }, () => 'score(cleaned)').join(', ')}]);
});

export const fleet = pipeline(function fleet() {
  const start = hold();
  broken();
  gather([${Array.from({ length: REGIONS }, () => 'region(start)').join(', ')}]);
});
`;
const FLEET_NODES = 3 + REGIONS * (SCORES + 3);

describe('the DAG at a glance, at any size, in a real VS Code workbench', () => {
  const suite = workbenchSuite('dagAtAGlance', {
    prepare: (workspace) => {
      fs.writeFileSync(path.join(workspace, 'pipelines', 'glance.ts'), GLANCE);
      fs.writeFileSync(path.join(workspace, 'pipelines', 'fleet.ts'), FLEET);
    },
  });
  const { stage } = suite;
  let workbench: Workbench;
  let page: Page;
  before(() => ({ workbench, page } = suite));
  let frame: Frame;
  /** The DAG shown last (`shown`); VS Code may reload its frame. */
  let shown = '';
  const liveFrame = async (): Promise<Frame> => (frame.isDetached() ? (frame = await dagFrame(page, 60_000, shown)) : frame);
  /** Clears the notifications of earlier runs, which would cover the DAG's bottom right in the screenshots. */
  const clearNotifications = () => runCommand(page, 'Notifications: Clear All Notifications');
  /** Opens `pipeline`'s DAG beside its code, as the only two editors: the default side-by-side layout. */
  const showDag = async (file: string, pipeline: string, nodes: number) => {
    if (shown !== pipeline) await runCommand(page, 'View: Close All Editors');
    shown = pipeline;
    frame = await openDag(page, file, pipeline, nodes);
  };
  const gate = (name: string) => fs.writeFileSync(path.join(suite.workspace, 'gates', name), '');
  /** The editor's font size on screen, as the workbench draws code. */
  const editorFontPx = () => page.locator('.part.editor .monaco-editor .view-lines').first().evaluate((lines) => parseFloat((globalThis as unknown as { getComputedStyle(element: unknown): { fontSize: string } }).getComputedStyle(lines).fontSize));
  /** Texts drawn too small to read beside the code, or out of their node's box. */
  const unreadable = async (minimumPx: number) => (await probe(await liveFrame(), 'nodeTexts')).filter((text) => text.screenFontPx < minimumPx - 0.01 || !text.inside);
  const headline = async () => (await probe(await liveFrame(), 'chrome').catch(() => ({ run: '' }))).run;
  const showDagTab = async (pipeline: string) => {
    await page.locator('.tab', { hasText: `DAG: ${pipeline}` }).first().click();
    shown = pipeline;
    frame = await dagFrame(page, 60_000, pipeline);
    await frame.locator('g.node').first().waitFor({ timeout: 30_000 });
  };

  it('is readable beside the editor at first open: node text at the editor font size, inside its boxes', () =>
    stage('readable', async () => {
      await showDag('pipelines/forecast.ts', 'forecast', 5);
      const editorPx = await editorFontPx();
      assert.ok(editorPx >= 12, `the editor draws code at ${editorPx} px`);
      const canvas = await probe(await liveFrame(), 'canvasBox');
      assert.ok(canvas.right - canvas.left < 900, `the DAG sits beside the editor, in a ${canvas.right - canvas.left} px wide panel`);
      const titles = await until('every node titled', async () => {
        const drawn = (await probe(await liveFrame(), 'nodeTexts')).filter((text) => text.text === text.id);
        return drawn.length >= 5 && drawn;
      });
      assert.deepEqual(titles.map((text) => text.id).sort(), ['evaluate', 'fit', 'load', 'publish', 'split']);
      for (const title of titles) assert.ok(title.screenFontPx >= editorPx - 0.01, `${title.id}'s title is ${title.screenFontPx.toFixed(1)} px on screen, the editor ${editorPx} px`);
      assert.deepEqual(await unreadable(editorPx), [], 'no node text smaller than the code or out of its box');
      await workbench.screenshot('01-readable-beside-editor');
    }));

  it("has a legend of glyphs, colours and dashed order edges, and says which run it shows and which run a retry retries", () =>
    stage('legend-and-run', async () => {
      await showDag('pipelines/glance.ts', 'glance', GLANCE_STEPS.length);
      assert.match(await headline(), /^Not run yet/);
      const edges = await probe(await liveFrame(), 'edgeStrokes');
      assert.deepEqual(edges.filter((edge) => edge.kind === 'order').length, 1, 'the `after` edge is drawn as an order edge');
      assert.ok(edges.every((edge) => (edge.kind === 'order') === (edge.dashes !== 'none')), `order edges dashed, data edges solid: ${JSON.stringify(edges)}`);
      await (await liveFrame()).locator('#legend summary').click();
      const chrome = await probe(await liveFrame(), 'chrome');
      assert.equal(chrome.legendOpen, true);
      assert.deepEqual(chrome.legend.slice(0, 9), ['not run', 'pending', 'running', 'cached', 'completed', 'failed', 'skipped', 'cancelled', 'crashed']);
      for (const row of ['data edge', 'order only (after)', 'since the last heartbeat']) assert.ok(chrome.legend.includes(row), `the legend explains "${row}"`);
      const legend = await probe(await liveFrame(), 'legendSamples');
      assert.equal(legend.glyphs.length, 9);
      assert.equal(new Set(legend.glyphs.map((row) => row.glyph)).size, 9, `a glyph per status: ${legend.glyphs.map((row) => row.glyph).join(' ')}`);
      assert.ok(new Set(legend.glyphs.map((row) => row.colour)).size >= 6, `in the status colours: ${legend.glyphs.map((row) => row.colour).join(', ')}`);
      assert.notEqual(legend.orderDashes, 'none', 'the order edge sample is dashed');
      assert.equal(legend.dataDashes, 'none', 'the data edge sample is solid');
      const { box, view } = legend;
      assert.ok(box.left >= 0 && box.top >= 0 && box.right <= view.width && box.bottom <= view.height, `the legend ${JSON.stringify(box)} lies inside the ${view.width}x${view.height} panel`);
      assert.ok(box.right - box.left > 300, `the legend takes the room it has, not a narrow column: ${JSON.stringify(box)}`);
      await workbench.screenshot('02-legend');

      // A run that fails: the panel names it; its retry says whose retry it is.
      gate('release');
      gate('fail');
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'glance');
      await waitForStatuses(liveFrame, 'broken to fail', (statuses) => statuses.broken === 'failed');
      const failed = await until('the failed run in the headline', async () => /^Run (\S+) · failed/.exec(await headline())?.[1], { timeoutMs: 60_000, last: headline });
      assert.doesNotMatch(await headline(), /retry of/);
      await workbench.screenshot('03-failed-run-headline');
      await runCommand(page, 'Pipewright: Retry Run');
      await acceptFirst(page, 'Run'); // the only run that failed
      const retried = await until('the retry in the headline', async () => {
        const match = /^Run (\S+) \(retry of (\S+)\) · (\w+)/.exec(await headline());
        return match !== null && match[1] !== failed && match[3] === 'failed' && match;
      }, { timeoutMs: 120_000, last: headline });
      assert.equal(retried[2], failed, 'the retry names the run it retries');
      assert.deepEqual(await unreadable(await editorFontPx()), [], 'a run\'s detail lines stay inside their boxes too');
      await clearNotifications();
      await workbench.screenshot('04-retry-headline');
    }));

  it('finds, filters, zooms to failed and running steps, maps, folds and labels a 157-step graph', () =>
    stage('large-graph', async () => {
      await showDag('pipelines/fleet.ts', 'fleet', FLEET_NODES);
      await clearNotifications();
      assert.equal(await (await liveFrame()).locator('g.node').count(), FLEET_NODES);
      const editorPx = await editorFontPx();
      const ids = Object.keys(await probe(await liveFrame(), 'nodeColours').then((nodes) => Object.fromEntries(nodes.map((node) => [node.id, node]))));
      const canvas = await probe(await liveFrame(), 'canvasBox');
      const inView = (box: { left: number; top: number; right: number; bottom: number }) => box.left >= canvas.left && box.right <= canvas.right && box.top >= canvas.top && box.bottom <= canvas.bottom;
      const classesOf = async () => (await liveFrame()).locator('#layer g.node').evaluateAll((groups) => groups.map((g) => ({ id: g.getAttribute('data-id') ?? '', dimmed: g.classList.contains('dimmed') })));

      // Search by id: `/` focuses the box, Enter goes to the match, Escape clears, Escape again leaves.
      const scores = ids.filter((id) => /\/score(_\d+)?$/.test(id));
      assert.equal(scores.length, REGIONS * SCORES, `the fan-outs' steps: ${ids.slice(0, 20).join(', ')}…`);
      const target = await until('a step out of view to find', async () => {
        for (const id of [...scores].reverse()) if (!inView(await probe(await liveFrame(), 'nodeBox', id))) return id;
        return undefined;
      });
      await (await liveFrame()).focus('#canvas');
      await page.keyboard.press('/');
      assert.equal(await probe(await liveFrame(), 'focusedId'), 'search');
      await page.keyboard.type(target);
      await page.keyboard.press('Enter');
      await until(`${target} selected`, async () => (await probe(await liveFrame(), 'selectedId')) === target);
      assert.ok(inView(await probe(await liveFrame(), 'nodeBox', target)), 'the match is brought into view');
      const found = (await probe(await liveFrame(), 'nodeTexts')).filter((text) => text.id === target);
      assert.ok(found.length > 0 && found.every((text) => text.screenFontPx >= editorPx - 0.01), `and readable: ${JSON.stringify(found)}`);
      const bright = (await classesOf()).filter((node) => !node.dimmed).map((node) => node.id);
      assert.deepEqual(bright, ids.filter((id) => id.includes(target)), 'what does not match fades');
      assert.match((await (await liveFrame()).locator('#matches').textContent()) ?? '', /^1\/1$/);
      await workbench.screenshot('05-search');
      await page.keyboard.press('Escape');
      assert.equal((await classesOf()).filter((node) => node.dimmed).length, 0, 'Escape clears the search');
      await page.keyboard.press('Escape');
      assert.equal(await probe(await liveFrame(), 'focusedId'), 'canvas', 'Escape again gives the focus back to the graph');

      // A run with a failed and a running step: filter by status, fit, zoom to each.
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'fleet');
      await waitForStatuses(liveFrame, 'hold to run and broken to fail', (statuses) => statuses.hold === 'running' && statuses.broken === 'failed');
      await clearNotifications();
      await until('zoom to failed enabled', async () => (await probe(await liveFrame(), 'tools')).zoomFailed);
      await (await liveFrame()).selectOption('#statusFilter', 'failed');
      assert.deepEqual((await classesOf()).filter((node) => !node.dimmed).map((node) => node.id), ['broken'], 'only the failed step stays bright');
      await workbench.screenshot('06-filter-failed');
      await (await liveFrame()).selectOption('#statusFilter', 'running');
      assert.deepEqual((await classesOf()).filter((node) => !node.dimmed).map((node) => node.id), ['hold'], 'only the running step stays bright');
      await (await liveFrame()).selectOption('#statusFilter', '');
      assert.equal((await classesOf()).filter((node) => node.dimmed).length, 0);

      await (await liveFrame()).locator('#fit').click();
      await until('the fitted, zoomed-out view', async () => (await probe(await liveFrame(), 'tools')).far);
      const labels = await until('labels on the fitted graph', async () => {
        const placed = await probe(await liveFrame(), 'farLabels');
        return placed.length >= 20 && placed;
      }, { last: async () => JSON.stringify(await probe(await liveFrame(), 'farLabels')) });
      assert.ok(labels.every((label) => label.px >= editorPx - 0.01), `labels at the editor font size: ${labels.map((label) => label.px).join(', ')}`);
      assert.ok(labels.some((label) => label.id === 'broken'), 'the failed step is labelled');
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i].box, labels[j].box];
          assert.ok(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top, `labels ${labels[i].text} and ${labels[j].text} overlap`);
        }
      }
      await workbench.screenshot('07-fit-labels');

      for (const [button, id] of [['#zoomFailed', 'broken'], ['#zoomRunning', 'hold']] as const) {
        await (await liveFrame()).locator(button).click();
        await until(`${button} to select ${id}`, async () => (await probe(await liveFrame(), 'selectedId')) === id);
        await until(`${id} in view`, async () => inView(await probe(await liveFrame(), 'nodeBox', id)));
        const texts = (await probe(await liveFrame(), 'nodeTexts')).filter((text) => text.id === id);
        assert.ok(texts.length > 0 && texts.every((text) => text.screenFontPx >= editorPx - 0.01), `${id} readable after ${button}`);
      }
      await workbench.screenshot('08-zoom-running');

      // The overview map: a click on it pans the view there.
      const map = (await liveFrame()).locator('#minimap');
      if (!(await map.isVisible())) await (await liveFrame()).locator('#minimapToggle').click();
      await map.waitFor({ state: 'visible' });
      const mapBox = (await map.boundingBox()) ?? assert.fail('no map box');
      const before = await probe(await liveFrame(), 'minimapView');
      const point = { x: mapBox.width * 0.5, y: mapBox.height * 0.85 };
      await map.click({ position: point });
      const after = await until('the view centred where the map was clicked', async () => {
        const shown = await probe(await liveFrame(), 'minimapView');
        return Math.abs(shown.x + shown.width / 2 - point.x) < 2 && Math.abs(shown.y + shown.height / 2 - point.y) < 2 && shown;
      }, { last: async () => JSON.stringify(await probe(await liveFrame(), 'minimapView')) });
      assert.ok(Math.abs(after.y - before.y) > 1 || Math.abs(after.x - before.x) > 1, `the view moved: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      await workbench.screenshot('09-minimap-panned');

      // Fold a composed pipeline from a member's menu: one node with its count; Enter unfolds it.
      const member = ids.find((id) => /^region_3\/ingest$/.test(id)) ?? ids.filter((id) => id.endsWith('/ingest'))[2];
      assert.ok(member, 'a region call\'s ingest');
      const namespace = member.slice(0, member.lastIndexOf('/'));
      const members = ids.filter((id) => id.startsWith(`${namespace}/`));
      assert.equal(members.length, SCORES + 3);
      const search = (await liveFrame()).locator('#search');
      await search.fill(member);
      await search.press('Enter');
      await until(`${member} selected`, async () => (await probe(await liveFrame(), 'selectedId')) === member);
      await search.fill('');
      await (await liveFrame()).focus('#canvas');
      await page.keyboard.press('Shift+F10');
      const collapse = (await liveFrame()).locator(`#menu button[data-action="collapse:pipeline:${namespace}"]`);
      await collapse.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await collapse.textContent(), `Collapse ${namespace}/* (${members.length} steps)`);
      await collapse.click();
      const group = (await liveFrame()).locator('#layer g.node.node-group');
      await group.waitFor({ timeout: 30_000 });
      assert.equal(await group.getAttribute('data-id'), `${namespace}/*`);
      assert.match((await group.locator('.node-detail').textContent()) ?? '', new RegExp(`^${members.length} steps`));
      await until('the group drawn in place of its steps', async () => (await (await liveFrame()).locator('#layer g.node').count()) === FLEET_NODES - members.length + 1);
      assert.ok(inView(await probe(await liveFrame(), 'nodeBox', `${namespace}/*`)), 'the group is where the eye is');
      await workbench.screenshot('10-collapsed-pipeline');
      await (await liveFrame()).focus('#canvas');
      await page.keyboard.press('Enter');
      await until('the group unfolded', async () => (await (await liveFrame()).locator('#layer g.node').count()) === FLEET_NODES);
    }));

  it('opens a node menu from the keyboard, walks it with the arrows, acts with Enter, closes with Escape, and keeps it inside the panel at its edge', () =>
    stage('menu', async () => {
      const dag = await liveFrame();
      await dag.locator('#zoomRunning').click();
      await until('hold selected', async () => (await probe(dag, 'selectedId')) === 'hold');
      await dag.focus('#canvas');
      await page.keyboard.press('Shift+F10');
      let menu = await until('the menu of hold open', async () => {
        const shown = await probe(dag, 'menu');
        return shown.open && shown;
      });
      assert.deepEqual(menu.items.map((item) => item.label), ['Go to Code', 'Run from Here', 'Retry Step', 'Debug Step', 'Open Logs', 'Open Artifact…']);
      assert.equal(menu.focused, 0, 'the first item has the focus');
      await workbench.screenshot('11-menu-keyboard');
      await page.keyboard.press('ArrowDown');
      menu = await probe(dag, 'menu');
      assert.ok(menu.focused > 0 && !menu.items[menu.focused].disabled, `ArrowDown moves to the next enabled item: ${menu.focused}`);
      await page.keyboard.press('ArrowUp');
      assert.equal((await probe(dag, 'menu')).focused, 0, 'ArrowUp back to the first');
      await page.keyboard.press('Escape');
      menu = await probe(dag, 'menu');
      assert.deepEqual([menu.open, menu.canvasFocused], [false, true], 'Escape closes it and gives the focus back to the graph');

      // Enter acts: Go to Code shows the call of hold in the code.
      await page.keyboard.press('Shift+F10');
      await until('the menu open again', async () => (await probe(dag, 'menu')).open);
      await page.keyboard.press('Enter');
      const holdLine = FLEET.split('\n').findIndex((line) => line.includes('const start = hold();')) + 1;
      const selection = page.locator('[id="status.editor.selection"]').first();
      await until(`fleet.ts at line ${holdLine}`, async () => {
        const active = (await page.locator('.tab.active[aria-label^="fleet.ts"]').count()) > 0;
        return active && new RegExp(`^Ln ${holdLine}, Col \\d+`).test(((await selection.textContent().catch(() => '')) ?? '').trim());
      }, { last: async () => `${await selection.textContent().catch(() => '')}` });
      assert.equal((await probe(dag, 'menu')).open, false, 'the menu closed');
      await workbench.screenshot('12-menu-go-to-code');

      // At the panel's bottom-right edge the menu opens inside the panel, never cut off.
      await showDagTab('fleet');
      const edge = await liveFrame();
      if (await edge.locator('#minimap').isVisible()) await edge.locator('#minimapToggle').click();
      await edge.locator('#minimap').waitFor({ state: 'hidden' });
      const corner = await probe(edge, 'cornerNode');
      assert.ok(corner, 'a node drawn in the panel');
      assert.ok(corner.gap < 40, `a node at the panel's right or bottom edge: ${JSON.stringify(corner)}`);
      await edge.locator(`#layer g.node[data-id="${corner.id}"] rect.node-box`).click({ button: 'right', position: { x: corner.x, y: corner.y } });
      const placed = await until('the menu at the edge open', async () => {
        const shown = await probe(edge, 'menu');
        return shown.open && shown;
      });
      const { box, view } = placed;
      assert.ok(box.left >= 0 && box.top >= 0 && box.right <= view.width && box.bottom <= view.height, `the menu ${JSON.stringify(box)} lies inside the ${view.width}x${view.height} panel`);
      await workbench.screenshot('13-menu-at-edge');
      await page.keyboard.press('Escape');
      await until('the menu closed', async () => !(await probe(edge, 'menu')).open);
    }));

  it('meets 3:1 contrast for every status border in the default light theme, each status with its own glyph', () =>
    stage('light-theme', async () => {
      fs.mkdirSync(path.join(suite.workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(suite.workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.colorTheme': 'Default Light Modern' }));
      await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 60_000 });
      await showDag('pipelines/glance.ts', 'glance', GLANCE_STEPS.length);
      await until('the webview in the light theme', async () => (await (await liveFrame()).locator('body.vscode-light').count()) > 0);

      // `hold` runs until released: a run showing six statuses at once.
      fs.rmSync(path.join(suite.workspace, 'gates', 'release'));
      await runCommand(page, 'Pipewright: Run Pipeline');
      await answerQuickInput(page, 'Pipeline', 'glance');
      const expected = { steady: 'cached', fresh: 'completed', hold: 'running', broken: 'failed', downstream: 'skipped', later: 'pending' };
      await waitForStatuses(liveFrame, 'six statuses at once', (statuses) => Object.entries(expected).every(([id, status]) => statuses[id] === status));
      await clearNotifications();
      const nodes = await probe(await liveFrame(), 'nodeColours');
      const weak: string[] = [];
      for (const node of nodes) {
        for (const against of [node.fill, node.background]) {
          const ratio = contrastOf(node.stroke, against);
          if (ratio < 3) weak.push(`${node.id} (${node.status}) ${node.stroke} on ${against}: ${ratio.toFixed(2)}:1`);
        }
      }
      assert.deepEqual(weak, [], 'every status border at 3:1 against its node and the panel');
      const glyphs = await probe(await liveFrame(), 'nodeGlyphs');
      const byStatus = new Map(glyphs.map((node) => [node.status, node.glyph]));
      assert.ok(byStatus.size >= 6, `statuses shown: ${[...byStatus.keys()].join(', ')}`);
      for (const node of glyphs) assert.equal(node.glyph, byStatus.get(node.status), `one glyph per status: ${JSON.stringify(glyphs)}`);
      assert.equal(new Set(byStatus.values()).size, byStatus.size, `a different glyph for each status: ${JSON.stringify([...byStatus])}`);
      assert.ok([...byStatus.values()].every((glyph) => glyph.trim() !== ''), 'no status without a glyph');
      const legend = await (await liveFrame()).locator('#legendBody .legend-glyph').allTextContents();
      for (const glyph of byStatus.values()) assert.ok(legend.includes(glyph), `the legend explains ${glyph}`);
      await workbench.screenshot('14-light-theme-statuses');
      gate('release');
      await waitForStatuses(liveFrame, 'hold to complete', (statuses) => statuses.hold === 'completed');
    }));
});
