/** The Pipelines view: pipelines from the language server, grouped by file, steps as children. */
import * as vscode from 'vscode';
import type { AnalysisServer } from './analysisServer';
import type { PipelineSummary, SourceRange } from './lspProtocol';
import { buildPipelineTree, type PipelineNode } from './treeModel';

export class PipelinesView implements vscode.TreeDataProvider<PipelineNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: PipelineNode[] = [];
  pipelines: PipelineSummary[] = [];

  private server: AnalysisServer | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** The language server starts after activation returns; the view fills once it is up. */
  attach(server: AnalysisServer): Promise<void> {
    this.server = server;
    return this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.server) return;
    try {
      this.pipelines = await this.server.listPipelines();
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

  dispose(): void {
    this.changed.dispose();
  }
}

export function toRange(range: SourceRange | undefined): vscode.Range | undefined {
  return range ? new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character) : undefined;
}
