import type { FileAnalysis } from './fileAnalysis';
import type { ManifestOptions, ModuleManifest } from './moduleManifest';

/**
 * The analysis engine's face, as the runtime loads it from its own bundle (`dist/analysis.js`,
 * built from `server/src/analysis/index.ts`, which is checked against this type): the runtime
 * project cannot import the server's sources (the server references the runtime; a reference
 * cycle is not allowed), so both sides import this.
 */
export interface AnalysisEngine {
  Analyzer: new () => AnalyzerApi;
  /** TypeScript and JavaScript files under a folder that mention pipewright (hidden folders, node_modules and build output skipped). */
  findPipelineFiles(root: string): string[];
  /** Whether a file is one the analysis reads as pipeline code (TypeScript or JavaScript source). */
  isPipelineSource(file: string): boolean;
  /**
   * The module manifest of a pipeline file and its imports: every step and pipeline definition,
   * its parameters' and returns' annotations and type descriptors. Never throws for the user's
   * code: what cannot be known is a problem of the manifest.
   */
  extractModuleManifest(entryFile: string, options?: ManifestOptions): ModuleManifest;
}

/** The engine's analyzer, as far as the runtime uses it. */
export interface AnalyzerApi {
  /** Missing annotations are errors instead of warnings. */
  enforceTypeAnnotations: boolean;
  analyze(file: string): FileAnalysis;
  analyzeAll(files: readonly string[]): FileAnalysis[];
}
