/** The Runs view: live runs from the orchestrator's event stream (status icons, durations, attempts, heartbeats). */
import * as vscode from 'vscode';
import type { HeartbeatSettingsMs } from './format';
import type { RunsState } from './runState';
import { buildRunTree, type RunNode } from './treeModel';

export class RunsView implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: RunNode[] = [];

  constructor(private readonly heartbeat: () => HeartbeatSettingsMs) {}

  update(state: RunsState, now = Date.now()): void {
    this.roots = buildRunTree(state, now, this.heartbeat());
    this.changed.fire();
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.kind === 'run' ? node.runId : node.kind === 'step' ? `${node.runId}/${node.invocationId}` : `${node.runId}/${node.invocationId}\u0000${node.output}`;
    // An output opens on click (its step's details are its children and its tooltip).
    if (node.kind === 'output') item.command = { command: 'pipewright.openArtifact', title: 'Open Artifact', arguments: [node] };
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    return item;
  }

  getChildren(node?: RunNode): RunNode[] {
    return node ? node.children : this.roots;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
