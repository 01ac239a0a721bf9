/** One DAG webview panel per pipeline: graph from the language server, live states from the run stream. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { DAG_VIEW_TYPE, type DagPanelState } from '../../contracts/src/panelState';
import type { PipelineGraph } from '../../contracts/src/graph';
import { MessageChannel } from '../../contracts/src/messageChannel';
import type { FromWebview, NodeAction, NodeRunState, ToWebview } from '../../contracts/src/webviewMessages';
import type { HeartbeatSettingsMs } from './format';
import { nodeError } from './failureText';
import { toRange } from './pipelinesView';
import type { CodeRoots } from './stackFrames';
import { retriedRun, type RunsState, type RunView } from './runState';
import { dagHtml } from './webviewHtml';
import { dagDrift } from '../../contracts/src/dagDrift';
import type { PipelineDag } from '../../runtime/src/model/dag';
import type { RunTimeline } from '../../runtime/src/model/runTimeline';
import { TimelineFeed } from './timelineFeed';
import { PanelPlan, type PlanHost } from './panelPlan';

export interface DagPanelHost {
  loadGraph(uri: string, pipeline: string): Promise<PipelineGraph | null>;
  /** A run's timeline (every attempt, heartbeat gaps, upstream), from the orchestrator (undefined when none is connected). */
  loadRunTimeline(runId: string): Promise<RunTimeline | undefined>;
  /** The DAG a run compiled and ran, from the orchestrator (undefined when none is connected). */
  loadRunDag(runId: string): Promise<PipelineDag | undefined>;
  heartbeat(): HeartbeatSettingsMs;
  onNodeAction(panel: DagPanel, nodeId: string, action: NodeAction): void;
  /** Opens one output of a step of the run the panel shows. */
  openOutput(panel: DagPanel, nodeId: string, output: string): void;
  /** Retries the run the panel shows (the banner's Retry). */
  retryRun(panel: DagPanel): void;
  /** Where the user's code is, to tell its stack frames from the runtime's. */
  codeRoots(): CodeRoots;
  /** What the plan before a run needs (panelPlan.ts). */
  planHost: PlanHost;
  log: vscode.LogOutputChannel;
}

