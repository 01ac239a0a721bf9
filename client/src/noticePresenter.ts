/** Shows a run's notification (runNotices.ts) and does what its buttons say. */
import * as vscode from 'vscode';
import type { PipelinesView } from './pipelinesView';
import type { RunNotice } from './runNotices';

export function presentRunNotice(notice: RunNotice, pipelines: PipelinesView): void {
  const show = notice.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  void show(notice.text, ...notice.actions).then((choice) => {
    if (choice === 'Show DAG') {
      const summary = pipelines.pipelines.find((p) => p.pipeline === notice.pipeline);
      void vscode.commands.executeCommand('pipewright.showDag', ...(summary ? [summary.uri, summary.pipeline] : []));
    } else if (choice === 'Logs') {
      void vscode.commands.executeCommand('pipewright.openStepLogs', notice.invocationId === undefined ? notice.runId : { kind: 'step', runId: notice.runId, invocationId: notice.invocationId });
    } else if (choice === 'Retry') {
      void vscode.commands.executeCommand('pipewright.retryRun', notice.runId);
    } else if (choice === 'Debug Step' && notice.invocationId !== undefined) {
      void vscode.commands.executeCommand('pipewright.debugStep', { kind: 'step', runId: notice.runId, invocationId: notice.invocationId });
    }
  });
}
