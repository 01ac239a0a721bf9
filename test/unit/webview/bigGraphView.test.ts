import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeFarLabels, type LabelCandidate } from '../../../webview/src/farLabels';
import { minimapFrame, panToMinimapPoint, viewRectOnMinimap } from '../../../webview/src/minimapGeometry';
import { isActive, matchingShown, statusCounts } from '../../../webview/src/nodeFilter';
import { boxAround, focusRect } from '../../../webview/src/viewport';

const nodes = [
  { id: 'load', step: 'load' },
  { id: 'prep/clean', step: 'clean' },
  { id: 'prep/clean_2', step: 'clean' },
  { id: 'fit', step: 'train_model' },
];

describe('search and status filter', () => {
  const states = { load: { status: 'completed', attempt: 1 }, 'prep/clean': { status: 'failed', attempt: 1 }, fit: { status: 'running', attempt: 1 } } as const;
  const itself = new Map(nodes.map((node) => [node.id, node.id]));

  it('finds steps by part of their id or step name, in any case', () => {
    assert.deepEqual(matchingShown(nodes, itself, { text: 'CLEAN' }, states), ['prep/clean', 'prep/clean_2']);
    assert.deepEqual(matchingShown(nodes, itself, { text: 'model' }, states), ['fit'], 'by step name');
    assert.deepEqual(matchingShown(nodes, itself, { text: 'prep/' }, states), ['prep/clean', 'prep/clean_2'], 'by namespace');
    assert.deepEqual(matchingShown(nodes, itself, { text: 'nothing' }, states), []);
  });

  it('filters by status (not run: idle), combined with the search', () => {
    assert.deepEqual(matchingShown(nodes, itself, { text: '', status: 'failed' }, states), ['prep/clean']);
    assert.deepEqual(matchingShown(nodes, itself, { text: '', status: 'idle' }, states), ['prep/clean_2']);
    assert.deepEqual(matchingShown(nodes, itself, { text: 'clean', status: 'completed' }, states), []);
    assert.deepEqual([...statusCounts(nodes, states)], [['completed', 1], ['failed', 1], ['idle', 1], ['running', 1]]);
    assert.equal(isActive({ text: '  ' }), false);
    assert.equal(isActive({ text: '', status: 'running' }), true);
  });

  it('picks a collapsed group once when its members match', () => {
    const grouped = new Map([...itself, ['prep/clean', 'prep/*'], ['prep/clean_2', 'prep/*']]);
    assert.deepEqual(matchingShown(nodes, grouped, { text: 'clean' }, states), ['prep/*']);
  });
});

describe('labels of a zoomed-out graph', () => {
  const box = (x: number, y: number) => ({ x, y, width: 100, height: 40 });
  const measure = (text: string) => text.length * 8;

  it('places labels at the readable size, never overlapping, the most important first', () => {
    // Three nodes side by side 30 graph units apart: at scale 0.2 they are 6 px apart on screen.
    const candidates: LabelCandidate[] = [
      { id: 'a', text: 'alpha', box: box(0, 0), priority: 6 },
      { id: 'b', text: 'bravo', box: box(30, 0), priority: 2 },
      { id: 'c', text: 'charlie', box: box(1000, 0), priority: 6 },
    ];
    const placed = placeFarLabels(candidates, { x: 10, y: 10, scale: 0.2 }, { width: 400, height: 300 }, measure, 16);
    assert.deepEqual(placed.map((label) => label.id), ['b', 'c'], 'the failed node wins over its neighbour; far apart labels both show');
    for (const label of placed) assert.equal(label.width, measure(label.text), 'drawn at its full size, not scaled with the graph');
    const [b, c] = placed;
    assert.ok(Math.abs(b.x - c.x) >= (b.width + c.width) / 2);
  });

  it('leaves out labels outside the view, and stops at the limit', () => {
    const many = Array.from({ length: 50 }, (_, i): LabelCandidate => ({ id: `n${i}`, text: 'x', box: box(i * 200, 0), priority: 6 }));
    const placed = placeFarLabels(many, { x: 0, y: 0, scale: 0.5 }, { width: 1000, height: 200 }, measure, 16, 3);
    assert.deepEqual(placed.map((label) => label.id), ['n0', 'n1', 'n2']);
    const inView = placeFarLabels(many, { x: 0, y: 0, scale: 0.5 }, { width: 1000, height: 200 }, measure, 16);
    assert.ok(inView.every((label) => label.x >= 0 && label.x <= 1000));
    assert.equal(inView.length, 10, 'nodes 0..9 are in the 1000 px view');
  });
});

describe('overview map and zooming to nodes', () => {
  it('fits the graph in the map keeping its proportions, shows the view on it, and pans where it is clicked', () => {
    const frame = minimapFrame({ width: 2000, height: 8000 }, { width: 180, height: 140 });
    assert.ok(frame.height <= 140 && frame.width <= 180);
    assert.ok(Math.abs((frame.width - 8) / (frame.height - 8) - 0.25) < 0.02, 'a tall graph, a tall map');
    const view = { width: 600, height: 700 };
    const viewport = { x: 0, y: 0, scale: 1 };
    const rect = viewRectOnMinimap(frame, viewport, view);
    assert.deepEqual([rect.x, rect.y], [frame.x, frame.y]);
    assert.ok(Math.abs(rect.width - 600 * frame.scale) < 1e-9);
    // Clicking the map's middle centres the view on the graph's middle.
    const moved = panToMinimapPoint(frame, viewport, view, frame.x + 1000 * frame.scale, frame.y + 4000 * frame.scale);
    assert.deepEqual(moved, { scale: 1, x: 300 - 1000, y: 350 - 4000 });
  });

  it('zooms to a set of nodes: all of them in the middle, never past the readable zoom', () => {
    const around = boxAround([{ x: 100, y: 100, width: 50, height: 20 }, { x: 900, y: 500, width: 50, height: 20 }]);
    assert.deepEqual(around, { x: 100, y: 100, width: 850, height: 420 });
    const all = focusRect(around as NonNullable<typeof around>, { width: 500, height: 500 });
    assert.ok(all.scale < 1);
    assert.ok(Math.abs(all.x + 100 * all.scale - (500 - 850 * all.scale) / 2) < 1e-9, 'centred');
    const one = focusRect({ x: 400, y: 300, width: 150, height: 60 }, { width: 500, height: 500 });
    assert.deepEqual(one, { scale: 1, x: 250 - 475, y: 250 - 330 });
    assert.equal(boxAround([]), undefined);
  });
});
