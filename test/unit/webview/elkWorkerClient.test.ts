import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ElkWorkerEngine, type WorkerLike } from '../../../webview/src/elkWorkerClient';
import { LayoutCache } from '../../../webview/src/layoutCache';
import type { PipelineGraph } from '../../../contracts/src/graph';

// elkjs's worker script outside a worker exports its in-thread FakeWorker: the same dispatcher
// and protocol the real Web Worker serves in the webview.
const load = createRequire(__filename);
const { Worker: FakeWorker } = load('elkjs/lib/elk-worker.min.js') as { Worker: new () => WorkerLike };

const graph: Pick<PipelineGraph, 'nodes' | 'edges'> = {
  nodes: ['load', 'split', 'fit'].map((id) => ({ id, step: id, namespace: [] })),
  edges: [
    { from: 'load', to: 'split', kind: 'data' },
    { from: 'split', to: 'fit', kind: 'data' },
  ],
};

/** A worker that records what it is sent and answers only when told. */
class ScriptedWorker implements WorkerLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message?: string }) => void) | null = null;
  readonly sent: { id: number; cmd: string }[] = [];
  terminated = false;
  postMessage(message: unknown): void {
    this.sent.push(message as { id: number; cmd: string });
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('elkjs worker client', () => {
  it("speaks elkjs's worker protocol: registers, then lays out through the layout cache", async () => {
    const engine = new ElkWorkerEngine(new FakeWorker());
    await engine.ready();
    const layout = await new LayoutCache(engine).layout(graph);
    const x = (id: string) => layout.nodes.get(id)?.x ?? Number.NaN;
    assert.ok(x('load') < x('split') && x('split') < x('fit'));
    assert.ok(layout.edges.every((edge) => edge.points.length >= 2));
  });

  it('rejects a layout elkjs fails with its message', async () => {
    const worker = new ScriptedWorker();
    const engine = new ElkWorkerEngine(worker);
    worker.onmessage?.({ data: { id: worker.sent[0].id } });
    await engine.ready();
    const pending = engine.layout({ id: 'root' });
    worker.onmessage?.({ data: { id: worker.sent[1].id, error: { message: 'bad graph' } } });
    await assert.rejects(pending, /bad graph/);
    worker.onmessage?.({ data: 'noise' });
    const inFlight = engine.layout({ id: 'root' });
    worker.onerror?.({});
    await assert.rejects(inFlight, /the layout worker failed/);
  });

  it('fails start-up and everything after when the worker errors first (so the webview can fall back)', async () => {
    const worker = new ScriptedWorker();
    const engine = new ElkWorkerEngine(worker);
    const layout = engine.layout({ id: 'root' });
    worker.onerror?.({});
    await assert.rejects(engine.ready(), /could not start/);
    await assert.rejects(layout, /could not start/);
    await assert.rejects(engine.layout({ id: 'root' }), /could not start/);
    engine.dispose();
    assert.equal(worker.terminated, true);
  });
});
