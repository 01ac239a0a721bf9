/**
 * Starts elkjs in a Web Worker inside the webview, or on the main thread when no worker can start.
 *
 * A VS Code webview serves our files from another origin than the page's, so `new Worker(uri)` of
 * a webview resource is refused. We fetch the worker script's text (CSP `connect-src` of the
 * webview's `cspSource`) and start it from a Blob URL (CSP `worker-src blob:`). If that fails,
 * the same script is loaded as a nonce'd `<script>`, where elkjs exposes its in-thread
 * `FakeWorker`, and layout runs on the main thread; the caller says so in the status line.
 */
import { ElkWorkerEngine, type WorkerLike } from './elkWorkerClient';

/** Set on `globalThis` by `layoutWorker.ts` when it runs as a page script rather than as a worker. */
export const FALLBACK_GLOBAL = 'pipewrightElkFakeWorker';

export interface StartedEngine {
  engine: ElkWorkerEngine;
  /** Where elkjs runs. */
  mode: 'worker' | 'main-thread';
  /** Why the worker could not start (main-thread mode only). */
  reason?: string;
}

export async function startLayoutEngine(workerUrl: string, nonce: string): Promise<StartedEngine> {
  try {
    return { engine: await startWorker(workerUrl), mode: 'worker' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { engine: await startInPage(workerUrl, nonce), mode: 'main-thread', reason };
  }
}

async function startWorker(workerUrl: string): Promise<ElkWorkerEngine> {
  const response = await fetch(workerUrl);
  if (!response.ok) throw new Error(`fetching the layout worker failed (HTTP ${response.status})`);
  // Kept as a Blob (never decoded into a string on this thread); re-typed, since a worker script
  // must have a JavaScript type whatever the resource server said.
  const blobUrl = URL.createObjectURL(new Blob([await response.blob()], { type: 'text/javascript' }));
  let worker: Worker | undefined;
  try {
    worker = new Worker(blobUrl, { name: 'pipewright-layout' });
    const engine = new ElkWorkerEngine(worker as WorkerLike);
    await engine.ready();
    return engine;
  } catch (error) {
    worker?.terminate();
    throw error;
  } finally {
    // The worker has read its script once it answered (or failed); the URL is no longer needed.
    URL.revokeObjectURL(blobUrl);
  }
}

async function startInPage(workerUrl: string, nonce: string): Promise<ElkWorkerEngine> {
  const scope = globalThis as unknown as Record<string, (new () => WorkerLike) | undefined>;
  if (!scope[FALLBACK_GLOBAL]) {
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.nonce = nonce;
      script.src = workerUrl;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error(`loading ${workerUrl} failed`));
      document.head.appendChild(script);
    });
  }
  const FakeWorker = scope[FALLBACK_GLOBAL];
  if (!FakeWorker) throw new Error('the layout script did not provide elkjs');
  const engine = new ElkWorkerEngine(new FakeWorker());
  await engine.ready();
  return engine;
}
