/**
 * A finding of the static analysis, as the language server produces it and `pipewright check`
 * prints it: plain data shared across the project boundary (the runtime cannot import the
 * server's sources; both import this).
 */

/** 0-based LSP-style range. */
export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A finding with a stable code (docs/diagnostics.md lists them). */
export interface AnalysisDiagnostic<Code extends string = string> {
  file: string;
  range: Range;
  severity: 'error' | 'warning' | 'information';
  code: Code;
  message: string;
}
