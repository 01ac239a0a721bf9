/**
 * The Pipewright language server entry: wires LSP handlers to the analysis engine, nothing more.
 * Runs over stdio (`--stdio`) or Node IPC (`--node-ipc`), as the client chooses.
 */
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  ErrorCodes,
  ResponseError,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import type { Diagnostic, Location } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer, type AnalyzeOptions } from './analysis/analyzer';
import { enforceTypeAnnotationsFromEnv } from '../../runtime/src/model/environment';
import type { FileAnalysis } from './analysis/model';
import { AnalysisScheduler } from './analysisScheduler';
import { ListPipelinesRequest, PipelineGraphChangedNotification, PipelineGraphRequest } from '../../contracts/src/lspMessages';
import { negotiateEncoding, PositionConverter } from './positionEncoding';
import { toCodeActions, toCodeLenses, toDefinition, toDiagnostics, toFixAll, toGraph, toHover, toReferences, toSummary, toWorkspaceSymbols, type LspContext } from './toLsp';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** Settings pulled from the editor per document (`pipewright.*` is resource-scoped). */
const settings = new Map<string, AnalyzeOptions>();
const scheduler = new AnalysisScheduler(new Analyzer(), publish, 150, (file) => settings.get(file) ?? {});
let canPullSettings = false;
let canWatchFiles = false;
let canFollowFolders = false;
/** Set by `shutdown`: every later request is refused (InvalidRequest), as the protocol prescribes. */
let shutDown = false;
/** The URI each open document was opened with, by file: answers name a document exactly as the client did. */
const uris = new Map<string, string>();
/** Positions on the wire count in the encoding negotiated at initialize (UTF-16 until then). */
let positions = new PositionConverter('utf-16', textOfUri);

// A bug in the analysis must not take the editor's language features down with it: log and go on.
process.on('uncaughtException', (error) => connection.console.error(`pipewright language server: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => connection.console.error(`pipewright language server: unhandled rejection ${String(reason)}`));

/** Only `file:` documents are analysed (untitled buffers have no tsconfig or imports to resolve). */
function fileOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    // A file URI this platform cannot hold (`file://host/...` on POSIX): not analysed.
    return undefined;
  }
}

/** The URI the client uses for a file: as it opened the document, else the file's own URL. */
function uriOfFile(file: string): string {
  return uris.get(file) ?? pathToFileURL(file).toString();
}

/** A document's text: the editor's for an open one, else the file on disk (for positions in other files). */
function textOfUri(uri: string): string | undefined {
  const open = documents.get(uri)?.getText();
  if (open !== undefined) return open;
  const file = fileOf(uri);
  return file ? textOfFile(file) : undefined;
}

function textOfFile(file: string): string | undefined {
  const uri = uris.get(file);
  const open = uri ? documents.get(uri)?.getText() : undefined;
  if (open !== undefined) return open;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

// Fixes read what is analysed already (open documents, and the workspace once the Pipelines view listed it):
// a code action must not wait for the whole workspace's first analysis.
const context: LspContext = { uriOf: uriOfFile, textOf: textOfFile, everywhere: () => scheduler.analysed() };

/** Diagnostics in the wire's encoding (their related locations too). */
function encodeDiagnostics(uri: string, diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => ({
    ...d,
    range: positions.outgoingRange(uri, d.range),
    ...(d.relatedInformation ? { relatedInformation: d.relatedInformation.map((r) => ({ ...r, location: encodeLocation(r.location) })) } : {}),
  }));
}

function encodeLocation(location: Location): Location {
  return { uri: location.uri, range: positions.outgoingRange(location.uri, location.range) };
}

function publish(file: string, analysis: FileAnalysis): void {
  const uri = uriOfFile(file);
  if (analysis.internalError) connection.console.error(`pipewright language server: analysis of ${file} stopped early: ${analysis.internalError}`);
  void connection.sendDiagnostics({ uri, diagnostics: encodeDiagnostics(uri, toDiagnostics(analysis, context)) });
  void connection.sendNotification(PipelineGraphChangedNotification.type, { uri, pipelines: analysis.pipelines.map((p) => p.name) });
}

