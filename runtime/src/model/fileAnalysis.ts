import type { DagEdge } from './dag';
import type { AnalysisDiagnostic as Finding, Range } from './analysisDiagnostic';

/**
 * What the analysis engine (the language server's, also bundled as `dist/analysis.js` for
 * `pipewright check` and `dag`) finds in a file: plain data, shared by the engine, the CLI and
 * the editor side.
 */
export type { Range };

/**
 * A finding of the analysis, with a stable code. Each code is declared beside the rule that
 * reports it (the analysis gathers them in `server/src/analysis/diagnosticCodes.ts`, where its
 * code type is derived) and documented in docs/diagnostics.md; the runtime only prints codes, so
 * here one is any string.
 */
export interface AnalysisDiagnostic<Code extends string = string> extends Finding<Code> {
  /** A quick fix, when the analysis knows one. */
  fix?: QuickFix;
}

/** Text edits that resolve a diagnostic (0-based ranges in the diagnostic's file). */
export interface QuickFix {
  title: string;
  edits: { range: Range; newText: string }[];
}

/** One invocation in a static DAG: what the runtime's `DagNode` would hold, plus where it is written. */
export interface StaticNode {
  id: string;
  step: string;
  namespace: string[];
  params: string[];
  outputs: string[];
  /** Parameter types (as written, else inferred) and output types, by name. */
  types: { inputs: Record<string, string>; outputs: Record<string, string> };
  after: string[];
  range: Range;
  /** A call in a loop whose bound is not a literal: stands for any number of invocations. */
  dynamic?: boolean;
  /** Where the step is defined (its `step(...)` call), possibly in another file. */
  definition?: { file: string; range: Range };
  /** Options as far as they are literal: step definition merged with `.with(...)`. */
  options: NodeOptionsView;
}

/** What the analysis can read of a node's options (literal values only). */
export interface NodeOptionsView {
  enableCache?: boolean;
  retry?: { maxRetries?: number; delay?: number; backoff?: number };
  heartbeat?: { interval?: number; timeout?: number };
  /** Which hooks apply and where each comes from (the step's own wins over its pipelines'). */
  hooks?: { onSuccess?: 'step' | 'pipeline'; onFailure?: 'step' | 'pipeline' };
  limits?: string[];
  /** The worker pool: the invocation's, the step's, else the innermost pipeline's. */
  pool?: string;
}

/** A pipeline's static DAG: the nodes and edges `pipeline.compile(params)` would produce. */
export interface StaticPipeline {
  name: string;
  file: string;
  range: Range;
  /** `default`: the default's source text; `defaultValue`: its value as JSON, when the analysis can tell it (a literal, or a `const` declared with one). */
  parameters: { name: string; type?: string; default?: string; defaultValue?: string }[];
  /** Literal pipeline options (execution mode, cache, run-name template). */
  options: { executionMode?: string; enableCache?: boolean; runName?: string };
  nodes: StaticNode[];
  edges: DagEdge[];
}

/** A step definition as hover, symbols and code lenses show it. */
export interface StepInfo {
  name: string;
  file: string;
  range: Range;
  params: string[];
  /** Parameter types as written (or inferred), in order. */
  paramTypes: string[];
  returnType: string;
  outputs: string[];
  /** The options object literal as written, if any. */
  options?: string;
}

/** Everything the analysis found in one file. */
export interface FileAnalysis<Code extends string = string> {
  file: string;
  steps: StepInfo[];
  pipelines: StaticPipeline[];
  diagnostics: AnalysisDiagnostic<Code>[];
  /** Workspace files this file imports or re-exports from directly (a change to one of them, or to what they import, can change this analysis). */
  dependencies: string[];
  /**
   * Set when part of the analysis stopped on an error (the result holds everything else, and an
   * `analysis-incomplete` diagnostic says where): the stack, for the server's log.
   */
  internalError?: string;
}
