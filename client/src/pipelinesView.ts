/** The Pipelines view: pipelines from the language server, grouped by file, steps as children. */
import * as vscode from 'vscode';
import type { AnalysisServer } from './analysisServer';
import type { SourceRange } from '../../contracts/src/graph';
import type { PipelineSummary } from '../../contracts/src/lspMessages';
import { affectsPipelines, PIPELINE_SOURCE_GLOB, type FileEvent } from './pipelineFileChanges';
import { buildPipelineTree, type PipelineNode } from './treeModel';

export class PipelinesView implements vscode.TreeDataProvider<PipelineNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: PipelineNode[] = [];
  pipelines: PipelineSummary[] = [];

  private server: AnalysisServer | undefined;
  /** Settles once the language server is up (or did not start: undefined, and `startError` says why). */
  private readonly started: Promise<AnalysisServer | undefined>;
  private settleStart: (server: AnalysisServer | undefined) => void = () => undefined;
  /** Why the language server did not start, once it did not. */
  startError: Error | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.started = new Promise((resolve) => (this.settleStart = resolve));
  }

  /** The language server starts after activation returns; the view fills once it is up. */
  attach(server: AnalysisServer): Promise<void> {
    this.server = server;
    this.settleStart(server);
    return this.refresh();
  }

  /** The language server did not start: whoever waits for it stops waiting, and can tell the user why. */
  notStarted(error: Error): void {
    this.startError = error;
    this.settleStart(undefined);
  }

  /**
   * The language server, waited for while it starts (a command run right after the workspace
   * opens must not conclude there are no pipelines): undefined only if it did not start.
   */
  whenServer(): Promise<AnalysisServer | undefined> {
    return this.server ? Promise.resolve(this.server) : this.started;
  }

  async refresh(): Promise<void> {
    const server = await this.whenServer();
    if (!server) return;
    try {
      this.pipelines = await server.listPipelines();
    } catch (error) {
      // The server may not implement the request yet: show nothing rather than fail.
      this.log.warn(`listPipelines failed: ${(error as Error).message}`);
      this.pipelines = [];
    }
    this.roots = buildPipelineTree(this.pipelines, (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()));
    this.changed.fire();
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children.length > 0 ? (node.kind === 'file' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.contextValue = node.kind;
    if (node.kind === 'file') item.resourceUri = vscode.Uri.parse(node.uri);
    item.iconPath = new vscode.ThemeIcon(node.kind === 'file' ? 'file-code' : node.kind === 'pipeline' ? 'type-hierarchy' : 'symbol-method');
    if (node.kind !== 'file') item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.uri), { selection: toRange(node.range) }] };
    return item;
  }

  getChildren(node?: PipelineNode): PipelineNode[] {
    return node ? node.children : this.roots;
  }

  /**
   * Follows pipeline files created, edited and deleted on disk (outside the editor too: git,
   * codegen, the file explorer), refreshing at most once per burst of changes.
   */
  followFiles(): vscode.Disposable {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onEvent = (event: FileEvent) => (uri: vscode.Uri) => {
      if (uri.scheme !== 'file') return;
      const listed = this.pipelines.map((pipeline) => vscode.Uri.parse(pipeline.uri).fsPath);
      if (!affectsPipelines(event, uri.fsPath, listed)) return;
      clearTimeout(timer);
      // The language server may hear of the change only after this refresh (the language client holds
      // file events back 250 ms): it then says so (PipelineGraphChangedNotification) and the view lists again.
      timer = setTimeout(() => void this.refresh(), 300);
    };
    const sources = vscode.workspace.createFileSystemWatcher(PIPELINE_SOURCE_GLOB);
    // A deleted folder is reported once, as the folder: watched for deletions only.
    const folders = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    const subscriptions = [
      sources,
      folders,
      sources.onDidCreate(onEvent('created')),
      sources.onDidChange(onEvent('changed')),
      sources.onDidDelete(onEvent('deleted')),
      folders.onDidDelete(onEvent('deleted')),
    ];
    return {
      dispose: () => {
        clearTimeout(timer);
        for (const subscription of subscriptions) subscription.dispose();
      },
    };
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function toRange(range: SourceRange | undefined): vscode.Range | undefined {
  return range ? new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character) : undefined;
}
