import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { menuFocusAfter, menuPosition } from '../../../webview/src/menuPlacement';
import { restorePanelState, updatePanelState } from '../../../contracts/src/panelState';
import { runHeadline } from '../../../webview/src/runHeadline';

describe('node menu', () => {
  const size = { width: 160, height: 150 };
  const view = { width: 620, height: 800 };

  it('opens at the pointer when there is room, to the left of / above it at the right / bottom edge', () => {
    assert.deepEqual(menuPosition({ x: 100, y: 100 }, size, view), { x: 100, y: 100 });
    assert.deepEqual(menuPosition({ x: 600, y: 100 }, size, view), { x: 440, y: 100 });
    assert.deepEqual(menuPosition({ x: 100, y: 790 }, size, view), { x: 100, y: 640 });
    assert.deepEqual(menuPosition({ x: 619, y: 799 }, size, view), { x: 456, y: 646 }, 'a margin from the edge');
  });

  it('stays inside a view too small for it on either side of the anchor', () => {
    const at = menuPosition({ x: 100, y: 100 }, { width: 160, height: 150 }, { width: 200, height: 180 });
    assert.deepEqual(at, { x: 4, y: 4 });
    assert.deepEqual(menuPosition({ x: 50, y: 50 }, { width: 300, height: 300 }, { width: 200, height: 180 }), { x: 4, y: 4 }, 'larger than the view: its start stays visible');
  });

  it('moves focus with the arrows (wrapping), Home and End, over disabled items', () => {
    const enabled = [true, true, false, true];
    assert.equal(menuFocusAfter('ArrowDown', 0, enabled), 1);
    assert.equal(menuFocusAfter('ArrowDown', 1, enabled), 3, 'skips the disabled item');
    assert.equal(menuFocusAfter('ArrowDown', 3, enabled), 0, 'wraps');
    assert.equal(menuFocusAfter('ArrowUp', 0, enabled), 3);
    assert.equal(menuFocusAfter('ArrowUp', -1, enabled), 3);
    assert.equal(menuFocusAfter('Home', 3, enabled), 0);
    assert.equal(menuFocusAfter('End', 0, [true, true, false, false]), 1);
    assert.equal(menuFocusAfter('a', 0, enabled), undefined);
    assert.equal(menuFocusAfter('ArrowDown', -1, [false, false]), undefined);
  });
});

describe('panel state', () => {
  it('keeps what was saved and adds changes (the graph names the pipeline, a run state the run)', () => {
    let state = updatePanelState(undefined, { legendOpen: true });
    state = updatePanelState(state, { uri: 'file:///w/p.ts', pipeline: 'training' });
    state = updatePanelState(state, { runId: 'r7' });
    assert.deepEqual(restorePanelState(state), { uri: 'file:///w/p.ts', pipeline: 'training', runId: 'r7', legendOpen: true });
  });

  it('restores nothing from a state that names no pipeline, and defaults what is missing or malformed', () => {
    for (const saved of [undefined, null, 'x', 42, {}, { uri: 'file:///p.ts' }, { uri: '', pipeline: 'p' }, { uri: 'file:///p.ts', pipeline: 3 }]) assert.equal(restorePanelState(saved), undefined, JSON.stringify(saved));
    assert.deepEqual(restorePanelState({ uri: 'file:///p.ts', pipeline: 'p', runId: 5, legendOpen: 'yes' }), { uri: 'file:///p.ts', pipeline: 'p', runId: null, legendOpen: false });
  });
});

describe('run headline', () => {
  it('names the run shown, the run it retries and its status', () => {
    assert.match(runHeadline(undefined), /^Not run yet/);
    assert.match(runHeadline({ runId: null }), /^Not run yet/);
    assert.equal(runHeadline({ runId: 'r1', runName: 'iris-1', status: 'running' }), 'Run iris-1 · running');
    assert.equal(runHeadline({ runId: 'r2', runName: 'iris-1-retry', retryOf: 'iris-1', status: 'completed' }), 'Run iris-1-retry (retry of iris-1) · completed');
    assert.equal(runHeadline({ runId: 'r3' }), 'Run r3');
  });
});
