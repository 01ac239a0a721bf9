/** The `pipewright.*` commands. Arguments come from tree items, code lenses or the DAG; without them, quick picks ask. */
import * as vscode from 'vscode';
import type { AnalysisServer } from './analysisServer';
import type { NodeExecutable } from './nodeExecutable';
import { lastJsonLine, runArguments, runCli, type RemoteTarget, type RunTargetArguments } from './cli';
import { planHost } from './planCli';
import { absentLocalDaemon, readLocalEndpoint } from './daemonFiles';
import { DagPanel, type DagPanelHost } from './dagPanel';
import type { PipelineSummary } from '../../contracts/src/lspMessages';
import type { NodeAction } from '../../contracts/src/webviewMessages';
import type { StepDebugRequest } from './debugAttach';
import type { OrchestratorConnection } from './orchestratorConnection';
import type { PipelinesView } from './pipelinesView';
import type { RunsView } from './runsView';
import { RUN_STATUSES } from '../../runtime/src/model/status';
import { formatBytes } from '../../contracts/src/byteSize';
import { RecentValues } from './recentValues';
import { runForPanel } from './runState';
import { defaultsChoice, fittingOutputs, inputTextOfOutput, parameterHint, stepInputs, type OutputCandidate } from './runPrompt';
import type { PipelineGraph } from '../../contracts/src/graph';
import type { LocatedRuntime } from './runtimeLocator';
import { readSettings } from './settings';
import type { RunNode, PipelineNode } from './treeModel';
import type { ArtifactDocuments } from './artifactDocuments';
import { invocationOfArgument, outputOfArgument, runFromArgument, stepToRun } from './commandArguments';
import { logUri } from './logDocuments';
import { runDiffUri } from './runDiffDocuments';
import { comparableRuns } from './runState';
import type { RunNotices } from './runNotices';
import type { CodeRoots } from './stackFrames';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  connection: OrchestratorConnection;
  pipelines: PipelinesView;
  runsView: RunsView;
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
  /** Debug Step: runs the step again under the inspector with a run's inputs, and attaches the debugger. */
  debugStep(request: StepDebugRequest): Promise<void>;
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

/** The command a DAG node's menu action runs on the panel's run (Run Step runs the file's step instead). */
const NODE_ACTION_COMMANDS: Record<Exclude<NodeAction, 'runFromHere'>, string> = {
  retryStep: 'pipewright.retryStep',
  debugStep: 'pipewright.debugStep',
  openLogs: 'pipewright.openStepLogs',
  openArtifacts: 'pipewright.openArtifact',
};