export class DagPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, DagPanel>();
  private readonly channel: MessageChannel<ToWebview, FromWebview>;
  private readonly disposables: vscode.Disposable[] = [];
  private graph: PipelineGraph | null = null;
  /** The run whose statuses the panel shows (the latest of this pipeline). */
  runId: string | null = null;
  /**
   * Set while a panel restored after a window reload waits for the run it showed (it may be
   * older than the runs loaded at connection): it is not switched to the latest run meanwhile.
   */
  awaitingRun = false;

  static show(context: vscode.ExtensionContext, host: DagPanelHost, uri: string, pipeline: string): DagPanel {
    const key = `${uri}#${pipeline}`;
    const existing = DagPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const created = new DagPanel(context, host, uri, pipeline);
    DagPanel.panels.set(key, created);
    return created;
  }

  /**
   * Takes over a panel VS Code restored after a window reload (from the webview's saved state);
   * a second panel of the same pipeline is closed.
   */
  static restore(context: vscode.ExtensionContext, host: DagPanelHost, panel: vscode.WebviewPanel, state: DagPanelState): DagPanel {
    const key = `${state.uri}#${state.pipeline}`;
    const existing = DagPanel.panels.get(key);
    if (existing) {
      panel.dispose();
      return existing;
    }
    const restored = new DagPanel(context, host, state.uri, state.pipeline, panel);
    restored.runId = state.runId;
    restored.awaitingRun = state.runId !== null;
    DagPanel.panels.set(key, restored);
    return restored;
  }

  static all(): Iterable<DagPanel> {
    return DagPanel.panels.values();
  }

  private readonly panel: vscode.WebviewPanel;
  /** The shown run's timeline, sent while the webview shows it. */
  private readonly timeline: TimelineFeed;
  /** The plan before a run, shown as badges. */
  private readonly plan: PanelPlan;

  private constructor(
    context: vscode.ExtensionContext,
    private readonly host: DagPanelHost,
    readonly uri: string,
    readonly pipeline: string,
    restored?: vscode.WebviewPanel,
  ) {
    const root = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    const options = { enableScripts: true, localResourceRoots: [root] };
    if (restored) {
      this.panel = restored;
      this.panel.webview.options = options;
      this.panel.title = `DAG: ${pipeline}`;
    } else {
      this.panel = vscode.window.createWebviewPanel(DAG_VIEW_TYPE, `DAG: ${pipeline}`, vscode.ViewColumn.Beside, { ...options, retainContextWhenHidden: true });
    }
    const webview = this.panel.webview;
    webview.html = dagHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
      layoutWorkerUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'layoutWorker.js')).toString(),
      title: `DAG of ${pipeline}`,
    });
    this.channel = new MessageChannel<ToWebview, FromWebview>(webview, (body) => this.onMessage(body));
    this.timeline = new TimelineFeed(
      (runId) => this.host.loadRunTimeline(runId),
      (timeline) => this.channel.post({ kind: 'timeline', timeline, now: Date.now() }),
      (error) => this.host.log.warn(`the timeline of the shown run could not be loaded (an older orchestrator has no GET /runs/:run/timeline): ${error.message}`),
    );
    this.plan = new PanelPlan(
      host.planHost,
      uri,
      pipeline,
      (plan) => this.channel.post({ kind: 'plan', plan }),
      (codeHashes) => {
        // The saved code's hashes: drift compares them with the shown run's.
        this.codeNow = codeHashes;
        if (this.lastRun) this.showRun(this.lastRun.run, this.lastRun.state);
      },
    );
    this.disposables.push(
      this.plan,
      webview.onDidReceiveMessage((message: unknown) => this.channel.receive(message)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Re-asks the language server for the graph (on open, and when it says the graph changed). */
  async reloadGraph(): Promise<void> {
    try {
      this.graph = await this.host.loadGraph(this.uri, this.pipeline);
    } catch (error) {
      this.host.log.warn(`pipelineGraph failed for ${this.pipeline}: ${(error as Error).message}`);
      this.graph = null;
    }
    this.channel.post({ kind: 'graph', graph: this.graph ?? { uri: this.uri, pipeline: this.pipeline, nodes: [], edges: [], diagnostics: [] } });
    // The code changed: so may the drift from the shown run, and the steps edited since the plan.
    if (this.lastRun) this.showRun(this.lastRun.run, this.lastRun.state);
    this.plan.graphChanged();
  }

  /** Each invocation's code hash in the saved code, from the latest plan (undefined: not known). */
  private codeNow: ReadonlyMap<string, string> | undefined;

  /** The shown run's stored DAG, once loaded (a run's DAG never changes, so it is asked once per run). */
  private ranDag: { runId: string; dag?: PipelineDag } | undefined;

  private driftOf(run: RunView) {
    if (!this.ranDag || this.ranDag.runId !== run.runId) {
      const asked = { runId: run.runId } as { runId: string; dag?: PipelineDag };
      this.ranDag = asked;
      this.host.loadRunDag(run.runId).then(
        (dag) => {
          if (this.ranDag !== asked) return;
          // No orchestrator connected: asked again with the next run state.
          if (!dag) return void (this.ranDag = undefined);
          asked.dag = dag;
          if (this.lastRun?.run.runId === run.runId) this.showRun(this.lastRun.run, this.lastRun.state);
        },
        (error: unknown) => this.host.log.warn(`the DAG of run ${run.runName} could not be loaded (an older orchestrator has no GET /runs/:run/dag): ${(error as Error).message}`),
      );
      return undefined;
    }
    return this.graph && this.ranDag.dag && this.graph.nodes.length > 0 ? dagDrift(this.graph, this.ranDag.dag, run.runName, this.codeNow) : undefined;
  }

  /** The name of the step an invocation of this panel's graph calls (the invocation id when the graph does not have it). */
  stepOf(invocationId: string): string {
    return this.graph?.nodes.find((node) => node.id === invocationId)?.step ?? invocationId;
  }

  /** Pushes the statuses of `run` (only the run this panel follows); `state` names the run it retries. */
  showRun(run: RunView, state: RunsState): void {
    if (run.pipeline !== this.pipeline) return;
    this.runId = run.runId;
    this.awaitingRun = false;
    this.plan.runShown(run.runId, run.status);
    const nodes: Record<string, NodeRunState> = {};
    const roots = this.host.codeRoots();
    for (const step of Object.values(run.steps)) {
      const node: NodeRunState = { status: step.status, attempt: step.attempts, durationMs: step.durationMs, startedAt: step.startedAt, heartbeatAt: step.heartbeatAt, cached: step.cached };
      if (step.heartbeatSettings) node.heartbeatSettings = step.heartbeatSettings;
      if (step.failure) node.error = nodeError(step.failure, roots);
      if (step.outputs) node.outputs = step.outputs.map((output) => ({ name: output.name, type: output.type, size: output.size }));
      nodes[step.id] = node;
    }
    const heartbeat = this.host.heartbeat();
    this.lastRun = { run, state };
    const retryOf = retriedRun(state, run);
    const drift = this.driftOf(run);
    this.timeline.runChanged(run.runId);
    this.channel.post({ kind: 'runState', runId: run.runId, runName: run.runName, ...(retryOf === undefined ? {} : { retryOf }), runStatus: run.status, ...(run.error === undefined ? {} : { runError: run.error }), nodes, heartbeat, now: Date.now(), ...(drift ? { drift } : {}) });
  }

  /** The run last shown: a webview that reloads (VS Code does when a panel moves) gets it again. */
  private lastRun: { run: RunView; state: RunsState } | undefined;

  private onMessage(body: FromWebview): ToWebview | undefined {
    switch (body.kind) {
      case 'ready':
        // A (re)loaded webview starts with its timeline hidden.
        this.timeline.setShown(false, this.runId);
        void this.reloadGraph().then(() => {
          if (this.lastRun) this.showRun(this.lastRun.run, this.lastRun.state);
          this.plan.resend();
        });
        return undefined;
      case 'openNode': {
        const node = this.graph?.nodes.find((n) => n.id === body.nodeId);
        void vscode.window.showTextDocument(vscode.Uri.parse(this.uri), { viewColumn: vscode.ViewColumn.One, selection: toRange(node?.range) });
        return undefined;
      }
      case 'nodeAction':
        this.host.onNodeAction(this, body.nodeId, body.action);
        return undefined;
      case 'openFrame':
        void vscode.window.showTextDocument(vscode.Uri.file(body.file), {
          viewColumn: vscode.ViewColumn.One,
          selection: new vscode.Range(Math.max(0, body.line - 1), Math.max(0, body.column - 1), Math.max(0, body.line - 1), Math.max(0, body.column - 1)),
        }).then(undefined, (error: unknown) => this.host.log.warn(`could not open ${body.file}:${body.line}: ${(error as Error).message}`));
        return undefined;
      case 'openOutput':
        this.host.openOutput(this, body.nodeId, body.output);
        return undefined;
      case 'retryRun':
        this.host.retryRun(this);
        return undefined;
      case 'timelineShown':
        this.timeline.setShown(body.shown, this.runId);
        return undefined;
      case 'error':
        this.host.log.error(`DAG webview: ${body.message}`);
        return undefined;
    }
  }

  dispose(): void {
    DagPanel.panels.delete(`${this.uri}#${this.pipeline}`);
    this.timeline.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
