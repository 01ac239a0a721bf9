import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepStatus } from '../../../runtime/src/model/status';
import { nodeDetail } from '../../../webview/src/nodeLabels';
import { heartbeatColor, statusStyle } from '../../../webview/src/statusStyle';
import { fitViewport, neighbourInDirection, zoomAt } from '../../../webview/src/viewport';

const statuses: StepStatus[] = ['pending', 'running', 'cached', 'completed', 'failed', 'skipped', 'cancelled', 'crashed'];

describe('status styles', () => {
  it('gives every status a theme colour, glyph and label; only running animates', () => {
    for (const status of statuses) {
      const style = statusStyle(status);
      assert.match(style.stroke, /^var\(--vscode-/);
      assert.equal(style.label, status);
      assert.equal(style.animated, status === 'running');
    }
    assert.equal(new Set(statuses.map((s) => statusStyle(s).glyph)).size, statuses.length, 'a glyph per status, so status never relies on colour alone');
    assert.equal(statusStyle(undefined).label, 'not run');
  });

  it('colours heartbeat ages amber when late and red when lost', () => {
    assert.match(heartbeatColor('late'), /editorWarning/);
    assert.match(heartbeatColor('lost'), /editorError/);
    const thresholds = { intervalMs: 1000, timeoutMs: 3000 };
    assert.deepEqual(nodeDetail({ status: 'running', attempt: 2, startedAt: 0, heartbeatAt: 500 }, thresholds, 2600), { text: 'attempt 2 · 2.6 s · ♥ 2.1 s late', heartbeat: 'late' });
    assert.equal(nodeDetail({ status: 'running', attempt: 1, startedAt: 0 }, thresholds, 3000).heartbeat, 'lost');
    assert.deepEqual(nodeDetail({ status: 'completed', attempt: 1, durationMs: 1200 }, thresholds, 0), { text: '1.2 s' });
    assert.deepEqual(nodeDetail({ status: 'cached', attempt: 0, cached: true }, thresholds, 0), { text: 'cached' });
  });
});

describe('viewport', () => {
  it('fits content into the view and zooms around a fixed point', () => {
    const fitted = fitViewport({ width: 1000, height: 100 }, { width: 548, height: 400 });
    assert.equal(fitted.scale, 0.5);
    const zoomed = zoomAt({ x: 0, y: 0, scale: 1 }, 2, 100, 100);
    assert.deepEqual(zoomed, { x: -100, y: -100, scale: 2 });
  });

  it('moves keyboard focus to the nearest node in the arrow direction', () => {
    const box = (id: string, x: number, y: number) => ({ id, x, y, width: 10, height: 10 });
    const nodes = [box('a', 0, 0), box('b', 100, 0), box('c', 100, 100), box('d', 0, 100)];
    assert.equal(neighbourInDirection(nodes[0], nodes, 'right'), 'b');
    assert.equal(neighbourInDirection(nodes[0], nodes, 'down'), 'd');
    assert.equal(neighbourInDirection(nodes[0], nodes, 'left'), undefined);
  });
});
