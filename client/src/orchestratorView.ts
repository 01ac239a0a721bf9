/** The Orchestrator view: mode, state, endpoint, with start/stop/connect actions in its title and items. */
import * as vscode from 'vscode';
import type { ConnectionInfo } from './orchestratorConnection';
import { stateLabel } from './statusText';

interface InfoNode {
  label: string;
  description: string;
  icon: string;
  contextValue?: string;
}

export class OrchestratorView implements vscode.TreeDataProvider<InfoNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: InfoNode[] = [];
  runtimeLine = '';

  update(info: ConnectionInfo): void {
    const up = info.state === 'active' || info.state === 'connected';
    this.nodes = [
      { label: info.mode === 'local' ? 'Local daemon' : 'Remote orchestrator', description: stateLabel(info.state), icon: up ? 'server-process' : info.state === 'error' ? 'error' : 'debug-disconnect', contextValue: `orchestrator.${info.mode}.${up ? 'up' : 'down'}` },
      ...(info.url ? [{ label: 'Endpoint', description: info.url, icon: 'link' }] : []),
      { label: 'Health', description: info.detail, icon: 'pulse' },
      ...(this.runtimeLine ? [{ label: 'Runtime', description: this.runtimeLine, icon: 'package' }] : []),
    ];
    this.changed.fire();
  }

  getTreeItem(node: InfoNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label);
    item.description = node.description;
    item.tooltip = `${node.label}: ${node.description}`;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = node.contextValue;
    return item;
  }

  getChildren(): InfoNode[] {
    return this.nodes;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
