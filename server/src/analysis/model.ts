/**
 * The analysis model: plain data, defined in the runtime's model/ so the CLI shares it
 * (`runtime/src/model/fileAnalysis.ts`), here with the codes the analysis declares
 * (`diagnosticCodes.ts`; the runtime, which only prints them, takes any string).
 */
import type { AnalysisDiagnostic as AnyFinding, FileAnalysis as AnyFileAnalysis } from '../../../runtime/src/model/fileAnalysis';
import type { DiagnosticCode } from './diagnosticCodes';

export type { DiagnosticCode };
export type AnalysisDiagnostic = AnyFinding<DiagnosticCode>;
export type FileAnalysis = AnyFileAnalysis<DiagnosticCode>;
export type { NodeOptionsView, QuickFix, Range, StaticNode, StaticPipeline, StepInfo } from '../../../runtime/src/model/fileAnalysis';
