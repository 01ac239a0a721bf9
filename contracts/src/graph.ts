/**
 * The graph of one pipeline as the editor side sees it: plain data the language server sends,
 * the extension passes on and the webview draws. The runtime's DAG shape (`model/dag.ts`) plus
 * source ranges and diagnostics. Imports neither `vscode` nor the DOM.
 */
import type { DagEdge, DagNode } from '../../runtime/src/model/dag';

/** A position in a document, 0-based as in LSP. */
export interface SourcePosition {
  line: number;
  character: number;
}

/** A range in a document, 0-based as in LSP. */
export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** A problem the language server found, attached to the node or edge it concerns when it can be. */
export interface GraphDiagnostic {
  message: string;
  severity: 'error' | 'warning' | 'information';
  range?: SourceRange;
  /** Invocation id of the node this diagnostic concerns. */
  nodeId?: string;
  /** The edge this diagnostic concerns (`from` and `to` invocation ids). */
  edge?: { from: string; to: string };
}

/**
 * One node of a statically analysed pipeline: the runtime's `DagNode` identity fields (analysis
 * cannot know code hashes or merged options) plus where the step call is written.
 */
export type GraphNode = Pick<DagNode, 'id' | 'step' | 'namespace'> &
  Partial<Pick<DagNode, 'params' | 'outputs' | 'after'>> & {
    /** Range of the step call in the pipeline body. */
    range?: SourceRange;
  };

/** The DAG of one pipeline as the language server sees it: runtime DAG shape + ranges + diagnostics. */
export interface PipelineGraph {
  /** Document URI of the file that defines the pipeline. */
  uri: string;
  pipeline: string;
  /** Range of the `pipeline(...)` call. */
  range?: SourceRange;
  nodes: GraphNode[];
  edges: DagEdge[];
  diagnostics: GraphDiagnostic[];
}
