/**
 * A `LayoutEngine` that talks to elkjs's own worker script (`elk-worker.min.js`, bundled as
 * `dist/webview/layoutWorker.js`) with elkjs's message protocol: `{ id, cmd, ... }` in,
 * `{ id, data }` or `{ id, error }` out. We use this instead of elkjs's `elk-api` because that
 * one never notices a worker that fails to start (its promises would hang), and we need to know,
 * to fall back to the main thread. The same client drives elkjs's in-thread `FakeWorker` there.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { LayoutEngine } from './layout';

/** What we need of a `Worker` (a real one, or elkjs's in-thread `FakeWorker`). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror?: ((event: { message?: string }) => void) | null;
  terminate?(): void;
}

type ElkRequest = { cmd: 'register'; algorithms: string[] } | { cmd: 'layout'; graph: ElkNode; layoutOptions: Record<string, string>; options: Record<string, unknown> };

interface ElkReply {
  id: number;
  data?: unknown;
  error?: unknown;
}

function isReply(value: unknown): value is ElkReply {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'number';
}

/** A GWT exception, a plain Error or a string: the most useful one-line text. */
function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const candidate = error as { message?: unknown; g?: unknown; detailMessage?: unknown } | null;
  for (const value of [candidate?.message, candidate?.g, candidate?.detailMessage]) if (typeof value === 'string' && value !== '') return value;
  return 'elkjs failed';
}

export class ElkWorkerEngine implements LayoutEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  private broken: Error | undefined;
  private answered = false;
  private readonly started: Promise<void>;

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (event) => this.receive(event.data);
    // A worker refused by the CSP or unable to load its script reports a bare error event.
    worker.onerror = (event) => this.fail(new Error(event.message || (this.answered ? 'the layout worker failed' : 'the layout worker could not start (refused by the content security policy, or its script failed)')));
    // Registering the algorithm is elkjs's first message; its reply proves the worker runs.
    this.started = this.send({ cmd: 'register', algorithms: ['layered'] }).then(() => {
      this.answered = true;
    });
  }

  /** Resolves once the worker has answered; rejects if it failed first. */
  ready(): Promise<void> {
    return this.started;
  }

  async layout(graph: ElkNode): Promise<ElkNode> {
    return (await this.send({ cmd: 'layout', graph, layoutOptions: {}, options: {} })) as ElkNode;
  }

  dispose(): void {
    this.fail(new Error('the layout engine was disposed'));
    this.worker.terminate?.();
  }

  private send(request: ElkRequest): Promise<unknown> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(message: unknown): void {
    if (!isReply(message)) return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.error !== undefined) waiting.reject(new Error(errorText(message.error)));
    else waiting.resolve(message.data);
  }

  /** A worker error fails everything in flight and everything after (the worker is gone). */
  private fail(error: Error): void {
    this.broken ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
