/**
 * Entry of `dist/webview/layoutWorker.js`: elkjs's worker script. Started as a Web Worker (see
 * `layoutEngine.ts`), elkjs installs its message dispatcher on the worker's global scope by itself.
 * Loaded as a page script instead (the main-thread fallback), elkjs exports its in-thread
 * `FakeWorker`, which we publish for `layoutEngine.ts` to pick up.
 */
import * as elkWorker from 'elkjs/lib/elk-worker.min.js';
import { FALLBACK_GLOBAL } from './layoutEngine';

if (typeof document !== 'undefined' && elkWorker.Worker) {
  (globalThis as Record<string, unknown>)[FALLBACK_GLOBAL] = elkWorker.Worker;
}
