/** The analysis engine's public face, also bundled for the runtime CLI (`pipewright check`, `pipewright dag`). */
export { Analyzer } from './analyzer';
export type { AnalysisDiagnostic, DiagnosticCode, FileAnalysis, StaticNode, StaticPipeline, StepInfo, Range } from './model';
