/**
 * The worker thread `pipewright check` and `pipewright dag` analyse in (see `analyzeInWorker`):
 * it analyses the files it is given and posts the analyses back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadAnalyzer, type AnalysisRequest } from './analysisEngine';

const request = workerData as AnalysisRequest;
parentPort?.postMessage(loadAnalyzer(request.enforceTypeAnnotations).analyzeAll(request.files));
