import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalysisDiagnostic, Range } from '../../model/analysisDiagnostic';
import { packageRoot } from '../../system/packagePaths';
import { enforceTypeAnnotationsFromEnv } from '../../model/environment';

/**
 * What the CLI uses of the language server's analysis engine, declared here because the runtime
 * project cannot import the server's sources (the server references the runtime; a reference
 * cycle is not allowed). The engine ships as its own bundle, `dist/analysis.js`.
 */
export type { AnalysisDiagnostic, Range };

/** One invocation of a static DAG. */
export interface AnalysedNode {
  id: string;
  step: string;
  namespace: string[];
  params: string[];
  outputs: string[];
  after: string[];
  range: Range;
  dynamic?: boolean;
  definition?: { file: string; range: Range };
  options: Record<string, unknown>;
  types: { inputs: Record<string, string>; outputs: Record<string, string> };
}

/** What the engine found in one file. */
export interface FileAnalysis {
  file: string;
  steps: { name: string }[];
  pipelines: {
    name: string;
    file: string;
    range: Range;
    nodes: AnalysedNode[];
    edges: { from: string; fromOutput?: string; to: string; toInput?: string; kind: 'data' | 'order' }[];
  }[];
  diagnostics: AnalysisDiagnostic[];
}

/** The engine's analyzer, as far as the CLI uses it. */
export interface AnalyzerLike {
  enforceTypeAnnotations: boolean;
  analyze(file: string): FileAnalysis;
  analyzeAll(files: readonly string[]): FileAnalysis[];
}

interface Engine {
  Analyzer: new () => AnalyzerLike;
  /** TypeScript and JavaScript files under a folder that mention pipewright (hidden folders, node_modules and build output skipped). */
  findPipelineFiles(root: string): string[];
  /** Whether a file is one the analysis reads as pipeline code (TypeScript or JavaScript source). */
  isPipelineSource(file: string): boolean;
}

/** The engine bundle, loaded on demand: most commands never need it. */
export function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded at run time (see above)
  return require(path.join(packageRoot, 'dist', 'analysis.js')) as Engine;
}

/** A fresh analyzer from the engine bundle. */
export function loadAnalyzer(enforceTypeAnnotations: boolean): AnalyzerLike {
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
