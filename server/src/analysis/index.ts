/** The analysis engine's public face, also bundled for the runtime CLI (`pipewright check`, `pipewright dag`). */
export { Analyzer } from './analyzer';
export { findPipelineFiles } from './pipelineFiles';
export { isPipelineSource } from '../../../contracts/src/pipelineSource';
export type { AnalysisDiagnostic, DiagnosticCode, FileAnalysis, NodeOptionsView, QuickFix, StaticNode, StaticPipeline, StepInfo, Range } from './model';
