/** Drift: the static graph (the code now) against a run's stored DAG. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dagDrift, driftLine } from '../../../contracts/src/dagDrift';
import type { DagEdge } from '../../../runtime/src/model/dag';

const node = (id: string, step = id) => ({ id, step, namespace: [] as string[] });
const data = (from: string, to: string, fromOutput = 'output', toInput = 'x'): DagEdge => ({ kind: 'data', from, fromOutput, to, toInput });

describe('DAG drift', () => {
  const ran = { nodes: [node('load'), node('fit'), node('plot')], edges: [data('load', 'fit', 'output', 'rows'), data('fit', 'plot', 'output', 'model')] };

  it('finds nothing when the code builds the graph that ran', () => {
    const drift = dagDrift({ nodes: [node('load'), node('fit'), node('plot')], edges: [data('load', 'fit', 'output', 'rows'), data('fit', 'plot', 'output', 'model')] }, ran, 'train-1');
    assert.deepEqual(drift, { runName: 'train-1', added: [], removed: [], rewired: [] });
    assert.equal(driftLine(drift), undefined);
  });

  it('tells added, removed and rewired steps apart', () => {
    const now = {
      // plot is gone, report is new, fit now takes another input of load, and an order edge reaches report.
      nodes: [node('load'), node('fit'), node('report')],
      edges: [data('load', 'fit', 'output', 'table'), data('fit', 'report', 'output', 'model')],
    };
    const drift = dagDrift(now, ran, 'train-1');
    assert.deepEqual(drift, { runName: 'train-1', added: ['report'], removed: ['plot'], rewired: ['fit'] });
    assert.equal(driftLine(drift), 'Changed since run train-1: 1 added (report), 1 removed (plot), 1 rewired (fit)');
  });

  it('counts an order edge, and an id that now calls another step, as rewiring', () => {
    const drift = dagDrift({ nodes: [node('load'), node('fit', 'fitForest'), node('plot')], edges: [...ran.edges, { kind: 'order', from: 'load', to: 'plot' }] }, ran, 'r');
    assert.deepEqual(drift.rewired, ['fit', 'plot']);
  });
});
