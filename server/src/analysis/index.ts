/** The analysis engine's public face, also bundled for the runtime (`pipewright check`, `pipewright dag`, a run's module manifest). */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isPipelineSource } from '../../../contracts/src/pipelineSource';
import type { AnalysisEngine } from '../../../runtime/src/model/analysisEngine';
import { Analyzer } from './analyzer';
import { extractModuleManifest } from './moduleManifest';
import type { FileAnalysis } from './model';
import { findPipelineFiles } from './pipelineFiles';
import { analyzeInThreads, isAnalysisThreadData, serveAnalysisThread, type BatchReport } from './threadedAnalysis';

export { Analyzer, extractModuleManifest, findPipelineFiles, isPipelineSource };

/** This bundle in a worker thread that `analyzeBatch` started: an analysis thread, nothing else. */
if (!isMainThread && isAnalysisThreadData(workerData)) serveAnalysisThread(workerData, (message) => parentPort!.postMessage(message));

/**
 * Analyses a batch on every core: on `analyzer` (this thread's, when given) and on worker threads
 * running this bundle, each with a stack of `stackSizeMb` (see `analyzeInThreads`).
 */
export function analyzeBatch(files: readonly string[], options: { analyzer?: Analyzer; enforceTypeAnnotations?: boolean; stackSizeMb?: number; report?: (report: BatchReport) => void } = {}): Promise<FileAnalysis[]> {
  const { analyzer, enforceTypeAnnotations, stackSizeMb, report } = options;
  return analyzeInThreads(files, {
    analyzer,
    report,
    enforceTypeAnnotations: enforceTypeAnnotations ?? analyzer?.enforceTypeAnnotations,
    start: (data) => new Worker(__filename, { workerData: data, ...(stackSizeMb === undefined ? {} : { resourceLimits: { stackSizeMb } }) }),
  });
}
export type { AnalysisDiagnostic, DiagnosticCode, FileAnalysis, NodeOptionsView, QuickFix, StaticNode, StaticPipeline, StepInfo, Range } from './model';

/** What the runtime loads from the bundle (`runtime/src/prepare/analysisEngine.ts`), checked here against the type it uses. */
export const engine: AnalysisEngine = {
  Analyzer,
  // The runtime's analyzers are made by this bundle's Analyzer (its type knows them by their face only).
  analyzeBatch: (files, options) => analyzeBatch(files, { ...options, analyzer: options?.analyzer as Analyzer | undefined }),
  extractModuleManifest,
  findPipelineFiles,
  isPipelineSource,
};
