/**
 * Every diagnostic code of the analysis, gathered from the rules that declare them (each module
 * declares its codes beside the rule that reports them, see `diagnosticDeclarations.ts`). The
 * `DiagnosticCode` type is derived from this table, never listed by hand; docs/diagnostics.md
 * has one section per code (test/unit/analysis/diagnosticDocs.test.ts checks both ways).
 */
import { DEFINITION_DIAGNOSTICS } from './checks';
import { gatherDiagnostics } from './diagnosticDeclarations';
import { FILE_DIAGNOSTICS } from './fileDiagnostics';
import { PLACEMENT_DIAGNOSTICS } from './placement';
import { STATIC_DAG_DIAGNOSTICS } from './staticDag';

export const DIAGNOSTICS = gatherDiagnostics(DEFINITION_DIAGNOSTICS, STATIC_DAG_DIAGNOSTICS, PLACEMENT_DIAGNOSTICS, FILE_DIAGNOSTICS);

/** A stable code of the analysis: one declared by a rule. */
export type DiagnosticCode = keyof typeof DIAGNOSTICS & string;
