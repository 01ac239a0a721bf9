import type { CodeAction, CodeLens, Diagnostic, DiagnosticRelatedInformation, Hover, Location, Position, Range, WorkspaceSymbol } from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, DiagnosticSeverity, SymbolKind } from 'vscode-languageserver';
import type { AnalysisDiagnostic, FileAnalysis, QuickFix, StaticNode, StaticPipeline, StepInfo } from './analysis/model';
import { wiredParameterFixes } from './analysis/wiredTypes';
import { diagnosticDocsUrl } from './diagnosticDocs';
import { upstreamOfMismatch } from './wiringRelations';
import type { PipelineGraph } from '../../contracts/src/graph';
import type { AnalysedGraphNode, PipelineSummary } from '../../contracts/src/lspMessages';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

/** What the LSP side needs besides the analyses: the URI the client uses for a file, and a document's text. */
export interface LspContext {
  uriOf(file: string): string;
  /** The text of an open document (by the file the analysis names), if open. */
  textOf(file: string): string | undefined;
  /** The analyses at hand (for fixes inferred from what pipelines wire): never starts new ones. */
  everywhere(): FileAnalysis[];
}

/**
 * Analysis findings as LSP diagnostics (source `pipewright`, stable codes), each linking to its
 * entry in docs/diagnostics.md; a wiring error points at the upstream invocation and step.
 */
export function toDiagnostics(analysis: FileAnalysis, context: Pick<LspContext, 'uriOf' | 'textOf'>): Diagnostic[] {
  // The editor's own TypeScript support already shows syntax errors; `pipewright check` reports them.
  return analysis.diagnostics.filter((d) => d.code !== 'syntax-error').map((d) => toDiagnostic(d, analysis, context));
}

function toDiagnostic(d: AnalysisDiagnostic, analysis: FileAnalysis, context: Pick<LspContext, 'uriOf' | 'textOf'>): Diagnostic {
  const related = relatedInformation(d, analysis, context);
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    codeDescription: { href: diagnosticDocsUrl(d.code) },
    source: 'pipewright',
    message: d.message,
    ...(related.length > 0 ? { relatedInformation: related } : {}),
  };
}

/** Where the mistake's other end is: the upstream invocation and step of a mis-wired input, the first use of a duplicate id. */
function relatedInformation(d: AnalysisDiagnostic, analysis: FileAnalysis, context: Pick<LspContext, 'uriOf' | 'textOf'>): DiagnosticRelatedInformation[] {
  const uri = context.uriOf(analysis.file);
  if (d.code === 'input-type-mismatch') {
    const text = context.textOf(analysis.file);
    return upstreamOfMismatch(analysis, d, text).flatMap(({ node, output }) => {
      const type = node.types.outputs[output] ?? 'unknown';
      const where: DiagnosticRelatedInformation[] = [{ location: { uri, range: node.range }, message: `upstream: output "${output}" of "${node.id}" (${type})` }];
      if (node.definition) where.push({ location: { uri: context.uriOf(node.definition.file), range: node.definition.range }, message: `step "${node.step}" is defined here` });
      return where;
    });
  }
  if (d.code === 'duplicate-invocation-id') {
    const pipeline = analysis.pipelines.find((p) => containsRange(p.range, d.range));
    const here = pipeline?.nodes.find((n) => containsRange(n.range, d.range));
    const first = pipeline?.nodes.find((n) => n !== here && here && n.id === here.id);
    return first ? [{ location: { uri, range: first.range }, message: `"${first.id}" is first used here` }] : [];
  }
  return [];
}

/** One action for one diagnostic's fix. */
function fixAction(uri: string, d: AnalysisDiagnostic, fix: QuickFix, preferred: boolean, context: Pick<LspContext, 'uriOf' | 'textOf'>, analysis: FileAnalysis): CodeAction {
  return { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(d, analysis, context)], edit: { changes: { [uri]: fix.edits } }, isPreferred: preferred };
}

