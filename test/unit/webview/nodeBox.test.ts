import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseDirection, estimatedExtent } from '../../../webview/src/direction';
import { layerGraph } from '../../../webview/src/layering';
import { SPACING } from '../../../webview/src/layout';
import { detailRoom, ELLIPSIS, fitParts, fitText, nodeBoxWidth, nodeGeometry, titleRoom } from '../../../webview/src/nodeBox';
import type { PipelineGraph } from '../../../contracts/src/graph';
import { generateDag } from '../../bench/webviewGraph';

/** A monospace measure: 7 px a character. */
const mono = (text: string) => [...text].length * 7;

describe('node boxes', () => {
  it('sizes a node to its title between a minimum and a maximum, with room for glyph and badge', () => {
    const geometry = nodeGeometry(13, 14);
    assert.equal(geometry.minWidth, 182);
    assert.equal(nodeBoxWidth(geometry, 10), geometry.minWidth);
    const width = nodeBoxWidth(geometry, 200);
    assert.equal(titleRoom(geometry, width) >= 200, true, 'a title that fits between min and max is never cut');
    assert.equal(nodeBoxWidth(geometry, 5000), geometry.maxWidth);
    assert.ok(geometry.titleX > geometry.padX + 14, 'the title starts after the widest glyph');
    assert.equal(detailRoom(geometry, 200), 200 - 2 * geometry.padX);
    const large = nodeGeometry(20, 20);
    assert.ok(large.height > geometry.height && large.detailY > large.titleY + 20, 'a larger editor font makes taller nodes');
  });

  it('cuts text that does not fit with an ellipsis, never beyond its room', () => {
    assert.equal(fitText('short', 100, mono), 'short');
    const cut = fitText('stage_1/featurize_embeddings', 100, mono);
    assert.ok(cut.endsWith(ELLIPSIS) && mono(cut) <= 100, cut);
    assert.equal(cut, 'stage_1/featu…');
    assert.equal(fitText('abc', 3, mono), '', 'not even the ellipsis fits');
    assert.equal(fitText('ab  cd', 28, mono), 'ab…', 'no space before the ellipsis');
  });

  it('drops the lowest-ranked parts of a detail line first, and cuts only what is left', () => {
    const parts = [
      { text: 'attempt 3', rank: 1 },
      { text: '1 m 05 s', rank: 2 },
      { text: '♥ 12 s late', rank: 5 },
    ];
    assert.equal(fitParts(parts, ' · ', 1000, mono), 'attempt 3 · 1 m 05 s · ♥ 12 s late');
    assert.equal(fitParts(parts, ' · ', mono('1 m 05 s · ♥ 12 s late'), mono), '1 m 05 s · ♥ 12 s late');
    assert.equal(fitParts(parts, ' · ', mono('♥ 12 s late'), mono), '♥ 12 s late');
    assert.equal(fitParts(parts, ' · ', 48, mono), '♥ 12…');
    assert.equal(fitParts([], ' · ', 10, mono), '');
  });
});

function chain(length: number): Pick<PipelineGraph, 'nodes' | 'edges'> {
  const ids = Array.from({ length }, (_, i) => `step_${i}`);
  return { nodes: ids.map((id) => ({ id, step: id, namespace: [] })), edges: ids.slice(1).map((id, i) => ({ from: ids[i], to: id, kind: 'data' as const })) };
}

describe('layout direction', () => {
  const widthsOf = (graph: Pick<PipelineGraph, 'nodes' | 'edges'>) => layerGraph(graph).ids.map(() => 182);
  const choose = (graph: Pick<PipelineGraph, 'nodes' | 'edges'>, view: { width: number; height: number }) => chooseDirection(layerGraph(graph), widthsOf(graph), 58, view, SPACING);

  it('estimates the extent of each direction from the layers', () => {
    const layering = layerGraph(chain(4));
    assert.deepEqual(estimatedExtent(layering, [100, 100, 100, 100], 50, 'RIGHT', SPACING), { width: 4 * 100 + 3 * 60, height: 50 });
    assert.deepEqual(estimatedExtent(layering, [100, 100, 100, 100], 50, 'DOWN', SPACING), { width: 100, height: 4 * 50 + 3 * 60 });
  });

  it('goes top down in a narrow, tall panel or for a deep graph, and stays left to right when that fits as well', () => {
    const side = { width: 620, height: 800 };
    assert.equal(choose(chain(5), side), 'DOWN', 'a five-step chain in the side-by-side panel');
    assert.equal(choose(chain(5), { width: 1600, height: 500 }), 'RIGHT', 'a wide, low panel');
    assert.equal(choose(chain(2), side), 'RIGHT', 'a graph that fits either way keeps the usual direction');
    assert.equal(choose(chain(12), { width: 1280, height: 800 }), 'DOWN', 'a deep graph in a wide panel');
    assert.equal(choose(chain(3), { width: 0, height: 0 }), 'RIGHT', 'a hidden panel');
    // A wide fan-out (one layer of 20) reads better left to right in a wide panel.
    const fan: Pick<PipelineGraph, 'nodes' | 'edges'> = {
      nodes: ['src', ...Array.from({ length: 20 }, (_, i) => `b${i}`)].map((id) => ({ id, step: id, namespace: [] })),
      edges: Array.from({ length: 20 }, (_, i) => ({ from: 'src', to: `b${i}`, kind: 'data' as const })),
    };
    assert.equal(choose(fan, { width: 1280, height: 800 }), 'RIGHT');
    assert.ok(['RIGHT', 'DOWN'].includes(choose(generateDag(300, 2), side)));
  });
});
