import * as path from 'node:path';
import ts from 'typescript';
import { rangeOf } from './definitions';
import { moduleSpecifiers } from './imports';
import { declareDiagnostics, finding } from './diagnosticDeclarations';
import type { AnalysisDiagnostic, Range } from './model';
import type { ParseFailure } from './sourceFileCache';

/**
 * Findings about a file as a whole, which would otherwise leave a check silently empty: syntax
 * errors, a `pipewright` that does not resolve, and analysis that could not finish.
 */
export const FILE_DIAGNOSTICS = declareDiagnostics({
  'syntax-error': { severity: 'error' },
  'pipewright-unresolved': { severity: 'error' },
  'analysis-incomplete': { severity: 'error' },
});

/** The parser's errors in a file (the analysis goes on with the tree it recovered). */
export function syntaxErrors(sourceFile: ts.SourceFile): AnalysisDiagnostic[] {
  // Not in the public typings, but every SourceFile carries it (it is what `program.getSyntacticDiagnostics` returns).
  const found = (sourceFile as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return found.map((d) =>
    finding(FILE_DIAGNOSTICS, 'syntax-error', { file: sourceFile.fileName, range: spanRange(sourceFile, d.start, d.length) }, `${ts.flattenDiagnosticMessageText(d.messageText, '\n')} (TS${d.code})`),
  );
}

/**
 * Imports that leave the analysis blind: `pipewright` not resolving (no step or pipeline can be
 * recognised without its declarations), and workspace files that could not be parsed.
 */
export function importProblems(
  sourceFile: ts.SourceFile,
  modulePath: (from: ts.SourceFile, specifier: ts.StringLiteralLike) => string | undefined,
  parseFailure: (file: string) => ParseFailure | undefined,
): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  for (const specifier of moduleSpecifiers(sourceFile)) {
    const target = modulePath(sourceFile, specifier);
    if (specifier.text === 'pipewright' || specifier.text.startsWith('pipewright/')) {
      if (target === undefined) {
        out.push(
          finding(
            FILE_DIAGNOSTICS,
            'pipewright-unresolved',
            { file: sourceFile.fileName, range: rangeOf(specifier, sourceFile) },
            `cannot resolve "${specifier.text}" (with its type declarations) from ${path.dirname(sourceFile.fileName)}: install it (npm install pipewright) or fix the module resolution; until then no step or pipeline of this file can be recognised`,
          ),
        );
      }
      continue;
    }
    const failure = target === undefined ? undefined : parseFailure(target);
    if (target !== undefined && failure) {
      const { line, character } = positionIn(failure.text, failure.position);
      out.push(
        finding(
          FILE_DIAGNOSTICS,
          'analysis-incomplete',
          { file: sourceFile.fileName, range: rangeOf(specifier, sourceFile) },
          `"${specifier.text}" could not be analysed: ${path.basename(target)}:${line + 1}:${character + 1} nests ${failure.depth} brackets deep, deeper than the TypeScript parser can follow; what this file uses from it is missing`,
        ),
      );
    }
  }
  return out;
}

/** The one finding about a file the parser could not finish. */
export function unparsable(file: string, failure: ParseFailure): AnalysisDiagnostic {
  const at = positionIn(failure.text, failure.position);
  return finding(
    FILE_DIAGNOSTICS,
    'analysis-incomplete',
    { file, range: { start: at, end: { line: at.line, character: at.character + 1 } } },
    `the file could not be analysed: it nests ${failure.depth} brackets deep here, deeper than the TypeScript parser can follow (${failure.message}); no step, pipeline or other finding of it is reported`,
  );
}

/** The one finding about a file that exists but could not be read (or whose tsconfig could not be). */
export function unreadable(file: string, error: unknown): AnalysisDiagnostic {
  const at = { line: 0, character: 0 };
  return finding(FILE_DIAGNOSTICS, 'analysis-incomplete', { file, range: { start: at, end: at } }, `the file could not be analysed: ${error instanceof Error ? error.message : String(error)}`);
}

/** A part of the analysis (a pipeline's DAG, a definition's checks...) stopped on an error. */
export function incomplete(at: ts.Node, what: string, error: unknown): AnalysisDiagnostic {
  // V8 gives a stack overflow no code of its own: a RangeError is the analysis running out of room.
  const reason =
    error instanceof RangeError
      ? `the code nests deeper than the analysis can follow: ${error.message}`
      : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  return finding(FILE_DIAGNOSTICS, 'analysis-incomplete', { file: at.getSourceFile().fileName, range: rangeOf(at) }, `${what} could not be analysed to the end (${reason}); its findings may be incomplete`);
}

function positionIn(text: string, position: number): { line: number; character: number } {
  const before = text.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length - 1, character: position - lineStart };
}

function spanRange(sourceFile: ts.SourceFile, start: number, length: number): Range {
  const a = sourceFile.getLineAndCharacterOfPosition(start);
  const b = sourceFile.getLineAndCharacterOfPosition(start + length);
  return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
}
