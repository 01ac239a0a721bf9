/**
 * Two runs compared, as read-only virtual Markdown documents (`pipewright-diff:` URIs): the
 * orchestrator computes the comparison (`GET /runs/:run/diff/:other`), `runDiffText.ts` writes it.
 */
import * as vscode from 'vscode';
import type { OrchestratorConnection } from './orchestratorConnection';
import { runDiffText } from './runDiffText';

export const RUN_DIFF_SCHEME = 'pipewright-diff';

/** `pipewright-diff:/<A name> ↔ <B name>.md?a=<id>&b=<id>`: the tab names both runs. */
export function runDiffUri(a: { runId: string; runName: string }, b: { runId: string; runName: string }): vscode.Uri {
  const query = new URLSearchParams({ a: a.runId, b: b.runId }).toString();
  return vscode.Uri.from({ scheme: RUN_DIFF_SCHEME, path: `/${a.runName} ↔ ${b.runName}.md`, query });
}

export class RunDiffDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly connection: OrchestratorConnection) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const a = query.get('a');
    const b = query.get('b');
    if (!a || !b) return `not a comparison of two runs: ${uri.toString()}\n`;
    const api = this.connection.api;
    if (!api) return '(no orchestrator connected: start the local orchestrator or connect to a remote one, then compare again)\n';
    return runDiffText(await api.diffRuns({ run: a, other: b }));
  }
}
