import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalyzerApi } from '../../model/analysisEngine';
import type { FileAnalysis } from '../../model/fileAnalysis';
import { loadAnalysisEngine } from '../../prepare/analysisEngine';
import { packageRoot } from '../../system/packagePaths';
import { enforceTypeAnnotationsFromEnv } from '../../model/environment';

/** The engine bundle, loaded on demand: most commands never need it. */
export const loadEngine = loadAnalysisEngine;

/** A fresh analyzer from the engine bundle. */
export function loadAnalyzer(enforceTypeAnnotations: boolean): AnalyzerApi {
  const analyzer = new (loadEngine().Analyzer)();
  analyzer.enforceTypeAnnotations = enforceTypeAnnotations;
  return analyzer;
}

/** What the analysis worker is asked (`analysisWorker.ts`). */
export interface AnalysisRequest {
  files: string[];
  enforceTypeAnnotations: boolean;
}

/**
 * The compiler's parser and checker recurse as deep as the code nests: a worker thread with this
 * stack (the main thread has under 1 MB) analyses code nested thousands of levels deep to the end.
 */
const ANALYSIS_STACK_MB = 256;

/** Analyses files in a worker thread with a large stack (one batch: one typed program at most). */
export function analyzeInWorker(files: string[], enforceTypeAnnotations: boolean): Promise<FileAnalysis[]> {
  // Read here, in the CLI's thread: a malformed value is bad input (exit 2), not a worker crash.
  const request: AnalysisRequest = { files, enforceTypeAnnotations: enforceTypeAnnotations || enforceTypeAnnotationsFromEnv() };
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(packageRoot, 'dist', 'analysisWorker.js'), { workerData: request, resourceLimits: { stackSizeMb: ANALYSIS_STACK_MB } });
    let result: FileAnalysis[] | undefined;
    worker.once('message', (analyses: FileAnalysis[]) => (result = analyses));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the analysis worker exited with code ${code} before answering`))));
  });
}
