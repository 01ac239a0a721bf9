/** The `pipewright.*` commands. Arguments come from tree items, code lenses or the DAG; without them, quick picks ask. */
import * as vscode from 'vscode';
import type { AnalysisServer } from './analysisServer';
import type { NodeExecutable } from './nodeExecutable';
import { lastJsonLine, runArguments, runCli, type RemoteTarget } from './cli';
import { absentLocalDaemon, readLocalEndpoint } from './daemonFiles';
import { DagPanel, type DagPanelHost } from './dagPanel';
import type { PipelineSummary } from '../../contracts/src/lspMessages';
import type { OrchestratorConnection } from './orchestratorConnection';
import type { PipelinesView } from './pipelinesView';
import { formatBytes } from '../../contracts/src/byteSize';
import { RecentValues } from './recentValues';
import { runForPanel } from './runState';
import type { LocatedRuntime } from './runtimeLocator';
import { readSettings } from './settings';
import type { RunNode, PipelineNode } from './treeModel';
import type { ArtifactDocuments } from './artifactDocuments';
import { invocationOfArgument, outputOfArgument, stepToRun } from './commandArguments';
import { logUri } from './logDocuments';
import type { RunNotices } from './runNotices';
import type { CodeRoots } from './stackFrames';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connection: OrchestratorConnection;
  pipelines: PipelinesView;
  /** The Node that runs the workspace's CLI, per the current settings. */
  nodeExecutable: () => NodeExecutable;
  /** Undefined until the language server has started (after activation). */
  readonly analysisServer: AnalysisServer | undefined;
  runtime: LocatedRuntime | undefined;
  workspaceFolder: string;
  /** Connects to the local daemon if it is active (or the remote one per settings). */
  reconnect(): Promise<void>;
  /** Started, failed and completed runs' notifications. */
  notices: RunNotices;
  artifacts: ArtifactDocuments;
  /** Where the user's code is (stack frames in it are links; the first one is the Problems line). */
  codeRoots(): CodeRoots;
}

const TOKEN_SECRET = 'pipewright.remoteToken';

/** The remote orchestrator per settings (URL) and SecretStorage (token); undefined when either is missing. */
async function remoteTarget(context: vscode.ExtensionContext): Promise<RemoteTarget | undefined> {
  const { url, caFile } = readSettings();
  const token = await context.secrets.get(TOKEN_SECRET);
  return url && token ? { url, token, ...(caFile ? { caFile } : {}) } : undefined;
}

/** Running code needs a trusted workspace: analysis works in restricted mode, running does not. */
function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`Pipewright: ${action} is disabled in Restricted Mode because it executes the workspace's code. Trust this workspace to run pipelines.`, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

/** What DAG panels need from the extension (new ones from Show DAG, restored ones after a reload). */
export function dagPanelHost(deps: Pick<CommandDeps, 'log' | 'analysisServer' | 'codeRoots' | 'connection'>): DagPanelHost {
  return {
    loadRunDag: async (runId) => deps.connection.api?.runDag({ run: runId }),
    log: deps.log,
    codeRoots: () => deps.codeRoots(),
    openOutput: (panel, nodeId, output) => {
      if (panel.runId) void vscode.commands.executeCommand('pipewright.openArtifact', { kind: 'output', runId: panel.runId, invocationId: nodeId, output });
    },
    retryRun: (panel) => {
      if (panel.runId) void vscode.commands.executeCommand('pipewright.retryRun', panel.runId);
    },
    heartbeat: () => readSettings().heartbeat,
    loadGraph: async (uri, pipeline) => (deps.analysisServer ? deps.analysisServer.pipelineGraph(uri, pipeline) : null),
    onNodeAction: (panel, nodeId, action) => {
      const runNode = panel.runId ? ({ kind: 'step', runId: panel.runId, invocationId: nodeId } as RunNode) : undefined;
      if (action === 'runFromHere') void vscode.commands.executeCommand('pipewright.runStep', panel.uri, panel.stepOf(nodeId));
      else if (!runNode) void vscode.window.showInformationMessage('Pipewright: this pipeline has not run in this panel yet.');
      else void vscode.commands.executeCommand(action === 'retryStep' ? 'pipewright.retryStep' : action === 'openLogs' ? 'pipewright.openStepLogs' : 'pipewright.openArtifact', runNode);
    },
  };
}

