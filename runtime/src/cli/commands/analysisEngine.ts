import * as path from 'node:path';
import type { AnalysisDiagnostic, Range } from '../../model/analysisDiagnostic';
import { packageRoot } from '../../paths';

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
  /** TypeScript files under a folder that mention pipewright (hidden folders, node_modules and build output skipped). */
  findPipelineFiles(root: string): string[];
}

/** The engine bundle, loaded on demand: most commands never need it. */
export function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded at run time (see above)
  return require(path.join(packageRoot, 'dist', 'analysis.js')) as Engine;
}

/** A fresh analyzer from the engine bundle. */
export function loadAnalyzer(enforceTypeAnnotations: boolean): AnalyzerLike {
  const analyzer = new (loadEngine().Analyzer)();
  analyzer.enforceTypeAnnotations = enforceTypeAnnotations || /^(1|true|yes|on)$/i.test(process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS ?? '');
  return analyzer;
}
