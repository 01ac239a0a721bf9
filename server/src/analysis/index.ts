/** The analysis engine's public face, also bundled for the runtime (`pipewright check`, `pipewright dag`, a run's module manifest). */
import { isPipelineSource } from '../../../contracts/src/pipelineSource';
import type { AnalysisEngine } from '../../../runtime/src/model/analysisEngine';
import { Analyzer } from './analyzer';
import { extractModuleManifest } from './moduleManifest';
import { findPipelineFiles } from './pipelineFiles';

export { Analyzer, extractModuleManifest, findPipelineFiles, isPipelineSource };
export type { AnalysisDiagnostic, DiagnosticCode, FileAnalysis, NodeOptionsView, QuickFix, StaticNode, StaticPipeline, StepInfo, Range } from './model';

/** What the runtime loads from the bundle (`runtime/src/prepare/analysisEngine.ts`), checked here against the type it uses. */
export const engine: AnalysisEngine = { Analyzer, extractModuleManifest, findPipelineFiles, isPipelineSource };
