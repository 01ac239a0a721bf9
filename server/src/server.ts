/**
 * The Pipewright language server entry: wires LSP handlers to the analysis engine, nothing more.
 * Runs over stdio (`--stdio`) or Node IPC (`--node-ipc`), as the client chooses.
 */
import { fileURLToPath } from 'node:url';
import { CodeActionKind, createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer } from './analysis/analyzer';
import type { FileAnalysis } from './analysis/model';
import { ListPipelinesRequest, PipelineGraphChangedNotification, PipelineGraphRequest } from './protocol';
import { toCodeActions, toCodeLenses, toDefinition, toDiagnostics, toDocumentSymbols, toGraph, toHover, toReferences, toSummary } from './toLsp';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const analyzer = new Analyzer();
const latest = new Map<string, FileAnalysis>();
const timers = new Map<string, NodeJS.Timeout>();

process.on('uncaughtException', (error) => connection.console.error(`pipewright language server: ${error.stack ?? error.message}`));

connection.onInitialize((params) => {
  const settings = params.initializationOptions as { enforceTypeAnnotations?: boolean } | undefined;
  analyzer.enforceTypeAnnotations = settings?.enforceTypeAnnotations === true || process.env.PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS === 'true';
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      hoverProvider: true,
      documentSymbolProvider: true,
      definitionProvider: true,
      referencesProvider: true,
    },
  };
});

/** Analyses a document now (on open) or shortly after the last keystroke (on change). */
function schedule(document: TextDocument, delayMs: number): void {
  clearTimeout(timers.get(document.uri));
  timers.set(
    document.uri,
    setTimeout(() => {
      timers.delete(document.uri);
      analyse(document);
    }, delayMs),
  );
}

function analyse(document: TextDocument): FileAnalysis | undefined {
  if (!document.uri.startsWith('file:')) return undefined;
  const file = fileURLToPath(document.uri);
  analyzer.setDocument(file, document.getText());
  const analysis = analyzer.analyze(file);
  latest.set(document.uri, analysis);
  void connection.sendDiagnostics({ uri: document.uri, diagnostics: toDiagnostics(analysis) });
  void connection.sendNotification(PipelineGraphChangedNotification.type, { uri: document.uri, pipelines: analysis.pipelines.map((p) => p.name) });
  return analysis;
}

function analysisOf(uri: string): FileAnalysis | undefined {
  const open = documents.get(uri);
  if (open) return timers.has(uri) || !latest.has(uri) ? analyse(open) : latest.get(uri);
  if (!uri.startsWith('file:')) return undefined;
  return analyzer.analyze(fileURLToPath(uri));
}

documents.onDidOpen((event) => schedule(event.document, 0));
documents.onDidChangeContent((event) => schedule(event.document, 150));
documents.onDidClose((event) => {
  clearTimeout(timers.get(event.document.uri));
  latest.delete(event.document.uri);
  if (event.document.uri.startsWith('file:')) analyzer.closeDocument(fileURLToPath(event.document.uri));
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onRequest(PipelineGraphRequest.type, ({ uri, pipeline }) => {
  const analysis = analysisOf(uri);
  const found = analysis?.pipelines.find((p) => p.name === pipeline);
  return found && analysis ? toGraph(uri, found, analysis) : null;
});

connection.onRequest(ListPipelinesRequest.type, ({ uri }) => {
  const uris = uri ? [uri] : [...new Set([...documents.keys(), ...latest.keys()])];
  return uris.flatMap((u) => {
    const analysis = analysisOf(u);
    return analysis ? analysis.pipelines.map((p) => toSummary(u, p, analysis)) : [];
  });
});

connection.onCodeLens(({ textDocument }) => {
  const analysis = analysisOf(textDocument.uri);
  return analysis ? toCodeLenses(textDocument.uri, analysis) : [];
});

connection.onCodeAction(({ textDocument, range }) => {
  const analysis = latest.get(textDocument.uri) ?? analysisOf(textDocument.uri);
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
  // Invocations of the step under the cursor in every analysed document.
  const all = [...new Set([...documents.keys(), ...latest.keys()])].flatMap((u) => {
    const other = analysisOf(u);
    return other ? [{ uri: u, analysis: other }] : [];
  });
  return toReferences(analysis, position, all);
});

documents.listen(connection);
connection.listen();

