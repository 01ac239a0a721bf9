/**
 * The worker thread `pipewright check` and `pipewright dag` analyse in (see `analyzeInWorker`):
 * it analyses the files it is given and posts the analyses back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadAnalyzer, loadEngine, type AnalysisRequest } from './analysisEngine';

const request = workerData as AnalysisRequest;
// This thread takes part, and more threads join it for a large batch (each with the same stack).
void loadEngine()
  .analyzeBatch(request.files, {
    analyzer: loadAnalyzer(request.enforceTypeAnnotations),
    stackSizeMb: request.stackSizeMb,
    // The answer is whole all the same (a failed thread's files are analysed again here), but a failure is said.
    report: ({ failures }) => failures.forEach((failure) => process.stderr.write(`pipewright: an analysis thread failed, its files were analysed again: ${failure}\n`)),
  })
  .then((analyses) => parentPort?.postMessage(analyses));
