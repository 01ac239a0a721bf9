/**
 * What the extension asks of the language server, as a plain interface. The implementation
 * (client/src/languageClient.ts, with vscode-languageclient: nine tenths of the client's code)
 * is a separate bundle loaded after activation, so activating costs only this interface.
 */
import type * as vscode from 'vscode';
import type { PipelineGraph } from '../../contracts/src/graph';
import type { PipelineGraphChangedParams, PipelineSummary } from '../../contracts/src/lspMessages';
import type { Definition } from './definitionSymbols';

export interface AnalysisServer {
  pipelineGraph(uri: string, pipeline: string): Promise<PipelineGraph | null>;
  listPipelines(): Promise<PipelineSummary[]>;
  /** Every step and pipeline definition of the workspace (the server's workspace symbols). */
  definitions(): Promise<Definition[]>;
  onGraphChanged(listener: (params: PipelineGraphChangedParams) => void): vscode.Disposable;
  stop(): Promise<void>;
}

/** The separately bundled module's exports. */
export interface AnalysisServerModule {
  startAnalysisServer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<AnalysisServer>;
}