/** A request handler that refuses to run once the server was asked to shut down. */
function unlessShutDown<P, R>(handler: (params: P) => R): (params: P) => R {
  return (params) => {
    if (shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down: only exit is accepted');
    return handler(params);
  };
}

function analysisOf(uri: string): FileAnalysis | undefined {
  const file = fileOf(uri);
  return file ? scheduler.current(file) : undefined;
}

/** The runtime's rule for `PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS`; a malformed value is said in the log and leaves enforcement off. */
function enforcementFromEnvironment(): boolean {
  try {
    return enforceTypeAnnotationsFromEnv();
  } catch (error) {
    connection.console.error(`pipewright language server: ${(error as Error).message}`);
    return false;
  }
}

connection.onInitialize((params) => {
  const initial = params.initializationOptions as { enforceTypeAnnotations?: boolean } | undefined;
  scheduler.analyzer.enforceTypeAnnotations = initial?.enforceTypeAnnotations === true || enforcementFromEnvironment();
  canPullSettings = params.capabilities.workspace?.configuration === true;
  canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  canFollowFolders = params.capabilities.workspace?.workspaceFolders === true;
  const encoding = negotiateEncoding(params.capabilities.general?.positionEncodings);
  positions = new PositionConverter(encoding, textOfUri);
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  for (const folder of folders) {
    const file = fileOf(folder);
    if (file) scheduler.addRoot(file);
  }
  return {
    capabilities: {
      positionEncoding: encoding,
      // Edits carry ranges in the negotiated encoding; whole texts need no converting.
      textDocumentSync: encoding === 'utf-16' ? TextDocumentSyncKind.Incremental : TextDocumentSyncKind.Full,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
      hoverProvider: true,
      // No documentSymbolProvider: TypeScript's outline already lists the same declarations.
      workspaceSymbolProvider: true,
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
  uris.set(file, document.uri);
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
    uris.delete(file);
  }
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
});

connection.onDidChangeWatchedFiles(({ changes }) => {
  for (const change of changes) {
    const file = fileOf(change.uri);
    if (!file) continue;
    const created = change.type === FileChangeType.Created;
    const deleted = change.type === FileChangeType.Deleted;
    scheduler.changedOnDisk(file, created ? true : deleted ? 'deleted' : false);
    // A file that came or went may add or drop pipelines: said once the list knows it, so a client
    // that lists pipelines again on this notification never reads the list from before the change
    // (its own file watcher may fire first: vscode-languageclient holds file events back 250 ms).
    if (created || deleted) void connection.sendNotification(PipelineGraphChangedNotification.type, { uri: change.uri, pipelines: [] });
  }
});

connection.onRequest(
  PipelineGraphRequest.type,
  unlessShutDown(({ uri, pipeline }) => {
    const analysis = analysisOf(uri);
    const found = analysis?.pipelines.find((p) => p.name === pipeline);
    return found && analysis ? toGraph(uri, found, analysis) : null;
  }),
);

connection.onRequest(
  ListPipelinesRequest.type,
  unlessShutDown(({ uri }) => {
    const analyses = uri ? [analysisOf(uri)].filter((a) => a !== undefined) : scheduler.workspace();
    return analyses.flatMap((analysis) => analysis.pipelines.map((p) => toSummary(uri ?? uriOfFile(analysis.file), p, analysis)));
  }),
);

connection.onCodeLens(
  unlessShutDown(({ textDocument }) => {
    const analysis = analysisOf(textDocument.uri);
    return analysis ? toCodeLenses(textDocument.uri, analysis).map((lens) => ({ ...lens, range: positions.outgoingRange(textDocument.uri, lens.range) })) : [];
  }),
);

connection.onCodeAction(
  unlessShutDown(({ textDocument, range, context: { only } }) => {
    const analysis = analysisOf(textDocument.uri);
    if (!analysis) return [];
    const wants = (kind: string) => !only || only.some((asked) => kind === asked || kind.startsWith(`${asked}.`));
    const actions = [
      ...(wants(CodeActionKind.QuickFix) ? toCodeActions(textDocument.uri, analysis, positions.incomingRange(textDocument.uri, range), context) : []),
      ...(wants(CodeActionKind.SourceFixAll) && only ? toFixAll(textDocument.uri, analysis, context) : []),
    ];
    return actions.map((action) => ({
      ...action,
      ...(action.diagnostics ? { diagnostics: encodeDiagnostics(textDocument.uri, action.diagnostics) } : {}),
      ...(action.edit?.changes
        ? { edit: { changes: Object.fromEntries(Object.entries(action.edit.changes).map(([uri, edits]) => [uri, edits.map((e) => ({ ...e, range: positions.outgoingRange(uri, e.range) }))])) } }
        : {}),
    }));
  }),
);

connection.onHover(
  unlessShutDown(({ textDocument, position }) => {
    const analysis = analysisOf(textDocument.uri);
    const hover = analysis ? toHover(analysis, positions.incoming(textDocument.uri, position), documents.get(textDocument.uri)?.getText()) : null;
    return hover?.range ? { ...hover, range: positions.outgoingRange(textDocument.uri, hover.range) } : hover;
  }),
);

connection.onWorkspaceSymbol(
  unlessShutDown(({ query }) => {
    const everywhere = scheduler.workspace().map((analysis) => ({ uri: uriOfFile(analysis.file), analysis }));
    return toWorkspaceSymbols(everywhere, query).map((symbol) => ('range' in symbol.location ? { ...symbol, location: encodeLocation(symbol.location) } : symbol));
  }),
);

connection.onDefinition(
  unlessShutDown(({ textDocument, position }) => {
    const analysis = analysisOf(textDocument.uri);
    const found = analysis ? toDefinition(analysis, positions.incoming(textDocument.uri, position), uriOfFile) : null;
    return found ? encodeLocation(found) : null;
  }),
);

connection.onReferences(
  unlessShutDown(({ textDocument, position }) => {
    const analysis = analysisOf(textDocument.uri);
    if (!analysis) return [];
    // Invocations of the step under the cursor in every pipeline file of the workspace.
    const everywhere = scheduler.workspace().map((other) => ({ uri: uriOfFile(other.file), analysis: other }));
    return toReferences(analysis, positions.incoming(textDocument.uri, position), everywhere).map(encodeLocation);
  }),
);

// Requests nobody handles are refused the same way after shutdown (otherwise: method not found).
connection.onRequest(
  unlessShutDown((method: string) => {
    throw new ResponseError(ErrorCodes.MethodNotFound, `unhandled method ${method}`);
  }),
);

connection.onShutdown(() => {
  shutDown = true;
  scheduler.dispose();
});

documents.listen(connection);
connection.listen();