/** What DAG panels need from the extension (new ones from Show DAG, restored ones after a reload). */
export function dagPanelHost(deps: Pick<CommandDeps, 'log' | 'analysisServer' | 'codeRoots' | 'connection' | 'runtime' | 'workspaceFolder' | 'nodeExecutable'>): DagPanelHost {
  return {
    planHost: planHost(deps),
    loadRunDag: async (runId) => deps.connection.api?.runDag({ run: runId }),
    loadRunTimeline: async (runId) => deps.connection.api?.runTimeline({ run: runId }),
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
      if (!panel.runId) {
        const hint = action === 'runFromHere' ? ' Run the pipeline first: Run from Here reuses the outputs of the run shown.' : '';
        void vscode.window.showInformationMessage(`Pipewright: this pipeline has not run in this panel yet.${hint}`);
        return;
      }
      const runNode = { kind: 'step', runId: panel.runId, invocationId: nodeId, uri: panel.uri, pipeline: panel.pipeline };
      const command = action === 'runFromHere' ? 'pipewright.runFromHere' : NODE_ACTION_COMMANDS[action];
      void vscode.commands.executeCommand(command, runNode);
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

  /**
   * Asks which pipeline, shown at once: while the language server starts or lists the pipelines,
   * the pick says so (busy), and fills when they are known.
   */
  function pickPipeline(): Promise<PipelineSummary | undefined> {
    return new Promise((resolve) => {
      const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { pipeline: PipelineSummary }>();
      pick.title = 'Pipeline';
      pick.placeholder = 'Waiting for the language server to list the pipelines…';
      pick.busy = true;
      pick.ignoreFocusOut = true;
      let done = false;
      const finish = (pipeline: PipelineSummary | undefined) => {
        if (done) return;
        done = true;
        resolve(pipeline);
        pick.hide();
      };
      pick.onDidAccept(() => {
        const selected = pick.selectedItems[0] ?? pick.activeItems[0];
        if (selected) finish(selected.pipeline);
      });
      pick.onDidHide(() => {
        finish(undefined);
        pick.dispose();
      });
      pick.show();
      void deps.pipelines.refresh().then(() => {
        if (done) return;
        const items = deps.pipelines.pipelines.map((p) => ({ label: p.pipeline, description: vscode.workspace.asRelativePath(vscode.Uri.parse(p.uri)), pipeline: p }));
        if (items.length === 0) {
          const error = deps.pipelines.startError;
          void vscode.window.showInformationMessage(error ? `Pipewright: no pipelines to run: the language server did not start (${error.message}).` : 'Pipewright: the language server reports no pipelines in this workspace.');
          finish(undefined);
          return;
        }
        pick.items = items;
        pick.placeholder = 'The pipeline to run';
        pick.busy = false;
      });
    });
  }

  async function resolvePipeline(arg: unknown, pipelineName?: unknown): Promise<{ uri: string; pipeline: string; summary?: PipelineSummary } | undefined> {
    if (typeof arg === 'string' && typeof pipelineName === 'string') return { uri: arg, pipeline: pipelineName, summary: deps.pipelines.pipelines.find((p) => p.uri === arg && p.pipeline === pipelineName) };
    const node = arg as PipelineNode | undefined;
    if (node && (node.kind === 'pipeline' || node.kind === 'step')) return { uri: node.uri, pipeline: node.pipeline, summary: deps.pipelines.pipelines.find((p) => p.uri === node.uri && p.pipeline === node.pipeline) };
    const picked = await pickPipeline();
    return picked && { uri: picked.uri, pipeline: picked.pipeline, summary: picked };
  }

  /** A choice a prompt offers beside typed and recent values: a past run's output, "Run with all defaults". */
  type OfferedChoice<T> = vscode.QuickPickItem & { choice: T };

  /**
   * Asks one value, offering `offered` choices first (outputs of past runs, "Run with all
   * defaults"), then recent values; Escape cancels the whole prompt. Resolves to the typed or
   * recent text, or to the offered choice picked.
   */
  function askValue<T = never>(pipeline: string, name: string, hint: string, offered: OfferedChoice<T>[] = []): Promise<{ text: string } | { choice: T } | undefined> {
    return new Promise((resolve) => {
      const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { choice?: T }>();
      const recents = recent.get(pipeline, name).map((value) => ({ label: value, description: 'recent' }));
      const fixed = [...offered, ...recents];
      pick.title = `${pipeline}: ${name}`;
      pick.placeholder = hint;
      pick.items = fixed;
      pick.ignoreFocusOut = true;
      pick.onDidChangeValue((value) => (pick.items = value ? [{ label: value, description: 'new value' }, ...fixed.filter((r) => r.label !== value)] : fixed));
      let done = false;
      pick.onDidAccept(() => {
        done = true;
        const selected = pick.selectedItems[0];
        resolve(selected && 'choice' in selected && selected.choice !== undefined ? { choice: selected.choice } : { text: selected?.label ?? pick.value });
        pick.hide();
      });
      pick.onDidHide(() => {
        if (!done) resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }

  /** The graphs of the pipelines of `uri` (else of the workspace) that call step `step`. */
  async function graphsCalling(uri: string, step: string): Promise<PipelineGraph[]> {
    const server = await deps.pipelines.whenServer();
    if (!server) return [];
    if (deps.pipelines.pipelines.length === 0) await deps.pipelines.refresh();
    const summaries = deps.pipelines.pipelines.filter((p) => p.steps.some((s) => s.step === step));
    const ordered = [...summaries.filter((p) => p.uri === uri), ...summaries.filter((p) => p.uri !== uri)];
    const graphs = await Promise.all(ordered.map((p) => server.pipelineGraph(p.uri, p.pipeline)));
    return graphs.filter((graph): graph is PipelineGraph => graph !== null);
  }

  /** An input's text from the output of a past run the user picked. */
  async function inputFromOutput(candidate: OutputCandidate): Promise<string> {
    const what = `output ${candidate.output} of ${candidate.invocationId} in ${candidate.runName}`;
    const { bytes, materializer } = await api().artifact({ run: candidate.runId, step: candidate.invocationId, output: candidate.output });
    return inputTextOfOutput(bytes, materializer, what);
  }

  async function submit(target: { uri: string } & RunTargetArguments, parameters: Record<string, string>, label: string): Promise<void> {
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
      const declared = target.summary?.parameters ?? [];
      for (const [index, parameter] of declared.entries()) {
        const defaults = defaultsChoice(declared, index);
        const offered: OfferedChoice<'defaults'>[] = defaults ? [{ label: `$(check-all) ${defaults.label}`, detail: defaults.detail, choice: 'defaults' }] : [];
        const answer = await askValue(target.pipeline, parameter.name, parameterHint(parameter), offered);
        if (answer === undefined) return;
        if ('choice' in answer) break;
        if (answer.text === '' && parameter.default !== undefined) continue;
        parameters[parameter.name] = answer.text;
        await recent.remember(target.pipeline, parameter.name, answer.text);
      }
      await submit({ uri: target.uri, pipeline: target.pipeline }, parameters, `run ${target.pipeline}`);
    },
    'pipewright.runStep': async (arg, stepArg) => {
      const node = arg as PipelineNode | undefined;
      const uri = typeof arg === 'string' ? arg : node?.kind === 'step' ? node.uri : (await pickPipeline())?.uri;
      const step = stepToRun(arg, stepArg) ?? (await vscode.window.showInputBox({ title: 'Step to run', ignoreFocusOut: true }));
      if (!uri || !step) return;
      const inputs = stepInputs(await graphsCalling(uri, step), step);
      const parameters: Record<string, string> = {};
      if (inputs === undefined) {
        // No pipeline calls the step: its inputs are not known here, so they are typed as k=v.
        const answer = await askValue(`step:${step}`, 'inputs', 'inputs as k=v, separated by spaces (no pipeline calls this step, so its inputs are not known)');
        if (answer === undefined || 'choice' in answer) return;
        if (answer.text) await recent.remember(`step:${step}`, 'inputs', answer.text);
        for (const pair of answer.text.split(/\s+/).filter(Boolean)) parameters[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
      }
      for (const input of inputs ?? []) {
        // Each declared input by name and type, offering the outputs of past runs the pipelines wire into it.
        const offered = fittingOutputs(connection.runs, input).map((candidate): OfferedChoice<OutputCandidate> => ({
          label: `$(database) ${candidate.invocationId}.${candidate.output} of ${candidate.runName}`,
          description: `${candidate.type} · ${formatBytes(candidate.size)}`,
          choice: candidate,
        }));
        const hint = [input.type, offered.length > 0 ? 'type a value, or pick an output of a past run' : 'type a value'].filter(Boolean).join(' · ');
        const answer = await askValue(`step:${step}`, input.name, hint, offered);
        if (answer === undefined) return;
        if ('choice' in answer) {
          parameters[input.name] = await inputFromOutput(answer.choice);
          continue;
        }
        parameters[input.name] = answer.text;
        await recent.remember(`step:${step}`, input.name, answer.text);
      }
      await submit({ uri, step }, parameters, `run step ${step}`);
    },
    'pipewright.runFromHere': async (arg) => {
      // A step of a run (the DAG's node of the run it shows, a Runs view step): it and its downstream run, the rest keep that run's outputs.
      const from = runFromArgument(arg);
      if (!from) {
        void vscode.window.showInformationMessage('Pipewright: Run from Here starts from a step of a run: use it on a DAG node or on a step in the Runs view.');
        return;
      }
      const pipeline = from.pipeline ?? connection.runs.runs[from.runId]?.pipeline ?? (await api().getRun({ run: from.runId })).pipeline;
      if (!from.uri) await deps.pipelines.refresh();
      const uri = from.uri ?? deps.pipelines.pipelines.find((p) => p.pipeline === pipeline)?.uri;
      if (!uri) throw new Error(`no file of pipeline ${pipeline} in this workspace`);
      await submit({ uri, pipeline, from: { invocationId: from.invocationId, runId: from.runId } }, {}, `run ${pipeline} from ${from.invocationId}`);
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
    'pipewright.showRun': async (arg) => {
      // A run of the Runs view, shown in its pipeline's DAG (which then follows that run).
      const runId = await pickRun(arg, () => true);
      const run = runId === undefined ? undefined : connection.runs.runs[runId];
      if (!run) return;
      await deps.pipelines.refresh();
      const summary = deps.pipelines.pipelines.find((p) => p.pipeline === run.pipeline);
      if (!summary) {
        void vscode.window.showInformationMessage(`Pipewright: no pipeline "${run.pipeline}" in this workspace to show ${run.runName} in; its steps are listed under it in the Runs view.`);
        return;
      }
      const panel = DagPanel.show(context, host, summary.uri, summary.pipeline);
      panel.showRun(run, connection.runs);
    },
    'pipewright.filterRuns': async () => {
      const current = new Set(deps.runsView.currentFilter.statuses ?? []);
      const items = RUN_STATUSES.map((status) => ({ label: status, picked: current.has(status) }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Show runs that are… (none picked: all)', canPickMany: true, ignoreFocusOut: true });
      if (picked) await deps.runsView.setFilter({ ...deps.runsView.currentFilter, statuses: picked.map((item) => item.label) });
    },
    'pipewright.clearRuns': async () => {
      // Finished runs leave the view (the store keeps them: `pipewright runs list`); Show All Runs brings them back.
      await deps.runsView.setFilter({ ...deps.runsView.currentFilter, clearedBefore: Date.now() });
    },
    'pipewright.showAllRuns': async () => {
      await deps.runsView.setFilter({});
    },
    'pipewright.debugStep': async (arg) => {
      if (!requireTrust('debugging a step')) return;
      const runId = await pickRun(arg, () => true);
      const invocationId = runId && (await pickInvocation(arg, runId));
      if (runId && invocationId) await deps.debugStep({ run: runId, step: invocationId });
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
    'pipewright.compareRuns': async (arg) => {
      const runId = await pickRun(arg, () => true);
      const run = runId === undefined ? undefined : connection.runs.runs[runId];
      if (!run) return;
      // The other run is one of the same pipeline (the CLI's `runs diff` compares any two, with a warning).
      const others = comparableRuns(connection.runs, run);
      if (others.length === 0) {
        void vscode.window.showInformationMessage(`Pipewright: no other run of ${run.pipeline} to compare ${run.runName} with.`);
        return;
      }
      const picked = await vscode.window.showQuickPick(
        others.map((other) => ({ label: other.runName, description: other.status, runId: other.runId })),
        { title: `Compare ${run.runName} with…`, ignoreFocusOut: true },
      );
      const other = picked && connection.runs.runs[picked.runId];
      if (!other) return;
      // A is the older run, B the newer: what changed reads forwards in time.
      const [a, b] = (other.startedAt ?? 0) <= (run.startedAt ?? 0) ? [other, run] : [run, other];
      const uri = runDiffUri(a, b);
      log.info(`comparing ${a.runName} with ${b.runName}: ${uri.toString()}`);
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
  if (!endpoint) {
    // Stopped (`server stop` removes the endpoint): the old connection's stream stops retrying.
    if (connection.api) connection.disconnect();
    return connection.setInfo({ mode: 'local', ...absentLocalDaemon(storeDir) });
  }
  try {
    await connection.connect('local', endpoint.url, endpoint.token);
  } catch (error) {
    connection.setInfo({ mode: 'local', state: 'inactive', detail: `daemon not answering: ${(error as Error).message}` });
  }
}
