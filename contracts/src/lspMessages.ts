/**
 * Custom LSP messages between the extension and the Pipewright language server: the one
 * protocol module of this boundary, imported by both. Graph shapes are those the webview draws
 * (`graph.ts`). Ranges in these messages count UTF-16 code units whatever `positionEncoding` the
 * standard requests negotiated (the extension's client only speaks UTF-16).
 */
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per message (method + type), as CONVENTIONS.md models. */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { GraphNode, PipelineGraph, SourceRange } from './graph';

/**
 * What the server puts in each node of a `PipelineGraph` beyond the webview's `GraphNode`
 * (which ignores the extra fields): types, literal options, loop fan-out and the step's definition.
 */
export interface AnalysedGraphNode extends GraphNode {
  /** Parameter and output types, by name (as written, else inferred). */
  types?: { inputs: Record<string, string>; outputs: Record<string, string> };
  /** Literal options after merging step, `.with(...)` and pipeline defaults. */
  options?: Record<string, unknown>;
  /** A call in a loop without a literal bound: stands for any number of invocations. */
  dynamic?: boolean;
  /** Where the step is defined (possibly another file). */
  definition?: { uri: string; range: SourceRange };
}

/** Which pipeline's graph `PipelineGraphRequest` asks for. */
export interface PipelineGraphParams {
  /** Document URI of the file that defines the pipeline. */
  uri: string;
  /** Pipeline name (its `name` option or function name). */
  pipeline: string;
}

/** A declared parameter of a pipeline function, for the run prompt. */
export interface PipelineParameter {
  name: string;
  /** The annotation as written, when there is one. */
  type?: string;
  /** The default value's source text, when there is one. */
  default?: string;
  /** The default's value as JSON text, when the analysis can tell it (a literal, or a `const` declared with one): `"data/iris.csv"` for `DEFAULT_DATA`. */
  defaultValue?: string;
}

/** One pipeline found in the workspace, with its steps, for the Pipelines view. */
export interface PipelineSummary {
  uri: string;
  pipeline: string;
  range?: SourceRange;
  parameters?: PipelineParameter[];
  steps: { id: string; step: string; range?: SourceRange }[];
  /** Diagnostics counts in the pipeline's file. */
  diagnostics: { errors: number; warnings: number };
}

/** What `ListPipelinesRequest` lists. */
export interface ListPipelinesParams {
  /** Only this document; every analysed file when absent. */
  uri?: string;
}

/** Sent from the client to the server to get the DAG of one pipeline (null when unknown). */
export namespace PipelineGraphRequest {
  export const method = 'pipewright/pipelineGraph' as const;
  export const type = new RequestType<PipelineGraphParams, PipelineGraph | null, void>(method);
}

/** Sent from the client to the server to list the pipelines of the workspace (or one file). */
export namespace ListPipelinesRequest {
  export const method = 'pipewright/listPipelines' as const;
  export const type = new RequestType<ListPipelinesParams, PipelineSummary[], void>(method);
}

/** Which graphs `PipelineGraphChangedNotification` says changed. */
export interface PipelineGraphChangedParams {
  uri: string;
  /** Pipelines of that file whose graph changed (all of the file's when empty). */
  pipelines: string[];
}

/** Sent from the server to the client when an edit changed pipeline graphs of a document, or a source file was created or deleted on disk (its pipelines came or went: `pipelines` empty). */
export namespace PipelineGraphChangedNotification {
  export const method = 'pipewright/pipelineGraphChanged' as const;
  export const type = new NotificationType<PipelineGraphChangedParams>(method);
}
