/**
 * The language server bundle's entry (dist/server/languageServer.js, loaded by the launcher): the
 * server itself, or, in a worker thread started for a batch (`analysis/threadedAnalysis.ts`), an
 * analysis thread. One bundle for both roles: TypeScript, its largest part, is shipped once.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isAnalysisThreadData, serveAnalysisThread } from './analysis/threadedAnalysis';

if (!isMainThread && isAnalysisThreadData(workerData)) serveAnalysisThread(workerData, (message) => parentPort!.postMessage(message));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the server starts (its connection, its handlers) only in this role
else require('./server');
