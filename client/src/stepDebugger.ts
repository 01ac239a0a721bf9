/**
 * Debug Step: runs `pipewright debug RUN STEP --json` through the workspace's CLI (a runner with
 * the inspector on, the run's inputs loaded) and attaches VS Code's JavaScript debugger to the
 * inspector it prints; the step's outputs (or failure) are shown when it returns. Also the
 * `pipewright` debug configuration type (launch.json), resolved to the same attach. Ending the
 * debugging session ends the CLI and its runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readDebugLine, type DebugInspectorLine } from '../../runtime/src/model/debugLines';
import { cliEnvironment } from './cli';
import { attachConfiguration, debugArguments, debugResultText, stepDebugRequestOf, type StepDebugRequest } from './debugAttach';
import type { LocatedRuntime } from './runtimeLocator';

export interface StepDebuggerDeps {
  log: vscode.LogOutputChannel;
  runtime: LocatedRuntime | undefined;
  workspaceFolder: string;
  /** The Node that runs the CLI. */
  node(): string;
}

interface Session {
  child: ChildProcess;
  request: StepDebugRequest;
  startedAt: number;
  inspector?: DebugInspectorLine;
}

export class StepDebugger implements vscode.DebugConfigurationProvider, vscode.Disposable {
  private readonly sessions = new Map<string, Session>();
  private readonly output: vscode.OutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private nextId = 1;

  constructor(private readonly deps: StepDebuggerDeps) {
    this.output = vscode.window.createOutputChannel('Pipewright Debug');
    this.disposables.push(
      this.output,
      vscode.debug.registerDebugConfigurationProvider('pipewright', this),
      vscode.debug.onDidTerminateDebugSession((debugSession) => this.ended(debugSession)),
      // When the debugger first pauses (a breakpoint, mostly): how long Debug Step took to get there.
      vscode.debug.registerDebugAdapterTrackerFactory('pwa-node', {
        createDebugAdapterTracker: (debugSession) => {
          const id = this.sessionIdOf(debugSession);
          const session = id === undefined ? undefined : this.sessions.get(id);
          if (!session) return undefined;
          let said = false;
          return {
            onDidSendMessage: (message: { type?: string; event?: string; body?: { reason?: string } }) => {
              if (said || message.type !== 'event' || message.event !== 'stopped') return;
              said = true;
              this.deps.log.info(`debug step ${session.request.step} of ${session.request.run}: paused (${message.body?.reason ?? 'stopped'}) ${Math.round(performance.now() - session.startedAt)} ms after Debug Step`);
            },
          };
        },
      }),
    );
  }

  /** Debug Step from a lens, the DAG, the Runs view or a notification: starts the session and attaches. */
  async debug(request: StepDebugRequest): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const attach = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Pipewright: debugging step ${request.step}…` }, () => this.start(request));
    if (!(await vscode.debug.startDebugging(folder, attach as vscode.DebugConfiguration))) {
      this.stop(attach.__pipewrightDebugSession as string);
      throw new Error('VS Code did not start the JavaScript debugger');
    }
  }

  /** A `pipewright` launch configuration (`run`, `step`, optional `inputs`) becomes the attach to its session's inspector. */
  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (config.type !== 'pipewright') return config;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Pipewright: debugging a step is disabled in Restricted Mode because it executes the workspace\'s code.');
      return undefined;
    }
    const request = stepDebugRequestOf(config);
    if ('error' in request) {
      void vscode.window.showErrorMessage(`Pipewright: ${request.error}`);
      return undefined;
    }
    try {
      return (await this.start(request)) as vscode.DebugConfiguration;
    } catch (error) {
      void vscode.window.showErrorMessage(`Pipewright: debug step: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Starts the CLI and resolves with the attach configuration once its inspector listens. */
  private start(request: StepDebugRequest): Promise<Record<string, unknown>> {
    const runtime = this.deps.runtime;
    if (!runtime) return Promise.reject(new Error('no pipewright runtime found: install it in the workspace (npm install pipewright)'));
    const id = `debug-${process.pid}-${this.nextId++}`;
    const args = debugArguments(request);
    this.deps.log.info(`node ${runtime.cli} ${args.join(' ')}`);
    const child = spawn(this.deps.node(), [runtime.cli, ...args], { cwd: this.deps.workspaceFolder, env: cliEnvironment(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const session: Session = { child, request, startedAt: performance.now() };
    this.sessions.set(id, session);
    this.output.appendLine(`── debugging step ${request.step} of run ${request.run}`);
    return new Promise((resolve, reject) => {
      let stdout = '';
      let lastError = '';
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        this.output.append(text);
        lastError = text.trim().split('\n').at(-1) ?? lastError;
      });
      child.stdout?.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        const lines = stdout.split('\n');
        stdout = lines.pop() ?? '';
        for (const raw of lines) {
          const line = readDebugLine(raw);
          if (line?.type === 'inspector') {
            session.inspector = line;
            this.output.appendLine(`inspector ${line.url} · code: bundle ${line.bundle.hash.slice(0, 12)} of run ${line.runName}${line.source?.changedSinceRun ? ` · ${line.source.file} changed since the run` : ''}`);
            this.deps.log.info(`debug step ${request.step}: inspector listening ${Math.round(performance.now() - session.startedAt)} ms after Debug Step`);
            // Its real path: the debugger names scripts by where they are, not by the workspace's link to them.
            resolve(attachConfiguration(line, id, realPath(runtime.root)));
          } else if (line?.type === 'result') {
            const text = debugResultText(session.inspector, line);
            for (const entry of text.lines) this.output.appendLine(entry);
            const show = line.status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
            void show(text.headline, 'Show Output').then((choice) => choice && this.output.show(true));
          }
        }
      });
      child.on('error', (error) => {
        this.sessions.delete(id);
        reject(error);
      });
      child.on('close', (code) => {
        this.sessions.delete(id);
        // Before the inspector listened: the CLI's one-line error says why (an unknown step, a missing input...).
        reject(new Error(lastError.replace(/^pipewright: /, '') || `pipewright debug exited ${code}`));
      });
    });
  }

  private sessionIdOf(debugSession: vscode.DebugSession): string | undefined {
    for (let current: vscode.DebugSession | undefined = debugSession; current; current = current.parentSession) {
      const id = (current.configuration as { __pipewrightDebugSession?: unknown }).__pipewrightDebugSession;
      if (typeof id === 'string') return id;
    }
    return undefined;
  }

  private ended(debugSession: vscode.DebugSession): void {
    // Only the top session of the attach (js-debug adds one per target under it).
    if (debugSession.parentSession) return;
    const id = this.sessionIdOf(debugSession);
    if (id !== undefined) this.stop(id);
  }

  /** Ends the CLI (which ends its runner); a result it already had is still printed and shown. */
  private stop(id: string): void {
    const session = this.sessions.get(id);
    if (session && session.child.exitCode === null) session.child.kill('SIGTERM');
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.stop(id);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}
