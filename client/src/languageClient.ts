/**
 * Starts the bundled language server over IPC, with handlers that report failures instead of
 * hiding them, and serves it as an {@link AnalysisServer}. Bundled on its own
 * (dist/client/languageClient.js) and loaded by the extension after activation.
 */
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, TransportKind, WorkspaceSymbolRequest, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { AnalysisServer } from './analysisServer';
import { definitionsFromSymbols } from './definitionSymbols';
import { ListPipelinesRequest, PipelineGraphChangedNotification, PipelineGraphRequest } from '../../contracts/src/lspMessages';

export async function startAnalysisServer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<AnalysisServer> {
  const client = await startLanguageClient(context, log);
  return {
    pipelineGraph: (uri, pipeline) => client.sendRequest(PipelineGraphRequest.type, { uri, pipeline }),
    listPipelines: () => client.sendRequest(ListPipelinesRequest.type, {}),
    definitions: async () => definitionsFromSymbols(await client.sendRequest(WorkspaceSymbolRequest.type, { query: '' })),
    onGraphChanged: (listener) => client.onNotification(PipelineGraphChangedNotification.type, listener),
    stop: () => client.stop(),
  };
}

async function startLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  let restarts = 0;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'typescript' },
      { scheme: 'untitled', language: 'typescript' },
      // JavaScript pipeline files (ESM or CommonJS) are analysed too.
      { scheme: 'file', language: 'javascript' },
    ],
    outputChannel: log,
    initializationFailedHandler: (error) => {
      log.error('language server failed to initialize', error);
      void vscode.window.showErrorMessage(`Pipewright: the language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    },
    errorHandler: {
      error: (error) => {
        log.error('language server connection error', error);
        return { action: ErrorAction.Continue };
      },
      closed: () => {
        restarts++;
        if (restarts <= 4) {
          log.warn(`language server closed; restarting (${restarts}/4)`);
          return { action: CloseAction.Restart };
        }
        return { action: CloseAction.DoNotRestart, message: 'Pipewright: the language server stopped 5 times and will not be restarted. See the Pipewright log.' };
      },
    },
  };
  const client = new LanguageClient('pipewright', 'Pipewright Language Server', serverOptions, clientOptions);
  await client.start();
  return client;
}
