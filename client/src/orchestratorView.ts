/**
 * The Orchestrator view: mode, state, endpoint, with start/stop/connect actions in its title and
 * items, and a Workers section (pools, workers, their attempts, queue depth; `workersTree.ts`).
 */
import * as vscode from 'vscode';
import type { WorkersAnswer } from '../../runtime/src/model/workerProtocol';
import type { ConnectionInfo } from './orchestratorConnection';
import { stateLabel } from './statusText';
import { workersTree } from './workersTree';

interface InfoNode {
  label: string;
  description: string;
  icon: string;
  tooltip?: string;
  contextValue?: string;
  children?: InfoNode[];
}

export class OrchestratorView implements vscode.TreeDataProvider<InfoNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: InfoNode[] = [];
  private workers: InfoNode | undefined;
  runtimeLine = '';

  update(info: ConnectionInfo): void {
    const up = info.state === 'active' || info.state === 'connected';
    if (!up) this.workers = undefined;
    this.nodes = [
      { label: info.mode === 'local' ? 'Local daemon' : 'Remote orchestrator', description: stateLabel(info.state), icon: up ? 'server-process' : info.state === 'error' ? 'error' : 'debug-disconnect', contextValue: `orchestrator.${info.mode}.${up ? 'up' : 'down'}` },
      ...(info.url ? [{ label: 'Endpoint', description: info.url, icon: 'link' }] : []),
      { label: 'Health', description: info.detail, icon: 'pulse' },
      ...(this.runtimeLine ? [{ label: 'Runtime', description: this.runtimeLine, icon: 'package' }] : []),
    ];
    this.changed.fire();
  }

  /** The Workers section from the orchestrator's latest answer; none: hidden (not connected). */
  updateWorkers(answer: WorkersAnswer | undefined): void {
    this.workers = answer ? workersTree(answer) : undefined;
    this.changed.fire();
  }

  getTreeItem(node: InfoNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.children?.length ? (node.label === 'Workers' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.tooltip = node.tooltip ?? `${node.label}: ${node.description}`;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.contextValue;
    return item;
  }

  getChildren(node?: InfoNode): InfoNode[] {
    if (node) return node.children ?? [];
    return this.workers ? [...this.nodes, this.workers] : this.nodes;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
