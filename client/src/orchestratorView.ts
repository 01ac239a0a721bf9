/**
 * The Orchestrator view: mode, state, endpoint, health and, live, how its event stream fares
 * (`orchestratorHealth.ts`), with start/stop/connect actions in its title and items, and a Workers section (pools, workers, their attempts, queue depth; `workersTree.ts`).
 */
import * as vscode from 'vscode';
import type { WorkersAnswer } from '../../runtime/src/model/workerProtocol';
import type { ConnectionInfo } from './orchestratorConnection';
import { streamLine } from './orchestratorHealth';
import { stateLabel } from './statusText';
import { workersTree } from './workersTree';

/** How often the Event stream line's age is redrawn while there is a connection. */
const TICK_MS = 1000;

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
  private info: ConnectionInfo | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  runtimeLine = '';
  /** When the connection's event stream last carried something (the Event stream line's age). */
  heardAt: () => number | undefined = () => undefined;

  update(info: ConnectionInfo): void {
    this.info = info;
    this.build();
    // The stream's age advances with time: redrawn each second while there is a connection to tell of.
    const live = info.health !== undefined;
    if (live && this.ticker === undefined) this.ticker = setInterval(() => this.build(), TICK_MS);
    if (!live && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private build(): void {
    const info = this.info;
    if (!info) return;
    const up = info.state === 'active' || info.state === 'connected';
    if (!up) this.workers = undefined;
    const stream = info.health && streamLine(info.health, this.heardAt(), Date.now());
    this.nodes = [
      { label: info.mode === 'local' ? 'Local daemon' : 'Remote orchestrator', description: stateLabel(info.state), icon: up ? 'server-process' : info.state === 'error' ? 'error' : 'debug-disconnect', contextValue: `orchestrator.${info.mode}.${up ? 'up' : 'down'}` },
      ...(info.url ? [{ label: 'Endpoint', description: info.url, icon: 'link' }] : []),
      { label: 'Health', description: info.detail, icon: 'pulse' },
      ...(stream ? [{ label: 'Event stream', description: stream.text, icon: stream.level === 'ok' ? 'radio-tower' : stream.level === 'silent' ? 'warning' : 'debug-disconnect' }] : []),
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
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.changed.dispose();
  }
}