/**
 * Every fix of each diagnostic, best first: the analysis's own fix, and for a parameter without a
 * type (or typed `any`) the types the workspace's pipelines wire into it. A diagnostic has a
 * preferred fix only when it has exactly one answer.
 */
function fixesOf(d: AnalysisDiagnostic, analysis: FileAnalysis, context: LspContext): QuickFix[] {
  const wired = d.code === 'missing-parameter-type' || d.code === 'parameter-any' ? wiredParameterFixes(analysis, d, context.textOf(analysis.file), context.everywhere()) : [];
  const own = d.fix && !wired.some((w) => w.title === d.fix?.title) ? [d.fix] : [];
  return [...wired, ...own];
}

/** Quick fixes of the diagnostics that touch `range`. */
export function toCodeActions(uri: string, analysis: FileAnalysis, range: Range, context: LspContext): CodeAction[] {
  return analysis.diagnostics
    .filter((d) => d.range.start.line <= range.end.line && d.range.end.line >= range.start.line)
    .flatMap((d) => {
      const fixes = fixesOf(d, analysis, context);
      return fixes.map((fix) => fixAction(uri, d, fix, fixes.length === 1, context, analysis));
    });
}

/**
 * `source.fixAll`: one action with the fix of every diagnostic that has exactly one answer
 * (a parameter two pipelines wire differently is left for the author), edits that overlap an
 * earlier one skipped.
 */
