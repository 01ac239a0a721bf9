import type { CodeAction, CodeLens, Diagnostic, DocumentSymbol, Hover, Location, Position, Range } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, DiagnosticSeverity, SymbolKind } from 'vscode-languageserver';
import type { FileAnalysis, StaticNode, StaticPipeline, StepInfo } from './analysis/model';
import type { PipelineGraph } from '../../contracts/src/graph';
import type { AnalysedGraphNode, PipelineSummary } from '../../contracts/src/lspMessages';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

/** Analysis findings as LSP diagnostics (source `pipewright`, stable codes). */
export function toDiagnostics(analysis: FileAnalysis): Diagnostic[] {
  // The editor's own TypeScript support already shows syntax errors; `pipewright check` reports them.
  return analysis.diagnostics.filter((d) => d.code !== 'syntax-error').map((d) => ({ range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'pipewright', message: d.message }));
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

/** One pipeline's static DAG as the graph the client and webview draw, with the diagnostics inside its range. */
export function toGraph(uri: string, pipeline: StaticPipeline, analysis: FileAnalysis): PipelineGraph {
  return {
    uri,
    pipeline: pipeline.name,
    range: pipeline.range,
    nodes: pipeline.nodes.map(
      (n): AnalysedGraphNode => ({
        id: n.id,
        step: n.step,
        namespace: n.namespace,
        params: n.params,
        outputs: n.outputs,
        after: n.after,
        range: n.range,
        types: n.types,
        options: { ...n.options },
        ...(n.dynamic ? { dynamic: true } : {}),
        ...(n.definition ? { definition: { uri: pathToFileURL(n.definition.file).toString(), range: n.definition.range } } : {}),
      }),
    ),
    edges: pipeline.edges,
    diagnostics: analysis.diagnostics
      .filter((d) => within(d.range.start.line, pipeline.range))
      .map((d) => {
        const node = pipeline.nodes.find((n) => within(d.range.start.line, n.range));
        return { message: d.message, severity: d.severity, range: d.range, ...(node ? { nodeId: node.id } : {}) };
      }),
  };
}

/** One pipeline as the Pipelines view lists it: parameters, invocations, diagnostics counts. */
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
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character);
  return afterStart && beforeEnd;
}

function rangeSize(range: Range): number {
  return (range.end.line - range.start.line) * 100_000 + (range.end.character - range.start.character);
}

/**
 * The invocations under the cursor: those of the innermost call there (`sum(load())` on `load`
 * is `load`), all of them when a loop unrolled that call into several invocations.
 */
function invocationsAt(analysis: FileAnalysis, position: Position): StaticNode[] {
  const nodes = analysis.pipelines.flatMap((p) => p.nodes).filter((n) => containsPosition(n.range, position));
  if (nodes.length === 0) return [];
  const smallest = Math.min(...nodes.map((n) => rangeSize(n.range)));
  return nodes.filter((n) => rangeSize(n.range) === smallest);
}

/** From an invocation to the step it calls (in whichever file defines it). */
export function toDefinition(analysis: FileAnalysis, position: Position): Location | null {
  const node = invocationsAt(analysis, position)[0];
  return node?.definition ? { uri: pathToFileURL(node.definition.file).toString(), range: node.definition.range } : null;
}

/** From a step definition (or an invocation) to every invocation of that step. */
export function toReferences(analysis: FileAnalysis, position: Position, everywhere: { uri: string; analysis: FileAnalysis }[]): Location[] {
  const invocation = invocationsAt(analysis, position)[0];
  const definedHere = analysis.steps.find((s) => containsPosition(s.range, position));
  const target = invocation?.definition ?? (definedHere ? { file: definedHere.file, range: definedHere.range } : undefined);
  if (!target) return [];
  const seen = new Set<string>();
  return everywhere.flatMap(({ uri, analysis: other }) =>
    other.pipelines
      .flatMap((p) => p.nodes)
      .filter((n) => n.definition && n.definition.file === target.file && n.definition.range.start.line === target.range.start.line && n.definition.range.start.character === target.range.start.character)
      .filter((n) => {
        // An unrolled loop gives several invocations at one call: one location.
        const key = `${uri}:${n.range.start.line}:${n.range.start.character}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((n) => ({ uri, range: n.range })),
  );
}

/** On an invocation: its ids, inputs and outputs with types, merged options. On a step definition: its signature and options. */
export function toHover(analysis: FileAnalysis, position: Position): Hover | null {
  const invocations = invocationsAt(analysis, position);
  if (invocations.length > 0) return { contents: { kind: 'markdown', value: describeInvocations(invocations) } };
  const step = analysis.steps.find((s) => containsPosition(s.range, position));
  return step ? { contents: { kind: 'markdown', value: describeStep(step) } } : null;
}

function describeInvocations(nodes: StaticNode[]): string {
  const node = nodes[0];
  const ids = nodes.map((n) => `\`${n.id}\``).join(', ');
  const inputs = node.params.map((name) => `- \`${name}: ${node.types.inputs[name] ?? 'unknown'}\``).join('\n') || '- none';
  const outputs = node.outputs.map((name) => `- \`${name}: ${node.types.outputs[name] ?? 'unknown'}\``).join('\n');
  const lines = [`**step ${node.step}** · invocation${nodes.length > 1 ? 's' : ''} ${ids}${node.dynamic ? ' · dynamic (repeated at run time)' : ''}`, '', 'inputs:', inputs, '', 'outputs:', outputs];
  if (node.after.length > 0) lines.push('', `after: ${node.after.map((a) => `\`${a}\``).join(', ')}`);
  if (Object.keys(node.options).length > 0) lines.push('', 'options:', '```json', JSON.stringify(node.options, null, 2), '```');
  return lines.join('\n');
}

function describeStep(step: StepInfo): string {
  const inputs = step.params.map((name, i) => `- \`${name}: ${step.paramTypes[i] ?? 'unknown'}\``).join('\n') || '- none';
  const lines = [`**step ${step.name}**`, '', 'inputs:', inputs, '', `outputs: ${step.outputs.map((o) => `\`${o}\``).join(', ')} (returns \`${step.returnType}\`)`];
  if (step.options) lines.push('', 'options:', '```ts', step.options, '```');
  return lines.join('\n');
}
