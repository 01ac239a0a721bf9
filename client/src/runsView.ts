/**
 * The Runs view: live runs from the orchestrator's event stream, grouped by pipeline, each leading
 * with its status and progress (status icons, durations, attempts, heartbeats). A click on a run
 * shows it in its DAG, on a step opens the step's log (its attempts and error); the view can be
 * filtered by status and cleared of finished runs (`runsFilter.ts`).
 */
import * as vscode from 'vscode';
import type { HeartbeatSettingsMs } from './format';
import type { RunsState } from './runState';
import { filterDescription, visibleRuns, type RunsFilter } from './runsFilter';
import { buildRunTree, groupRunsByPipeline, type RunsViewNode } from './treeModel';

/** Where the view keeps its filter across reloads (workspace state). */
const FILTER_KEY = 'pipewright.runsFilter';

export class RunsView implements vscode.TreeDataProvider<RunsViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: RunsViewNode[] = [];
  private tree?: vscode.TreeView<RunsViewNode>;
  private last: RunsState = { runs: {}, order: [] };
  private filter: RunsFilter;

  constructor(
    private readonly heartbeat: () => HeartbeatSettingsMs,
    private readonly memory?: vscode.Memento,
  ) {
    this.filter = memory?.get<RunsFilter>(FILTER_KEY) ?? {};
  }

  /** Shows the view in `id` (its title then says what the filter hides). */
  register(id: string): vscode.TreeView<RunsViewNode> {
    this.tree = vscode.window.createTreeView(id, { treeDataProvider: this, showCollapseAll: true });
    return this.tree;
  }

  get currentFilter(): RunsFilter {
    return this.filter;
  }

  /** Replaces the filter (kept for the workspace) and redraws. */
  async setFilter(filter: RunsFilter): Promise<void> {
    this.filter = filter;
    await this.memory?.update(FILTER_KEY, filter);
    this.update(this.last);
  }

  update(state: RunsState, now = Date.now()): void {
    this.last = state;
    const { state: shown, hidden } = visibleRuns(state, this.filter);
    this.roots = groupRunsByPipeline(buildRunTree(shown, now, this.heartbeat()), shown);
    if (this.tree) this.tree.description = filterDescription(this.filter, hidden);
    // The welcome text says "no runs yet" only when there are none, not when the filter hides them.
    void vscode.commands.executeCommand('setContext', 'pipewright.runsHidden', hidden > 0 && this.roots.length === 0);
    this.changed.fire();
  }

  getTreeItem(node: RunsViewNode): vscode.TreeItem {
    const expanded = node.kind === 'group' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, node.children.length > 0 ? expanded : vscode.TreeItemCollapsibleState.None);
    item.id = node.kind === 'group' ? `pipeline:${node.pipeline}` : node.kind === 'run' ? node.runId : node.kind === 'step' ? `${node.runId}/${node.invocationId}` : `${node.runId}/${node.invocationId}\u0000${node.output}`;
    // A run shows in its DAG, a step opens its log (attempts, error), an output opens.
    if (node.kind === 'run') item.command = { command: 'pipewright.showRun', title: 'Show Run in DAG', arguments: [node] };
    if (node.kind === 'step') item.command = { command: 'pipewright.openStepLogs', title: 'Open Step Logs', arguments: [node] };
    if (node.kind === 'output') item.command = { command: 'pipewright.openArtifact', title: 'Open Artifact', arguments: [node] };
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    return item;
  }

  getChildren(node?: RunsViewNode): RunsViewNode[] {
    return node ? node.children : this.roots;
  }

  dispose(): void {
    this.tree?.dispose();
    this.changed.dispose();
  }
}
