import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { repoRoot } from '../support/tempDir';

export interface Published {
  uri: string;
  diagnostics: { code: string; severity: number; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
}

interface Waiter<T> {
  match: (value: T) => boolean;
  resolve: (value: T) => void;
}

/**
 * The real, built language server (`dist/server/server.js`) in a child process, driven as an editor
 * would drive it, over stdio or Node IPC. Tests wait on messages, never on time.
 */
export class LspClient {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  readonly published: Published[] = [];
  readonly graphChanges: { uri: string; pipelines: string[] }[] = [];
  private readonly diagnosticWaiters: Waiter<Published>[] = [];
  private readonly graphWaiters: Waiter<{ uri: string; pipelines: string[] }>[] = [];
  readonly stderr: string[] = [];
  /** Methods the server registered dynamically (`client/registerCapability`). */
  readonly registrations: string[] = [];

  constructor(transport: 'stdio' | 'ipc' = 'stdio', env: NodeJS.ProcessEnv = process.env) {
    const server = path.join(repoRoot, 'dist', 'server', 'server.js');
    if (transport === 'stdio') {
      this.process = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
      this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    } else {
      this.process = fork(server, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
      this.connection = createMessageConnection(new IPCMessageReader(this.process), new IPCMessageWriter(this.process));
    }
    this.process.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: Published) => {
      this.published.push(params);
      settle(this.diagnosticWaiters, params);
    });
    this.connection.onNotification('pipewright/pipelineGraphChanged', (params: { uri: string; pipelines: string[] }) => {
      this.graphChanges.push(params);
      settle(this.graphWaiters, params);
    });
    // The server logs through window/logMessage; keep it quiet but answer nothing.
    this.connection.onNotification('window/logMessage', (params: { message: string }) => this.stderr.push(params.message));
    this.connection.listen();
  }

  /**
   * `settings`, when given, are what the client answers to `workspace/configuration` (the server
   * then pulls them per document), as VS Code's client would.
   */
  async initialize(root: string, settings?: (scopeUri: string) => unknown, general?: { positionEncodings: string[] }): Promise<{ capabilities: Record<string, unknown> }> {
    if (settings) {
      this.connection.onRequest('workspace/configuration', (params: { items: { scopeUri?: string; section?: string }[] }) => params.items.map((item) => settings(item.scopeUri ?? '')));
    }
    this.connection.onRequest('client/registerCapability', (params: { registrations: { method: string }[] }) => {
      this.registrations.push(...params.registrations.map((r) => r.method));
      return null;
    });
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: path.basename(root) }],
      capabilities: {
        ...(settings ? { workspace: { workspaceFolders: true, configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true } } } : {}),
        ...(general ? { general } : {}),
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  open(file: string, text: string, version = 1): Promise<void> {
    return this.openUri(pathToFileURL(file).toString(), text, version);
  }

  /** Opens a document under exactly this URI (as a client spells it). */
  openUri(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version, text } });
  }

  change(file: string, text: string, version: number): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: pathToFileURL(file).toString(), version }, contentChanges: [{ text }] });
  }

  /** The first publication (past or future) that matches. */
  diagnostics(match: (p: Published) => boolean, since = 0): Promise<Published> {
    const seen = this.published.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.diagnosticWaiters.push({ match, resolve }));
  }

  /** The first graph-changed notification (past or future, from index `since`) that matches. */
  graphChanged(match: (p: { uri: string; pipelines: string[] }) => boolean, since = 0): Promise<{ uri: string; pipelines: string[] }> {
    const seen = this.graphChanges.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.graphWaiters.push({ match, resolve }));
  }

  /** What the server logged that reports a failure (handler errors, uncaught exceptions, analyses stopped early). */
  failures(): string[] {
    return this.stderr.filter((line) => /failed|Error|pipewright language server:/.test(line));
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      await this.connection.sendRequest('shutdown').catch(() => undefined);
      await this.connection.sendNotification('exit').catch(() => undefined);
      await exited;
    }
    this.connection.dispose();
  }
}

function settle<T>(waiters: Waiter<T>[], value: T): void {
  for (const waiter of [...waiters]) {
    if (waiter.match(value)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(value);
    }
  }
}

export const uriOf = (file: string) => pathToFileURL(file).toString();
