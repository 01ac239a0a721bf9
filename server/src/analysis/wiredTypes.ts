import type { AnalysisDiagnostic, FileAnalysis, QuickFix, StaticNode, StepInfo } from './model';

type Range = AnalysisDiagnostic['range'];
type Position = Range['start'];

/** Types that say nothing a parameter annotation could use. */
const UNINFORMATIVE = new Set(['unknown', 'any', 'never']);

/**
 * The types the workspace's pipelines wire into a step's parameter: for every invocation of the
 * step, the output types of the data edges into that input (a fan-in list of one item type is
 * `T[]`). Distinct types in the order first seen; literal values and pipeline parameters tell
 * nothing and count for nothing.
 */
export function wiredParameterTypes(step: Pick<StepInfo, 'file' | 'range'>, parameter: string, everywhere: readonly FileAnalysis[]): string[] {
  const types: string[] = [];
  for (const analysis of everywhere) {
    for (const pipeline of analysis.pipelines) {
      for (const node of pipeline.nodes.filter((n) => invokes(n, step))) {
        const edges = pipeline.edges.filter((e) => e.kind === 'data' && e.to === node.id && e.toInput === parameter);
        const produced = edges.map((e) => pipeline.nodes.find((n) => n.id === e.from)?.types.outputs[e.fromOutput ?? 'output'] ?? 'unknown');
        if (produced.length === 0 || produced.some((t) => UNINFORMATIVE.has(t))) continue;
        // One handle is the type itself; several into one input are a fan-in list.
        const type = edges.length === 1 ? produced[0] : new Set(produced).size === 1 ? `${parenthesized(produced[0])}[]` : undefined;
        if (type && !types.includes(type)) types.push(type);
      }
    }
  }
  return types;
}

function invokes(node: StaticNode, step: Pick<StepInfo, 'file' | 'range'>): boolean {
  return node.definition?.file === step.file && node.definition.range.start.line === step.range.start.line && node.definition.range.start.character === step.range.start.character;
}

/** `A | B` as an array item needs parentheses. */
function parenthesized(type: string): string {
  return /^[\w$.<>, ]+$/.test(type) ? type : `(${type})`;
}

/**
 * Annotations for a parameter without a type (`missing-parameter-type`) or typed `any`
 * (`parameter-any`), one per type the pipelines wire into it: the text of the file is needed to
 * find the parameter's name. TypeScript files only (JavaScript takes JSDoc, which the analysis's
 * own fixes write).
 */
export function wiredParameterFixes(analysis: FileAnalysis, diagnostic: AnalysisDiagnostic, text: string | undefined, everywhere: readonly FileAnalysis[]): QuickFix[] {
  if (text === undefined || /\.[cm]?jsx?$/.test(analysis.file)) return [];
  const step = analysis.steps.find((s) => within(diagnostic.range.start, s.range));
  if (!step) return [];
  const lines = text.split('\n');
  if (diagnostic.code === 'missing-parameter-type') {
    const written = (lines[diagnostic.range.start.line] ?? '').slice(diagnostic.range.start.character);
    const name = /^[\w$]+\??/.exec(written)?.[0];
    if (!name || !step.params.includes(name.replace('?', ''))) return [];
    const at = { line: diagnostic.range.start.line, character: diagnostic.range.start.character + name.length };
    return wiredParameterTypes(step, name.replace('?', ''), everywhere).map((type) => ({ title: `Annotate '${name.replace('?', '')}' as ${type} (what the pipeline wires into it)`, edits: [{ range: { start: at, end: at }, newText: `: ${type}` }] }));
  }
  if (diagnostic.code === 'parameter-any') {
    // The diagnostic is on the `any`; the parameter's name is the last identifier before its colon.
    const head = (lines[diagnostic.range.start.line] ?? '').slice(0, diagnostic.range.start.character);
    const name = /([\w$]+)\??\s*:\s*$/.exec(head)?.[1];
    if (!name || !step.params.includes(name)) return [];
    return wiredParameterTypes(step, name, everywhere).map((type) => ({ title: `Type '${name}' as ${type} (what the pipeline wires into it)`, edits: [{ range: diagnostic.range, newText: type }] }));
  }
  return [];
}

function within(position: Position, range: Range): boolean {
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character);
  return afterStart && beforeEnd;
}
