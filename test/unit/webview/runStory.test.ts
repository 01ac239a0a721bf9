/** The DAG's pure parts of a run's story: the failure banner, a failed node's detail line, edge labels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { edgeLabels, midpoint } from '../../../webview/src/edgeLabels';
import { nodeDetail } from '../../../webview/src/nodeLabels';
import { runBanner } from '../../../webview/src/runBanner';
import type { NodeRunState } from '../../../contracts/src/webviewMessages';

const thresholds = { intervalMs: 5000, timeoutMs: 15000 };
const error = { headline: 'publishing is switched off', lines: ['Error: publishing is switched off', '  at publish (/w/p.ts:31:42)'], frames: [] };

describe('the run banner', () => {
  const states: Record<string, NodeRunState> = { load: { status: 'completed', attempt: 1 }, publish: { status: 'failed', attempt: 2, error }, report: { status: 'failed', attempt: 1 } };

  it('says the run failed, at its first failed step in graph order, and why (the run\'s name only in its tooltip); offers Retry', () => {
    assert.deepEqual(runBanner({ runId: 'r1', runName: 'forecast-1', status: 'failed' }, states, ['load', 'publish', 'report']), {
      text: 'Failed at step publish (and 1 more step): publishing is switched off',
      title: 'Run forecast-1 failed at step publish (and 1 more step): publishing is switched off',
      step: 'publish',
      retry: true,
    });
  });

  it('says the run\'s own error when no step failed, and shows nothing for a run that runs or completed', () => {
    assert.deepEqual(runBanner({ runId: 'r1', runName: 'forecast-1', status: 'crashed', runError: 'engine died' }, { load: { status: 'cancelled', attempt: 1 } }, ['load']), { text: 'Run crashed: engine died', title: 'Run forecast-1 crashed: engine died', retry: true });
    assert.equal(runBanner({ runId: 'r1', status: 'running' }, states, []), undefined);
    assert.equal(runBanner({ runId: 'r1', status: 'completed' }, {}, []), undefined);
    assert.equal(runBanner({ runId: null }, {}, []), undefined);
  });
});

describe('a failed node', () => {
  it('leads its detail line with the error\'s first line, kept longest when the line is cut', () => {
    const detail = nodeDetail({ status: 'failed', attempt: 2, durationMs: 4, error }, thresholds, 0);
    assert.equal(detail.text, 'publishing is switched off · attempt 2 · 4 ms');
    assert.equal(Math.max(...detail.parts.map((part) => part.rank)), detail.parts[0].rank);
    assert.equal(nodeDetail({ status: 'completed', attempt: 1, durationMs: 4 }, thresholds, 0).text, '4 ms');
  });
});

describe('edge labels', () => {
  it('names the outputs an edge carries when its producer has named outputs', () => {
    const labels = edgeLabels({
      edges: [
        { from: 'load', fromOutput: 'output', to: 'split', toInput: 'rows', kind: 'data' },
        { from: 'split', fromOutput: 'train', to: 'fit', toInput: 'train', kind: 'data' },
        { from: 'split', fromOutput: 'test', to: 'evaluate', toInput: 'test', kind: 'data' },
        { from: 'split', fromOutput: 'train', to: 'evaluate', toInput: 'reference', kind: 'data' },
        { from: 'split', fromOutput: 'train', to: 'evaluate', toInput: 'again', kind: 'data' },
        { from: 'fit', to: 'report', kind: 'order' },
      ],
    });
    assert.deepEqual([...labels], [['split->fit', 'train'], ['split->evaluate', 'test, train']]);
  });

  it('sits half way along the edge', () => {
    assert.deepEqual(midpoint([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 30 }]), { x: 10, y: 10 });
    assert.deepEqual(midpoint([{ x: 4, y: 4 }]), { x: 4, y: 4 });
  });
});
