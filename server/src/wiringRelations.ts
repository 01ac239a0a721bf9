import ts from 'typescript';
import type { AnalysisDiagnostic, FileAnalysis, StaticNode } from './analysis/model';

type Range = AnalysisDiagnostic['range'];

/**
 * The upstream outputs wired into the argument an `input-type-mismatch` diagnostic is on: the
 * invocation whose call holds the argument, the argument's position there (from the text), and
 * the data edges into that input. Several for a fan-in list.
 */
export function upstreamOfMismatch(analysis: FileAnalysis, diagnostic: AnalysisDiagnostic, text: string | undefined): { node: StaticNode; output: string }[] {
  if (text === undefined) return [];
  const sourceFile = ts.createSourceFile(analysis.file, text, ts.ScriptTarget.Latest, false);
  const offset = (p: Range['start']) => sourceFile.getPositionOfLineAndCharacter(p.line, p.character);
  const argumentStart = offset(diagnostic.range.start);
  for (const pipeline of analysis.pipelines) {
    // The innermost invocation around the argument is the one it is passed to.
    const consumers = pipeline.nodes
      .filter((n) => offset(n.range.start) <= argumentStart && argumentStart < offset(n.range.end))
      .sort((a, b) => offset(a.range.end) - offset(a.range.start) - (offset(b.range.end) - offset(b.range.start)));
    for (const consumer of consumers) {
      const call = callAt(sourceFile, offset(consumer.range.start), offset(consumer.range.end));
      const index = call?.arguments.findIndex((arg) => arg.getStart(sourceFile) === argumentStart) ?? -1;
      if (index < 0) continue;
      const input = consumer.params[index] ?? `arg${index}`;
      return pipeline.edges
        .filter((e) => e.kind === 'data' && e.to === consumer.id && e.toInput === input)
        .flatMap((e) => {
          const node = pipeline.nodes.find((n) => n.id === e.from);
          return node ? [{ node, output: e.fromOutput ?? 'output' }] : [];
        });
    }
  }
  return [];
}

/** The call expression spanning exactly [start, end). */
function callAt(sourceFile: ts.SourceFile, start: number, end: number): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || node.end < end || node.pos > start) return;
    if (ts.isCallExpression(node) && node.getStart(sourceFile) === start && node.end === end) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}
