/**
 * "Debug Step" above each step definition that has run (beside its last-run lens): debugs the
 * newest run's invocation of the step, its failed one first, with that run's inputs
 * (`debugTargetOfStep`). Definitions and refreshes come from the last-run lenses.
 */
import * as vscode from 'vscode';
import { debugTargetOfStep } from './debugAttach';
import type { LastRunLenses } from './lastRunLenses';
import type { OrchestratorConnection } from './orchestratorConnection';
import type { RunNode } from './treeModel';

export class DebugStepLenses implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly lastRun: LastRunLenses,
    private readonly connection: OrchestratorConnection,
  ) {
    this.onDidChangeCodeLenses = lastRun.onDidChangeCodeLenses;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.connection.api || this.connection.runs.order.length === 0) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const definition of await this.lastRun.definitionsIn(document)) {
      if (definition.kind !== 'step') continue;
      const target = debugTargetOfStep(this.connection.runs, definition.name);
      if (!target) continue;
      const at = new vscode.Position(definition.range.start.line, definition.range.start.character);
      lenses.push(
        new vscode.CodeLens(new vscode.Range(at, at), {
          title: '$(debug-alt) Debug Step',
          tooltip: `Debug ${target.invocationId} with the inputs of run ${target.runName} (${target.status}): breakpoints in this file are hit`,
          command: 'pipewright.debugStep',
          arguments: [{ kind: 'step', runId: target.runId, invocationId: target.invocationId } as RunNode],
        }),
      );
    }
    return lenses;
  }
}
