/**
 * The Pipewright language server entry: wires LSP handlers to the analysis engine, nothing more.
 * Runs over stdio (`--stdio`) or Node IPC (`--node-ipc`), as the client chooses.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer, type AnalyzeOptions } from './analysis/analyzer';
import type { FileAnalysis } from './analysis/model';
import { AnalysisScheduler } from './analysisScheduler';
import { ListPipelinesRequest, PipelineGraphChangedNotification, PipelineGraphRequest } from '../../contracts/src/lspMessages';
import { toCodeActions, toCodeLenses, toDefinition, toDiagnostics, toDocumentSymbols, toGraph, toHover, toReferences, toSummary } from './toLsp';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** Settings pulled from the editor per document (`pipewright.*` is resource-scoped). */
const settings = new Map<string, AnalyzeOptions>();
const scheduler = new AnalysisScheduler(new Analyzer(), publish, 150, (file) => settings.get(file) ?? {});
let canPullSettings = false;
let canWatchFiles = false;
let canFollowFolders = false;

// A bug in the analysis must not take the editor's language features down with it: log and go on.
process.on('uncaughtException', (error) => connection.console.error(`pipewright language server: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => connection.console.error(`pipewright language server: unhandled rejection ${String(reason)}`));

/** Only `file:` documents are analysed (untitled buffers have no tsconfig or imports to resolve). */
function fileOf(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

function publish(file: string, analysis: FileAnalysis): void {
  const uri = pathToFileURL(file).toString();
  if (analysis.internalError) connection.console.error(`pipewright language server: analysis of ${file} stopped early: ${analysis.internalError}`);
  void connection.sendDiagnostics({ uri, diagnostics: toDiagnostics(analysis) });
  void connection.sendNotification(PipelineGraphChangedNotification.type, { uri, pipelines: analysis.pipelines.map((p) => p.name) });
}

function analysisOf(uri: string): FileAnalysis | undefined {
  const file = fileOf(uri);
  return file ? scheduler.current(file) : undefined;
}

connection.onInitialize((params) => {
  const initial = params.initializationOptions as { enforceTypeAnnotations?: boolean } | undefined;
  scheduler.analyzer.enforceTypeAnnotations = initial?.enforceTypeAnnotations === true || process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS === 'true';
  canPullSettings = params.capabilities.workspace?.configuration === true;
  canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  canFollowFolders = params.capabilities.workspace?.workspaceFolders === true;
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  for (const folder of folders) {
    const file = fileOf(folder);
    if (file) scheduler.addRoot(file);
  }
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      hoverProvider: true,
      documentSymbolProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
  };
});

connection.onInitialized(() => {
  // Asking for folder events from a client that cannot send them throws.
  if (canFollowFolders) followWorkspaceFolders();
  if (canPullSettings) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'pipewright' });
  // Files edited outside the editor (git checkout, codegen) and tsconfig changes reach the analysis too.
  if (canWatchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{ts,mts,cts,js,mjs,cjs}' }, { globPattern: '**/tsconfig.json' }] });
});

function followWorkspaceFolders(): void {
  connection.workspace.onDidChangeWorkspaceFolders((event) => {
    for (const folder of event.added) {
      const file = fileOf(folder.uri);
      if (file) scheduler.addRoot(file);
    }
    for (const folder of event.removed) {
      const file = fileOf(folder.uri);
      if (file) scheduler.removeRoot(file);
    }
  });
}

/** Pulls the document's `pipewright` settings; analyses it again if they differ from what it was analysed with. */
async function pullSettings(uri: string, file: string): Promise<void> {
  if (!canPullSettings) return;
  try {
    const pulled = (await connection.workspace.getConfiguration({ scopeUri: uri, section: 'pipewright' })) as { enforceTypeAnnotations?: boolean } | null;
    const next: AnalyzeOptions = typeof pulled?.enforceTypeAnnotations === 'boolean' ? { enforceTypeAnnotations: pulled.enforceTypeAnnotations } : {};
    const before = settings.get(file) ?? {};
    settings.set(file, next);
    if (before.enforceTypeAnnotations !== next.enforceTypeAnnotations) scheduler.settingsChanged([file]);
  } catch (error) {
    connection.console.warn(`pipewright language server: could not read settings for ${uri}: ${String(error)}`);
  }
}

documents.onDidOpen(({ document }) => {
  const file = fileOf(document.uri);
  if (!file) return;
  // Analyse at once with what is known; settings that differ trigger one more analysis.
  scheduler.opened(file, document.getText());
  void pullSettings(document.uri, file);
});

connection.onDidChangeConfiguration(() => {
  for (const document of documents.all()) {
    const file = fileOf(document.uri);
    if (file) void pullSettings(document.uri, file);
  }
});
documents.onDidChangeContent(({ document }) => {
  const file = fileOf(document.uri);
  // Also fires on open, with the text just opened: the scheduler ignores a repeat.
  if (file) scheduler.changed(file, document.getText());
});
documents.onDidClose(({ document }) => {
  const file = fileOf(document.uri);
  if (file) {
    scheduler.closed(file);
    settings.delete(file);
  }
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
});

connection.onDidChangeWatchedFiles(({ changes }) => {
  for (const change of changes) {
    const file = fileOf(change.uri);
    if (file) scheduler.changedOnDisk(file, change.type === FileChangeType.Created ? true : change.type === FileChangeType.Deleted ? 'deleted' : false);
  }
});

connection.onRequest(PipelineGraphRequest.type, ({ uri, pipeline }) => {
  const analysis = analysisOf(uri);
  const found = analysis?.pipelines.find((p) => p.name === pipeline);
  return found && analysis ? toGraph(uri, found, analysis) : null;
});

connection.onRequest(ListPipelinesRequest.type, ({ uri }) => {
  const analyses = uri ? [analysisOf(uri)].filter((a) => a !== undefined) : scheduler.workspace();
  return analyses.flatMap((analysis) => analysis.pipelines.map((p) => toSummary(pathToFileURL(analysis.file).toString(), p, analysis)));
});

connection.onCodeLens(({ textDocument }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toCodeLenses(textDocument.uri, analysis) : [];
});

connection.onCodeAction(({ textDocument, range }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toCodeActions(textDocument.uri, analysis, range) : [];
});

connection.onHover(({ textDocument, position }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toHover(analysis, position) : null;
});

connection.onDocumentSymbol(({ textDocument }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toDocumentSymbols(analysis) : [];
});

connection.onDefinition(({ textDocument, position }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toDefinition(analysis, position) : null;
});

connection.onReferences(({ textDocument, position }) => {
  const analysis = analysisOf(textDocument.uri);
  if (!analysis) return [];
  // Invocations of the step under the cursor in every pipeline file of the workspace.
  const everywhere = scheduler.workspace().map((other) => ({ uri: pathToFileURL(other.file).toString(), analysis: other }));
  return toReferences(analysis, position, everywhere);
});

connection.onShutdown(() => scheduler.dispose());

documents.listen(connection);
connection.listen();
