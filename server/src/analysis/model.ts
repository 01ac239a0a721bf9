/** The analysis model: plain data, defined in the runtime's model/ so the CLI shares it (`runtime/src/model/fileAnalysis.ts`). */
export type { AnalysisDiagnostic, DiagnosticCode, FileAnalysis, NodeOptionsView, QuickFix, Range, StaticNode, StaticPipeline, StepInfo } from '../../../runtime/src/model/fileAnalysis';
