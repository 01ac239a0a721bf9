import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipPolyline } from '../../../webview/src/polylineClip';

describe('polyline clipping (moving dashes drawn only in view)', () => {
  const view = { x: 0, y: 0, width: 100, height: 100 };

  it('keeps the part inside the view, from where the polyline enters to where it leaves, with the distance before it', () => {
    assert.deepEqual(clipPolyline([{ x: -1000, y: 50 }, { x: 1000, y: 50 }], view), { points: [{ x: 0, y: 50 }, { x: 100, y: 50 }], start: 1000 });
    const bent = clipPolyline([{ x: 50, y: -200 }, { x: 50, y: 50 }, { x: 500, y: 50 }], view);
    assert.deepEqual(bent, { points: [{ x: 50, y: 0 }, { x: 50, y: 50 }, { x: 100, y: 50 }], start: 200 });
  });

  it('returns a polyline inside the view unchanged, and nothing for one that misses it', () => {
    assert.deepEqual(clipPolyline([{ x: 10, y: 10 }, { x: 90, y: 90 }], view), { points: [{ x: 10, y: 10 }, { x: 90, y: 90 }], start: 0 });
    assert.equal(clipPolyline([{ x: 200, y: 0 }, { x: 300, y: 300 }], view), undefined);
    assert.equal(clipPolyline([{ x: 5, y: 5 }], view), undefined, 'a single point has no segment');
  });
});
