/** The status bar item: orchestrator state, running count, heartbeat warning. */
import * as vscode from 'vscode';
import type { HeartbeatSettingsMs } from './format';
import { lateSteps } from './heartbeatWatch';
import type { ConnectionInfo } from './orchestratorConnection';
import type { RunsState } from './runState';
import { runningCount } from './runState';
import { statusBarView } from './statusText';

export class PipewrightStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pipewright.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Pipewright';
    this.item.command = 'workbench.view.extension.pipewright';
    this.item.show();
  }

  update(info: ConnectionInfo, runs: RunsState, heartbeat: HeartbeatSettingsMs, now = Date.now()): void {
    const view = statusBarView(info.mode, info.state, runningCount(runs), lateSteps(runs, now, heartbeat));
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.severity === 'normal' ? undefined : new vscode.ThemeColor(view.severity === 'warning' ? 'statusBarItem.warningBackground' : 'statusBarItem.errorBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
