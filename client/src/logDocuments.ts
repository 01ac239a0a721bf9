/**
 * Step logs as read-only virtual documents (`pipewright-log:` URIs, never Untitled documents):
 * the text comes from the orchestrator's API (`stepLogText.ts`), and an open document follows the
 * event stream while its step runs (its output, attempts and end change it).
 */
import * as vscode from 'vscode';
import type { EngineEvent } from '../../runtime/src/model/events';
import type { OrchestratorConnection } from './orchestratorConnection';
import { stepLogText } from './stepLogText';

export const LOG_SCHEME = 'pipewright-log';

/** `pipewright-log:/<run name>/<invocation>.log?run=<id>&step=<invocation>`: the tab reads `publish.log`. */
export function logUri(runId: string, runName: string, invocationId: string): vscode.Uri {
  const query = new URLSearchParams({ run: runId, step: invocationId }).toString();
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${runName}/${invocationId}.log`, query });
}

function target(uri: vscode.Uri): { runId: string; invocationId: string } | undefined {
  const query = new URLSearchParams(uri.query);
  const runId = query.get('run');
  const invocationId = query.get('step');
  return runId && invocationId ? { runId, invocationId } : undefined;
}

/** Changes of an open document are gathered for this long, so a chatty step does not refetch per line. */
const REFRESH_MS = 250;

export class LogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly stopFollowing: () => void;

  constructor(private readonly connection: OrchestratorConnection) {
    this.stopFollowing = connection.onEvent((event) => this.follow(event));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const shown = target(uri);
    if (!shown) return `not a step log: ${uri.toString()}\n`;
    const api = this.connection.api;
    if (!api) return '(no orchestrator connected: start the local orchestrator or connect to a remote one, then reopen the logs)\n';
    const [lines, detail] = await Promise.all([api.logs({ run: shown.runId, step: shown.invocationId }), api.getRun({ run: shown.runId })]);
    return stepLogText(shown.invocationId, lines, detail.attempts[shown.invocationId] ?? []);
  }

  /** An event of a step whose log is open: the document changes (soon). */
  private follow(event: EngineEvent): void {
    if (!('invocationId' in event) || event.invocationId === undefined || (event.type !== 'log' && event.type !== 'step' && event.type !== 'attempt')) return;
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme !== LOG_SCHEME) continue;
      const shown = target(document.uri);
      if (shown?.runId !== event.runId || shown.invocationId !== event.invocationId) continue;
      const key = document.uri.toString();
      if (this.pending.has(key)) continue;
      this.pending.set(
        key,
        setTimeout(() => {
          this.pending.delete(key);
          this.changed.fire(document.uri);
        }, REFRESH_MS),
      );
    }
  }

  dispose(): void {
    this.stopFollowing();
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.changed.dispose();
  }
}