export function toFixAll(uri: string, analysis: FileAnalysis, context: LspContext): CodeAction[] {
  const edits: QuickFix['edits'] = [];
  const fixed: AnalysisDiagnostic[] = [];
  for (const d of analysis.diagnostics) {
    const fixes = fixesOf(d, analysis, context);
    if (fixes.length !== 1) continue;
    if (fixes[0].edits.some((edit) => edits.some((taken) => overlaps(taken.range, edit.range)))) continue;
    edits.push(...fixes[0].edits);
    fixed.push(d);
  }
  if (fixed.length === 0) return [];
  return [{ title: `Fix all Pipewright problems (${fixed.length})`, kind: CodeActionKind.SourceFixAll, diagnostics: fixed.map((d) => toDiagnostic(d, analysis, context)), edit: { changes: { [uri]: edits } } }];
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** Two ranges share text (or insert at the same point). */
function overlaps(a: Range, b: Range): boolean {
  const samePoint = a.start.line === b.start.line && a.start.character === b.start.character;
  return samePoint || (before(a.start, b.end) && before(b.start, a.end));
}

function containsRange(outer: Range, inner: Range): boolean {
  return containsPosition(outer, inner.start) && containsPosition(outer, inner.end);
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

/**
 * Steps and pipelines for "Go to Symbol in Workspace". Not document symbols: the outline and
 * breadcrumbs already show TypeScript's symbols for the same declarations, and a second provider
 * would split them into a separate group.
 */
export function toWorkspaceSymbols(everywhere: { uri: string; analysis: FileAnalysis }[], query: string): WorkspaceSymbol[] {
  const matches = (name: string) => fuzzyMatches(name, query);
  return everywhere.flatMap(({ uri, analysis }) => [
    ...analysis.steps.filter((s) => matches(s.name)).map((s): WorkspaceSymbol => ({ name: s.name, kind: SymbolKind.Function, containerName: 'Pipewright step', location: { uri, range: s.range } })),
    ...analysis.pipelines.filter((p) => matches(p.name)).map((p): WorkspaceSymbol => ({ name: p.name, kind: SymbolKind.Module, containerName: `Pipewright pipeline · ${p.nodes.length} step(s)`, location: { uri, range: p.range } })),
  ]);
}

/** The query's characters appear in the name in order, ignoring case (as editors filter symbols). */
function fuzzyMatches(name: string, query: string): boolean {
  const wanted = query.toLowerCase();
  let found = 0;
  for (const char of name.toLowerCase()) if (found < wanted.length && char === wanted[found]) found++;
  return found === wanted.length;
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
export function toDefinition(analysis: FileAnalysis, position: Position, uriOf: (file: string) => string): Location | null {
  const node = invocationsAt(analysis, position)[0];
  return node?.definition ? { uri: uriOf(node.definition.file), range: node.definition.range } : null;
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

/**
 * On the callee of an invocation (`fit` in `fit(train, lr)`, `evaluate.with` in
 * `evaluate.with({...})(m)`): its ids, inputs and outputs with types, merged options. On the
 * `step` of a definition: its signature and options. Nowhere else (arguments and function bodies
 * keep TypeScript's hover to themselves), and short, so TypeScript's signature stays in view.
 */
export function toHover(analysis: FileAnalysis, position: Position, text: string | undefined): Hover | null {
  const onCallee = (range: Range) => text !== undefined && containsPosition(calleeRange(text, range), position);
  const invocations = invocationsAt(analysis, position);
  if (invocations.length > 0) return onCallee(invocations[0].range) ? { contents: { kind: 'markdown', value: describeInvocations(invocations) }, range: calleeRange(text ?? '', invocations[0].range) } : null;
  const step = analysis.steps.find((s) => containsPosition(s.range, position) && onCallee(s.range));
  return step ? { contents: { kind: 'markdown', value: describeStep(step) }, range: calleeRange(text ?? '', step.range) } : null;
}

/** The dotted name a call starts with (`steps.score`, `evaluate.with`, `step`), as a range. */
function calleeRange(text: string, call: Range): Range {
  const lines = text.split('\n');
  const line = lines[call.start.line] ?? '';
  const name = /^[\w$]+(?:\s*\.\s*[\w$]+)*/.exec(line.slice(call.start.character));
  return { start: call.start, end: { line: call.start.line, character: call.start.character + (name?.[0].length ?? 0) } };
}

function describeInvocations(nodes: StaticNode[]): string {
  const node = nodes[0];
  const ids = nodes.map((n) => `\`${n.id}\``).join(', ');
  const inputs = node.params.map((name) => `${name}: ${node.types.inputs[name] ?? 'unknown'}`).join(', ');
  const outputs = node.outputs.map((name) => `${name}: ${node.types.outputs[name] ?? 'unknown'}`).join(', ');
  const lines = [`**step ${node.step}** · invocation${nodes.length > 1 ? 's' : ''} ${ids}${node.dynamic ? ' · dynamic (repeated at run time)' : ''}`, '', `\`(${inputs})\` → \`${outputs}\``];
  if (node.after.length > 0) lines.push('', `after: ${node.after.map((a) => `\`${a}\``).join(', ')}`);
  const options = optionRows(node.options);
  if (options.length > 0) lines.push('', '| option | value |', '|---|---|', ...options.map(([key, value]) => `| ${key} | ${value} |`));
  return lines.join('\n');
}

/** Options as `key → value` rows, nested objects flattened to dotted keys (`retry.maxRetries`). */
export function optionRows(options: object, prefix = ''): [string, string][] {
  return Object.entries(options).flatMap(([key, value]): [string, string][] => {
    if (value === undefined) return [];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return optionRows(value as object, `${prefix}${key}.`);
    return [[`${prefix}${key}`, `\`${Array.isArray(value) ? value.join(', ') : String(value)}\``]];
  });
}

function describeStep(step: StepInfo): string {
  const inputs = step.params.map((name, i) => `${name}: ${step.paramTypes[i] ?? 'unknown'}`).join(', ');
  const outputs = step.outputs.length === 1 && step.outputs[0] === 'output' ? 'output' : `outputs ${step.outputs.map((o) => `\`${o}\``).join(', ')}`;
  // Its options are written right below: not repeated.
  return `**step ${step.name}** · \`(${inputs})\` → ${outputs} (returns \`${step.returnType}\`)`;
}
