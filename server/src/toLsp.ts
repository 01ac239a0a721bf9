import type { CodeAction, CodeLens, Diagnostic, DocumentSymbol, Hover, Location, Position, Range } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, DiagnosticSeverity, SymbolKind } from 'vscode-languageserver';
import type { FileAnalysis, StaticPipeline, StepInfo } from './analysis/model';
import type { PipelineGraph, PipelineSummary } from './protocol';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

/** Analysis findings as LSP diagnostics (source `pipewright`, stable codes). */
export function toDiagnostics(analysis: FileAnalysis): Diagnostic[] {
  return analysis.diagnostics.map((d) => ({ range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'pipewright', message: d.message }));
}

/** Quick fixes of the diagnostics that touch `range`. */
export function toCodeActions(uri: string, analysis: FileAnalysis, range: Range): CodeAction[] {
  return analysis.diagnostics
    .filter((d) => d.fix && d.range.start.line <= range.end.line && d.range.end.line >= range.start.line)
    .map((d) => ({
      title: d.fix?.title ?? '',
      kind: CodeActionKind.QuickFix,
      diagnostics: [{ range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'pipewright', message: d.message }],
      edit: { changes: { [uri]: d.fix?.edits ?? [] } },
      isPreferred: true,
    }));
}

export function toGraph(uri: string, pipeline: StaticPipeline, analysis: FileAnalysis): PipelineGraph {
  return {
    uri,
    pipeline: pipeline.name,
    range: pipeline.range,
    nodes: pipeline.nodes.map((n) => ({ id: n.id, step: n.step, namespace: n.namespace, params: n.params, outputs: n.outputs, after: n.after, range: n.range })),
    edges: pipeline.edges,
    diagnostics: analysis.diagnostics
      .filter((d) => within(d.range.start.line, pipeline.range))
      .map((d) => {
        const node = pipeline.nodes.find((n) => within(d.range.start.line, n.range));
        return { message: d.message, severity: d.severity, range: d.range, ...(node ? { nodeId: node.id } : {}) };
      }),
  };
}

export function toSummary(uri: string, pipeline: StaticPipeline, analysis: FileAnalysis): PipelineSummary {
  return {
    uri,
    pipeline: pipeline.name,
    range: pipeline.range,
    parameters: pipeline.parameters,
    steps: pipeline.nodes.map((n) => ({ id: n.id, step: n.step, range: n.range })),
    diagnostics: {
      errors: analysis.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: analysis.diagnostics.filter((d) => d.severity === 'warning').length,
    },
  };
}

/** Run / Show DAG on each pipeline, Run step on each step (commands the extension implements). */
export function toCodeLenses(uri: string, analysis: FileAnalysis): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const pipeline of analysis.pipelines) {
    const range = { start: pipeline.range.start, end: pipeline.range.start };
    lenses.push({ range, command: { title: '▶ Run', command: 'pipewright.runPipeline', arguments: [uri, pipeline.name] } });
    lenses.push({ range, command: { title: 'Show DAG', command: 'pipewright.showDag', arguments: [uri, pipeline.name] } });
  }
  for (const step of analysis.steps) {
    const range = { start: step.range.start, end: step.range.start };
    lenses.push({ range, command: { title: '▶ Run step', command: 'pipewright.runStep', arguments: [uri, step.name] } });
  }
  return lenses;
}

function within(line: number, range: { start: { line: number }; end: { line: number } }): boolean {
  return line >= range.start.line && line <= range.end.line;
}

/** Pipelines (with their invocations) and steps, for the outline. */
export function toDocumentSymbols(analysis: FileAnalysis): DocumentSymbol[] {
  const steps = analysis.steps.map((step) => ({ name: step.name, detail: 'step', kind: SymbolKind.Function, range: step.range, selectionRange: step.range }));
  const pipelines = analysis.pipelines.map((pipeline) => ({
    name: pipeline.name,
    detail: `pipeline · ${pipeline.nodes.length} step(s)`,
    kind: SymbolKind.Module,
    range: pipeline.range,
    selectionRange: pipeline.range,
    children: pipeline.nodes.map((node) => ({ name: node.id, detail: node.step, kind: SymbolKind.Event, range: node.range, selectionRange: node.range })),
  }));
  return [...steps, ...pipelines];
}

function containsPosition(range: Range, position: Position): boolean {
  return (position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character)) && (position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character));
}

/** From an invocation to the step it calls (in whichever file defines it). */
export function toDefinition(analysis: FileAnalysis, position: Position): Location | null {
  const node = analysis.pipelines.flatMap((p) => p.nodes).find((n) => containsPosition(n.range, position));
  return node?.definition ? { uri: pathToFileURL(node.definition.file).toString(), range: node.definition.range } : null;
}

/** From a step definition (or an invocation) to every invocation of that step. */
export function toReferences(analysis: FileAnalysis, position: Position, everywhere: { uri: string; analysis: FileAnalysis }[]): Location[] {
  const invocation = analysis.pipelines.flatMap((p) => p.nodes).find((n) => containsPosition(n.range, position));
  const step = invocation?.step ?? analysis.steps.find((s) => containsPosition(s.range, position))?.name;
  if (!step) return [];
  return everywhere.flatMap(({ uri, analysis: other }) => other.pipelines.flatMap((p) => p.nodes).filter((n) => n.step === step).map((n) => ({ uri, range: n.range })));
}

/** On a step definition or one of its invocations: its inputs and outputs with types, and its options. */
export function toHover(analysis: FileAnalysis, position: Position): Hover | null {
  const contains = (range: Range) => (position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character)) && (position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character));
  const invocation = analysis.pipelines.flatMap((p) => p.nodes).find((node) => contains(node.range));
  const step = invocation ? analysis.steps.find((s) => s.name === invocation.step) : analysis.steps.find((s) => contains(s.range));
  if (!step) return null;
  return { contents: { kind: 'markdown', value: describeStep(step, invocation?.id) } };
}

function describeStep(step: StepInfo, invocationId?: string): string {
  const inputs = step.params.map((name, i) => `- \`${name}: ${step.paramTypes[i] ?? 'unknown'}\``).join('\n') || '- none';
  const lines = [`**step ${step.name}**${invocationId ? ` · invocation \`${invocationId}\`` : ''}`, '', 'inputs:', inputs, '', `outputs: ${step.outputs.map((o) => `\`${o}\``).join(', ')} (returns \`${step.returnType}\`)`];
  if (step.options) lines.push('', 'options:', '```ts', step.options, '```');
  return lines.join('\n');
}
