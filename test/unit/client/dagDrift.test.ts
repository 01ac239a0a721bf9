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

  it("tells the steps whose code changed, by the code now (the plan's hashes) against the run's, only when the code now is known", () => {
    const ranWithCode = { ...ran, nodes: [{ ...node('load'), codeHash: 'l1' }, { ...node('fit'), codeHash: 'f1' }, { ...node('plot'), codeHash: 'p1' }] };
    const now = { nodes: [node('load'), node('fit'), node('plot'), node('report')], edges: ran.edges };
    assert.deepEqual(dagDrift(now, ranWithCode, 'train-1'), { runName: 'train-1', added: ['report'], removed: [], rewired: [] }, 'no plan: the code is not compared');
    const drift = dagDrift(now, ranWithCode, 'train-1', new Map([['load', 'l1'], ['fit', 'f2'], ['plot', 'p1'], ['report', 'r1']]));
    assert.deepEqual(drift, { runName: 'train-1', added: ['report'], removed: [], rewired: [], codeChanged: ['fit'] }, 'an added step is added, not changed');
    assert.equal(driftLine(drift), 'Changed since run train-1: 1 added (report), 1 code changed (fit)');
    const unchanged = dagDrift({ nodes: ran.nodes, edges: ran.edges }, ranWithCode, 'train-1', new Map([['load', 'l1'], ['fit', 'f1'], ['plot', 'p1']]));
    assert.deepEqual(unchanged.codeChanged, []);
    assert.equal(driftLine(unchanged), undefined, 'the same code: no drift');
  });

  it('counts an order edge, and an id that now calls another step, as rewiring', () => {
    const drift = dagDrift({ nodes: [node('load'), node('fit', 'fitForest'), node('plot')], edges: [...ran.edges, { kind: 'order', from: 'load', to: 'plot' }] }, ran, 'r');
    assert.deepEqual(drift.rewired, ['fit', 'plot']);
  });
});
