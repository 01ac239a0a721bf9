/**
 * Extension entry: only wires the parts together (language client, orchestrator connection,
 * views, status bar, commands). Activation failures are logged and shown: VS Code does not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisServer, AnalysisServerModule } from './analysisServer';
import { DAG_VIEW_TYPE, restorePanelState } from '../../contracts/src/panelState';
import { ARTIFACT_SCHEME, ArtifactDocuments } from './artifactDocuments';
import { bundleFrameMapper } from './bundleSourceMap';
import { connectPerSettings, dagPanelHost, registerCommands, type CommandDeps } from './commands';
import { FailureDiagnostics } from './failureDiagnostics';
import { DebugStepLenses } from './debugStepLenses';
import { LastRunLenses } from './lastRunLenses';
import { StepDebugger } from './stepDebugger';
import { LOG_SCHEME, LogDocuments } from './logDocuments';
import { RUN_DIFF_SCHEME, RunDiffDocuments } from './runDiffDocuments';
import { presentRunNotice } from './noticePresenter';
import { RunNotices } from './runNotices';
import type { CodeRoots } from './stackFrames';
import { absentLocalDaemon, readLocalEndpoint, workspaceStoreDir } from './daemonFiles';
import { DagPanel } from './dagPanel';
import { OrchestratorConnection } from './orchestratorConnection';
import { OrchestratorView } from './orchestratorView';
import { PipelinesView } from './pipelinesView';
import { runForPanel, runningCount } from './runState';
import { RunsView } from './runsView';
import { describeNodeExecutable, findNodeExecutable } from './nodeExecutable';
import { describeRuntime, locateRuntime } from './runtimeLocator';
import { readSettings } from './settings';
import { PipewrightStatusBar } from './statusBar';

let analysisServer: AnalysisServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Pipewright', { log: true });
  context.subscriptions.push(log);
  try {
    wire(context, log);
    log.info(`activated in ${(performance.now() - started).toFixed(1)} ms (the language server and the orchestrator connection start after)`);
  } catch (error) {
    log.error('activation failed', error);
    void vscode.window.showErrorMessage(`Pipewright failed to activate: ${(error as Error).message}`, 'Show Log').then((choice) => choice && log.show());
  }
}

function wire(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  const storeDir = workspaceStoreDir(folder);
  const runtime = locateRuntime(folder, context.asAbsolutePath(path.join('node_modules', 'pipewright')));
  const runtimeLine = describeRuntime(runtime, folder);
  (runtime?.source === 'workspace' ? log.info : log.warn).call(log, runtimeLine);

  const nodeExecutable = () =>
    findNodeExecutable({ setting: vscode.workspace.getConfiguration('pipewright').get<string>('runtime.node', ''), pathVariable: process.env.PATH, execPath: process.execPath, isExecutable });
  const node = nodeExecutable();
  (node.source === 'extension-host' ? log.warn : log.info).call(log, describeNodeExecutable(node));

  const connection = new OrchestratorConnection((message) => log.warn(message));
  // Said at once, before the first connection attempt (which comes after activation).
  if (readSettings().mode === 'local' && !readLocalEndpoint(storeDir)) connection.setInfo({ mode: 'local', ...absentLocalDaemon(storeDir) });
  const runsView = new RunsView(() => readSettings().heartbeat, context.workspaceState);
  const orchestratorView = new OrchestratorView();
  orchestratorView.runtimeLine = runtime ? `${runtime.version} (${runtime.source})` : 'not found';
  orchestratorView.heardAt = () => connection.heardAt;
  const statusBar = new PipewrightStatusBar();
  context.subscriptions.push(runsView, orchestratorView, statusBar,
    runsView.register('pipewright.runs'),
    vscode.window.registerTreeDataProvider('pipewright.orchestrator', orchestratorView),
  );

  const pipelinesView = new PipelinesView(log);
  context.subscriptions.push(pipelinesView, vscode.window.registerTreeDataProvider('pipewright.pipelines', pipelinesView), pipelinesView.followFiles());

  // The user's code: stack frames there are links, and the first one is where Problems shows a failure.
  const mapFrame = bundleFrameMapper((file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  });
  const codeRoots = (): CodeRoots => ({ workspace: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), excluded: [storeDir, ...(runtime ? [runtime.root] : [])], mapFrame });
  const failures = new FailureDiagnostics(codeRoots);
  const notices = new RunNotices((notice) => {
    // In the log too, in the order they are given (the workbench may show toasts in another order, or hide some).
    log.info(`notice: ${notice.text}`);
    presentRunNotice(notice, pipelinesView);
  }, (runId) => connection.runs.runs[runId]);
  const logDocuments = new LogDocuments(connection);
  const artifacts = new ArtifactDocuments(() => {
    if (!connection.api) throw new Error('no orchestrator connected (start the local orchestrator or connect to a remote one)');
    return connection.api;
  }, context.globalStorageUri);
  context.subscriptions.push(
    failures,
    logDocuments,
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logDocuments),
    vscode.workspace.registerTextDocumentContentProvider(ARTIFACT_SCHEME, artifacts),
    vscode.workspace.registerTextDocumentContentProvider(RUN_DIFF_SCHEME, new RunDiffDocuments(connection)),
  );
  // Outputs are not on the event stream: the run's detail has them, reloaded when a run ends and,
  // at most once a second per run, while its steps complete.
  const reloading = new Set<string>();
  const reloadRun = (runId: string, delayMs: number) => {
    if (reloading.has(runId)) return;
    reloading.add(runId);
    setTimeout(() => {
      reloading.delete(runId);
      void connection.refreshRun(runId).catch((error: unknown) => log.warn(`could not reload run ${runId}: ${(error as Error).message}`));
    }, delayMs);
  };
  connection.onEvent((event) => {
    if (event.type === 'run' && event.status !== 'running') {
      notices.ended(event.runId);
      reloadRun(event.runId, 0);
    } else if (event.type === 'step' && (event.status === 'completed' || event.status === 'cached')) {
      reloadRun(event.runId, 1000);
    }
  });

  const render = () => {
    statusBar.update(connection.info, connection.runs, readSettings().heartbeat);
    runsView.update(connection.runs);
    failures.update(connection.runs);
  };
  // Heartbeat ages advance with time, not with events: a 1 s UI clock while something runs
  // (the orchestrator itself is never polled; data comes from its event stream).
  const clock = setInterval(() => runningCount(connection.runs) > 0 && render(), 1000);
  // Workers are not on the event stream: the Orchestrator view's Workers section asks for them every 5 s while connected.
  const refreshWorkers = async () => {
    const api = connection.api;
    if (!api) return orchestratorView.updateWorkers(undefined);
    orchestratorView.updateWorkers(await api.listWorkers({}).catch(() => undefined));
  };
  const workersClock = setInterval(() => void refreshWorkers(), 5000);
  context.subscriptions.push({ dispose: () => clearInterval(clock) }, { dispose: () => clearInterval(workersClock) }, { dispose: () => connection.disconnect() });
  connection.onRuns((state) => {
    render();
    for (const panel of DagPanel.all()) {
      const run = runForPanel(state, panel.pipeline, panel.runId, panel.awaitingRun);
      if (run) panel.showRun(run, state);
    }
  });
  connection.onInfo((info) => {
    orchestratorView.update(info);
    render();
    if (info.state === 'active' || info.state === 'connected') void loadAwaitedRuns();
    void refreshWorkers();
    void vscode.commands.executeCommand('setContext', 'pipewright.connected', info.state === 'active' || info.state === 'connected');
    void vscode.commands.executeCommand('setContext', 'pipewright.localActive', info.mode === 'local' && info.state === 'active');
    void vscode.commands.executeCommand('setContext', 'pipewright.mode', info.mode);
  });

  /** Panels restored after a window reload ask for the run they showed, once connected. */
  const loadAwaitedRuns = async () => {
    for (const panel of DagPanel.all()) {
      if (!panel.awaitingRun || panel.runId === null) continue;
      const runId = panel.runId;
      await connection.refreshRun(runId).catch((error: unknown) => log.warn(`the DAG of ${panel.pipeline} showed run ${runId}, which could not be loaded: ${(error as Error).message}`));
      // Loaded (refreshRun shows it through onRuns) or gone: the panel follows the latest run from now on.
      if (panel.awaitingRun) {
        panel.awaitingRun = false;
        const latest = runForPanel(connection.runs, panel.pipeline, null, false);
        if (latest) panel.showRun(latest, connection.runs);
      }
    }
  };

  // The last run above each step and pipeline definition (reads runs only: fine in Restricted Mode).
  const lastRunLenses = new LastRunLenses(connection, () => analysisServer, log);
  context.subscriptions.push(
    lastRunLenses,
    vscode.languages.registerCodeLensProvider(
      [
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'javascript' },
      ],
      lastRunLenses,
    ),
  );
  // Debug Step: the lens beside the last run's, and the debugger (also the `pipewright` launch type).
  const stepDebugger = new StepDebugger({ log, runtime, workspaceFolder: folder, node: () => nodeExecutable().command });
  context.subscriptions.push(
    stepDebugger,
    vscode.languages.registerCodeLensProvider(
      [
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'javascript' },
      ],
      new DebugStepLenses(lastRunLenses, connection),
    ),
  );

  const reconnect = () => connectPerSettings(context, connection, storeDir);
  const deps: CommandDeps = {
    context, log, connection, pipelines: pipelinesView, runsView, runtime, workspaceFolder: folder, reconnect, nodeExecutable, notices, artifacts, codeRoots,
    debugStep: (request) => stepDebugger.debug(request),
    // Read when a command runs: the server may still be starting.
    get analysisServer() {
      return analysisServer;
    },
  };
  const host = dagPanelHost(deps);
  context.subscriptions.push(
    ...registerCommands(deps, host),
    // DAG panels come back after a window reload, showing the pipeline and run they showed.
    vscode.window.registerWebviewPanelSerializer(DAG_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved) => {
        const state = restorePanelState(saved);
        if (!state) {
          panel.dispose();
          return;
        }
        const restored = DagPanel.restore(context, host, panel, state);
        const run = runForPanel(connection.runs, state.pipeline, restored.runId, restored.awaitingRun);
        if (run) restored.showRun(run, connection.runs);
        else if (connection.api) await loadAwaitedRuns();
      },
    }),
    // The CLI (or another window) starting or stopping the daemon rewrites endpoint.json.
    watchEndpoint(storeDir, () => void reconnect().catch((error: unknown) => log.warn(`reconnect: ${(error as Error).message}`))),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('pipewright.orchestrator')) void reconnect().catch((error: unknown) => log.warn(`reconnect: ${(error as Error).message}`));
      if (event.affectsConfiguration('pipewright.heartbeat')) render();
    }),
    { dispose: () => DagPanel.all() && [...DagPanel.all()].forEach((panel) => panel.dispose()) },
  );
  void vscode.commands.executeCommand('setContext', 'pipewright.active', true);
  orchestratorView.update(connection.info);
  render();
  // Neither the language server nor the orchestrator holds up activation: both come up after it
  // (on the next turn: even loading the language client's bundle would count as activation).
  setImmediate(() => {
    void startLanguageServer(context, log, pipelinesView, lastRunLenses);
    void reconnect().catch((error: unknown) => log.warn(`could not connect to the orchestrator: ${(error as Error).message}`));
  });
}