export function registerCommands(deps: CommandDeps, host: DagPanelHost): vscode.Disposable[] {
  const { context, log, connection } = deps;
  const recent = new RecentValues(context.workspaceState);

  const fail = (what: string) => (error: unknown) => {
    log.error(`${what}: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`Pipewright: ${what}: ${(error as Error).message}`, 'Show Log').then((choice) => choice && log.show());
  };

  const api = () => {
    if (!connection.api) throw new Error('no orchestrator connected (start the local orchestrator or connect to a remote one)');
    return connection.api;
  };

  async function pickPipeline(): Promise<PipelineSummary | undefined> {
    await deps.pipelines.refresh();
    const items = deps.pipelines.pipelines.map((p) => ({ label: p.pipeline, description: vscode.workspace.asRelativePath(vscode.Uri.parse(p.uri)), pipeline: p }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('Pipewright: the language server reports no pipelines in this workspace.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { title: 'Pipeline' }))?.pipeline;
  }

  async function resolvePipeline(arg: unknown, pipelineName?: unknown): Promise<{ uri: string; pipeline: string; summary?: PipelineSummary } | undefined> {
    if (typeof arg === 'string' && typeof pipelineName === 'string') return { uri: arg, pipeline: pipelineName, summary: deps.pipelines.pipelines.find((p) => p.uri === arg && p.pipeline === pipelineName) };
    const node = arg as PipelineNode | undefined;
    if (node && (node.kind === 'pipeline' || node.kind === 'step')) return { uri: node.uri, pipeline: node.pipeline, summary: deps.pipelines.pipelines.find((p) => p.uri === node.uri && p.pipeline === node.pipeline) };
    const picked = await pickPipeline();
    return picked && { uri: picked.uri, pipeline: picked.pipeline, summary: picked };
  }

  /** Asks one value, offering recent ones first; Escape cancels the whole prompt. */
  function askValue(pipeline: string, name: string, hint: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const pick = vscode.window.createQuickPick();
      const recents = recent.get(pipeline, name).map((value) => ({ label: value, description: 'recent' }));
      pick.title = `${pipeline}: ${name}`;
      pick.placeholder = hint;
      pick.items = recents;
      pick.onDidChangeValue((value) => (pick.items = value ? [{ label: value, description: 'new value' }, ...recents.filter((r) => r.label !== value)] : recents));
      let done = false;
      pick.onDidAccept(() => {
        done = true;
        resolve(pick.selectedItems[0]?.label ?? pick.value);
        pick.hide();
      });
      pick.onDidHide(() => {
        if (!done) resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }

  async function submit(target: { uri: string; pipeline?: string; step?: string }, parameters: Record<string, string>, label: string): Promise<void> {
    if (!requireTrust(label)) return;
    const runtime = deps.runtime;
    if (!runtime) throw new Error('no pipewright runtime found: install it in the workspace (npm install pipewright)');
    const settings = readSettings();
    // Remote: bundled here by the workspace's CLI, submitted to the remote orchestrator's API.
    const remote = settings.mode === 'remote' ? await remoteTarget(context) : undefined;
    if (settings.mode === 'remote' && !remote) throw new Error('no remote orchestrator URL or token: run "Pipewright: Connect to Remote Orchestrator" (or set pipewright.orchestrator.mode to local)');
    const file = vscode.Uri.parse(target.uri).fsPath;
    const args = runArguments(file, target, parameters, remote);
    if (settings.enforceTypeAnnotations) args.push('--enforce-type-annotations');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pipewright: ${label}…` }, async () => {
      log.info(`node ${runtime.cli} ${args.join(' ')}${remote ? ' (token in $PIPEWRIGHT_ORCHESTRATOR_TOKEN)' : ''}`);
      const result = await runCli(runtime.cli, args, deps.workspaceFolder, { remote, node: deps.nodeExecutable().command });
      if (result.stderr.trim()) log.info(result.stderr.trim());
      const summary = lastJsonLine<{ runId: string; runName: string }>(result.stdout);
      if (result.code !== 0 || !summary) throw new Error(result.stderr.trim().split('\n').at(-1) ?? `pipewright run exited ${result.code}`);
      if (!connection.api) await deps.reconnect();
      // Panels follow the new run first: a quick run may already be over when it is refreshed.
      for (const panel of DagPanel.all()) if (target.pipeline === undefined || panel.pipeline === target.pipeline) panel.runId = summary.runId;
      await connection.refreshRun(summary.runId);
      // Said after the progress notification closes, and only while the run still runs.
      deps.notices.started(summary.runId);
    });
  }

  /** The retry is a new run: panels that showed the retried one follow it. */
  async function followRetry(retriedRunId: string, newRunId: string): Promise<void> {
    for (const panel of DagPanel.all()) if (panel.runId === retriedRunId) panel.runId = newRunId;
    await connection.refreshRun(newRunId);
    deps.notices.started(newRunId);
  }

  // The picks of a multi-step command stay open when focus moves (a live DAG or view updating beside them).
  async function pickRun(arg: unknown, filter: (status: string) => boolean): Promise<string | undefined> {
    const node = arg as RunNode | undefined;
    if (node?.runId) return node.runId;
    if (typeof arg === 'string') return arg;
    const runs = connection.runs.order.map((id) => connection.runs.runs[id]).filter((run) => run && filter(run.status));
    const picked = await vscode.window.showQuickPick(runs.map((run) => ({ label: run.runName, description: `${run.pipeline} · ${run.status}`, runId: run.runId })), { title: 'Run', ignoreFocusOut: true });
    return picked?.runId;
  }

  /** The invocation a command is about: the step node it was given, else one picked from the run. */
  async function pickInvocation(arg: unknown, runId: string): Promise<string | undefined> {
    const given = invocationOfArgument(arg);
    if (given !== undefined) return given;
    const run = connection.runs.runs[runId];
    const picked = await vscode.window.showQuickPick(Object.values(run?.steps ?? {}).map((s) => ({ label: s.id, description: s.status })), { title: 'Step', ignoreFocusOut: true });
    return picked?.label;
  }

  const commands: Record<string, (...args: unknown[]) => Promise<void>> = {
    'pipewright.runPipeline': async (arg, name) => {
      const target = await resolvePipeline(arg, name);
      if (!target) return;
      const parameters: Record<string, string> = {};
      for (const parameter of target.summary?.parameters ?? []) {
        const value = await askValue(target.pipeline, parameter.name, [parameter.type, parameter.default === undefined ? 'required' : `default ${parameter.default} (leave empty)`].filter(Boolean).join(' · '));
        if (value === undefined) return;
        if (value === '' && parameter.default !== undefined) continue;
        parameters[parameter.name] = value;
        await recent.remember(target.pipeline, parameter.name, value);
      }
      await submit({ uri: target.uri, pipeline: target.pipeline }, parameters, `run ${target.pipeline}`);
    },
    'pipewright.runStep': async (arg, stepArg) => {
      const node = arg as PipelineNode | undefined;
      const uri = typeof arg === 'string' ? arg : node?.kind === 'step' ? node.uri : (await pickPipeline())?.uri;
      const step = stepToRun(arg, stepArg) ?? (await vscode.window.showInputBox({ title: 'Step to run' }));
      if (!uri || !step) return;
      const text = await askValue(`step:${step}`, 'inputs', 'inputs as k=v, separated by spaces');
      if (text === undefined) return;
      if (text) await recent.remember(`step:${step}`, 'inputs', text);
      const parameters = Object.fromEntries(text.split(/\s+/).filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
      await submit({ uri, step }, parameters, `run step ${step}`);
    },
    'pipewright.retryRun': async (arg) => {
      if (!requireTrust('retrying a run')) return;
      const runId = await pickRun(arg, (s) => s !== 'running' && s !== 'completed');
      if (runId) await followRetry(runId, (await api().retryRun({ run: runId })).runId);
    },
    'pipewright.retryStep': async (arg) => {
      if (!requireTrust('retrying a step')) return;
      const runId = await pickRun(arg, (s) => s !== 'running');
      const invocationId = runId && (await pickInvocation(arg, runId));
      if (runId && invocationId) await followRetry(runId, (await api().retryRun({ run: runId, step: invocationId })).runId);
    },
    'pipewright.cancelRun': async (arg) => {
      const runId = await pickRun(arg, (s) => s === 'running');
      if (runId) await api().cancelRun({ run: runId });
    },
    'pipewright.showDag': async (arg, name) => {
      const target = await resolvePipeline(arg, name);
      if (!target) return;
      const panel = DagPanel.show(context, host, target.uri, target.pipeline);
      const run = runForPanel(connection.runs, target.pipeline, panel.runId, panel.awaitingRun);
      if (run) panel.showRun(run, connection.runs);
    },
    'pipewright.openStepLogs': async (arg) => {
      const runId = await pickRun(arg, () => true);
      const invocationId = runId && (await pickInvocation(arg, runId));
      if (!runId || !invocationId) return;
      // A read-only virtual document (logDocuments.ts), live while the step runs.
      const uri = logUri(runId, connection.runs.runs[runId]?.runName ?? runId, invocationId);
      log.info(`logs of ${invocationId}: ${uri.toString()}`);
      await vscode.window.showTextDocument(uri, { preview: true });
    },
    'pipewright.openArtifact': async (arg) => {
      const runId = await pickRun(arg, () => true);
      const invocationId = runId && (await pickInvocation(arg, runId));
      if (!runId || !invocationId) return;
      const detail = await api().getRun({ run: runId });
      const outputs = detail.outputs?.[invocationId] ?? [];
      let output = outputOfArgument(arg);
      if (output === undefined) {
        if (outputs.length === 0) {
          void vscode.window.showInformationMessage(`Pipewright: step ${invocationId} of ${detail.runName} has no committed outputs.`);
          return;
        }
        // Never typed: one output opens at once, several are picked from what the step made.
        output = outputs.length === 1 ? outputs[0].name : (await vscode.window.showQuickPick(outputs.map((o) => ({ label: o.name, description: `${o.type} · ${formatBytes(o.size)}` })), { title: `Output of ${invocationId}`, ignoreFocusOut: true }))?.label;
        if (output === undefined) return;
      }
      const opened = await deps.artifacts.open({ runId, runName: detail.runName, invocationId, output });
      if (opened) log.info(`output ${output} of ${invocationId}: ${opened.toString()}`);
    },
    'pipewright.startOrchestrator': async () => {
      if (!requireTrust('starting the orchestrator')) return;
      const runtime = deps.runtime;
      if (!runtime) throw new Error('no pipewright runtime found');
      connection.setInfo({ mode: 'local', state: 'pendingStartup', detail: 'starting' });
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pipewright: starting the local orchestrator…' }, async () => {
        const result = await runCli(runtime.cli, ['server', 'start'], deps.workspaceFolder, { node: deps.nodeExecutable().command });
        if (result.code !== 0) throw new Error(result.stderr.trim() || `server start exited ${result.code}`);
        await deps.reconnect();
      });
    },
    'pipewright.stopOrchestrator': async () => {
      const runtime = deps.runtime;
      if (!runtime) throw new Error('no pipewright runtime found');
      connection.setInfo({ mode: 'local', state: 'pendingShutdown', detail: 'stopping' });
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Pipewright: stopping the local orchestrator…' }, async () => {
        const result = await runCli(runtime.cli, ['server', 'stop'], deps.workspaceFolder, { node: deps.nodeExecutable().command });
        connection.disconnect(result.code === 0 ? 'stopped' : result.stderr.trim());
      });
    },
    'pipewright.connectRemote': async () => {
      const url = await vscode.window.showInputBox({ title: 'Orchestrator URL', value: readSettings().url || 'http://127.0.0.1:7420', validateInput: (v) => (/^https?:\/\/.+/.test(v) ? undefined : 'an http(s) URL') });
      if (!url) return;
      const token = await vscode.window.showInputBox({ title: 'Orchestrator token', password: true, ignoreFocusOut: true });
      if (!token) return;
      await context.secrets.store(TOKEN_SECRET, token);
      const config = vscode.workspace.getConfiguration('pipewright');
      await config.update('orchestrator.url', url, vscode.ConfigurationTarget.Workspace);
      await config.update('orchestrator.mode', 'remote', vscode.ConfigurationTarget.Workspace);
      await connection.connect('remote', url, token, readSettings().caFile || undefined);
    },
    'pipewright.disconnect': async () => {
      await context.secrets.delete(TOKEN_SECRET);
      if (readSettings().mode === 'remote') await vscode.workspace.getConfiguration('pipewright').update('orchestrator.mode', 'local', vscode.ConfigurationTarget.Workspace);
      connection.disconnect('disconnected');
    },
    'pipewright.refreshPipelines': () => deps.pipelines.refresh(),
  };

  return Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, (...args: unknown[]) => run(...args).catch(fail(id.replace('pipewright.', '')))));
}

/** Connects per settings: the remote orchestrator (token from SecretStorage) or the local daemon if it is active. */
export async function connectPerSettings(context: vscode.ExtensionContext, connection: OrchestratorConnection, storeDir: string): Promise<void> {
  if (readSettings().mode === 'remote') {
    const remote = await remoteTarget(context);
    if (!remote) return connection.setInfo({ mode: 'remote', state: 'disconnected', detail: 'run "Connect to Remote Orchestrator"' });
    return connection.connect('remote', remote.url, remote.token, remote.caFile);
  }
  const endpoint = readLocalEndpoint(storeDir);
  if (!endpoint) return connection.setInfo({ mode: 'local', ...absentLocalDaemon(storeDir) });
  try {
    await connection.connect('local', endpoint.url, endpoint.token);
  } catch (error) {
    connection.setInfo({ mode: 'local', state: 'inactive', detail: `daemon not answering: ${(error as Error).message}` });
  }
}
