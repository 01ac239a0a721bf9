import type { AnalysisDiagnostic, Range } from '../../../runtime/src/model/fileAnalysis';

/**
 * How a rule of the analysis declares the diagnostic codes it reports, beside the rule itself:
 * `diagnosticCodes.ts` gathers the declarations and derives the `DiagnosticCode` type from them,
 * so a new diagnostic is written in one source file. What a code means and how to fix it is its
 * section of docs/diagnostics.md (every finding links there), which a test keeps in step with
 * the declarations.
 */

export type Severity = AnalysisDiagnostic['severity'];

export interface DiagnosticDeclaration {
  /** The severity of a finding of this code unless its rule says otherwise (annotations under `enforceTypeAnnotations`, say). */
  severity: Severity;
}

export type Declarations = Readonly<Record<string, DiagnosticDeclaration>>;

/** A rule's codes with their declarations (the codes stay literal types). */
export function declareDiagnostics<const Declared extends Declarations>(declared: Declared): Declared {
  return declared;
}

/** A finding of one of `declared`'s codes, at its declared severity unless `severity` says otherwise. */
export function finding<Declared extends Declarations, Code extends keyof Declared & string>(
  declared: Declared,
  code: Code,
  at: { file: string; range: Range },
  message: string,
  severity: Severity = declared[code].severity,
): AnalysisDiagnostic<Code> {
  return { file: at.file, range: at.range, severity, code, message };
}

type Merged<Lists extends readonly Declarations[]> = Lists extends readonly [infer First, ...infer Rest extends readonly Declarations[]] ? First & Merged<Rest> : unknown;

/** The declarations of several rules as one table; a code declared by two rules is a mistake, refused here. */
export function gatherDiagnostics<const Lists extends readonly Declarations[]>(...lists: Lists): Merged<Lists> {
  const all: Record<string, DiagnosticDeclaration> = {};
  for (const list of lists) {
    for (const [code, declaration] of Object.entries(list)) {
      if (code in all) throw new Error(`diagnostic code "${code}" is declared by two rules`);
      all[code] = declaration;
    }
  }
  return all as Merged<Lists>;
}