/** The language server: the Pipelines view and the DAG need it, runs do not. */
async function startLanguageServer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, pipelinesView: PipelinesView, lastRunLenses: LastRunLenses): Promise<void> {
  try {
    // A separate bundle (see analysisServer.ts); esbuild leaves a require of a computed path alone.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separately bundled file, loaded on purpose at run time
    const module = require(context.asAbsolutePath('dist/client/languageClient.js')) as AnalysisServerModule;
    const starting = performance.now();
    const server = await module.startAnalysisServer(context, log);
    log.info(`language server up in ${Math.round(performance.now() - starting)} ms`);
    analysisServer = server;
    context.subscriptions.push(
      server.onGraphChanged((params) => {
        void pipelinesView.refresh();
        lastRunLenses.definitionsChanged();
        for (const panel of DagPanel.all()) if (panel.uri === params.uri && (params.pipelines.length === 0 || params.pipelines.includes(panel.pipeline))) void panel.reloadGraph();
      }),
    );
    lastRunLenses.definitionsChanged();
    await pipelinesView.attach(server);
    for (const panel of DagPanel.all()) void panel.reloadGraph();
  } catch (error) {
    log.error('language server did not start', error);
    pipelinesView.notStarted(error as Error);
    void vscode.window.showErrorMessage(`Pipewright: the language server did not start: ${(error as Error).message}`);
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function watchEndpoint(storeDir: string, onChange: () => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.join(storeDir, 'server')), 'endpoint.json'));
  watcher.onDidCreate(onChange);
  watcher.onDidChange(onChange);
  watcher.onDidDelete(onChange);
  return watcher;
}

export async function deactivate(): Promise<void> {
  await analysisServer?.stop();
}
