/** Failed steps in Problems (see `failureProblems.ts` for which and where), kept in step with the runs. */
import * as vscode from 'vscode';
import { failureProblems } from './failureProblems';
import type { RunsState } from './runState';
import type { CodeRoots } from './stackFrames';

export class FailureDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('pipewright-runs');
  private shown = '';

  constructor(private readonly roots: () => CodeRoots) {}

  update(state: RunsState): void {
    const problems = failureProblems(state, this.roots());
    // Run states change many times a second; Problems only when a failure comes or goes.
    const key = JSON.stringify(problems);
    if (key === this.shown) return;
    this.shown = key;
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of problems) {
      const line = Math.max(0, problem.line - 1);
      // From the frame's column to the end of its line (the editor clamps the range to the line).
      const diagnostic = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, problem.column - 1), line, 10_000), problem.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'pipewright run';
      diagnostic.code = 'step-failed';
      byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), diagnostic]);
    }
    this.collection.clear();
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
