/**
 * Debug Step, the parts without vscode: the CLI arguments of a debugging session, the attach
 * configuration of VS Code's JavaScript debugger for the inspector it prints, what a `pipewright`
 * launch configuration must name, and how the step's end is told. Pure.
 */
import { errorLines } from '../../runtime/src/model/attemptError';
import type { DebugInspectorLine, DebugResultLine } from '../../runtime/src/model/debugLines';
import { definitionRuns } from './lastRunText';
import type { RunsState } from './runState';

/** Which step of which run to debug, with inputs given by hand (input name → JSON file). */
export interface StepDebugRequest {
  run: string;
  step: string;
  inputs?: Record<string, string>;
}

/** `pipewright debug RUN STEP --json [--input NAME=FILE]...` */
export function debugArguments(request: StepDebugRequest): string[] {
  const args = ['debug', request.run, request.step, '--json'];
  for (const [name, file] of Object.entries(request.inputs ?? {})) args.push('--input', `${name}=${file}`);
  return args;
}

/** The attach configuration VS Code's JavaScript debugger (js-debug, `pwa-node`) gets for a session's inspector. */
export function attachConfiguration(inspector: DebugInspectorLine, sessionId: string, runtimeRoot?: string): Record<string, unknown> {
  return {
    type: 'pwa-node',
    request: 'attach',
    name: `Debug step ${inspector.invocationId} of ${inspector.runName}`,
    address: inspector.host,
    port: inspector.port,
    // The runner waits under --inspect-brk: js-debug binds the breakpoints, then lets it go.
    continueOnAttach: true,
    // The run's bundle lives in the store folder, wherever that is: its inline map leads to the author's files.
    outFiles: [inspector.bundle.path],
    resolveSourceMapLocations: [inspector.bundle.path, '!**/node_modules/**'],
    // Stepping stays in the author's code: Node's and the runtime's own frames are skipped.
    skipFiles: ['<node_internals>/**', ...(runtimeRoot ? [`${runtimeRoot}/dist/**`] : [])],
    __pipewrightDebugSession: sessionId,
  };
}

/** A `pipewright` launch configuration's request, or what it lacks (the message names the field). */
export function stepDebugRequestOf(config: Record<string, unknown>): StepDebugRequest | { error: string } {
  const { run, step, inputs } = config;
  if (typeof run !== 'string' || run === '') return { error: 'a "pipewright" debug configuration needs "run": a run id, id prefix or run name' };
  if (typeof step !== 'string' || step === '') return { error: 'a "pipewright" debug configuration needs "step": the invocation id of the step in that run' };
  if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Object.values(inputs).some((file) => typeof file !== 'string'))) {
    return { error: 'a "pipewright" debug configuration\'s "inputs" maps input names to JSON files' };
  }
  return { run, step, ...(inputs ? { inputs: inputs as Record<string, string> } : {}) };
}

/** The notification and output-channel lines of a session's end. */
export function debugResultText(inspector: DebugInspectorLine | undefined, result: DebugResultLine): { headline: string; lines: string[] } {
  const what = inspector ? `step ${inspector.invocationId} of ${inspector.runName}` : 'the step';
  if (result.status === 'stopped') return { headline: `Pipewright: debugging ${what} stopped before it returned`, lines: [] };
  if (result.status === 'failed') {
    const lines = errorLines(result.error);
    return { headline: `Pipewright: ${what} failed under the debugger: ${lines[0]}`, lines };
  }
  const lines = result.outputs.map((output) => `${output.name} (${output.type}): ${output.value === undefined ? '(custom materializer)' : JSON.stringify(output.value)}`);
  const shown = lines.map((line) => (line.length > 120 ? `${line.slice(0, 119)}…` : line)).join('; ');
  return { headline: `Pipewright: ${what} returned (not committed): ${shown}`, lines };
}

/** The invocation Debug Step above a step's definition debugs: in the newest run of the step, its failed invocation, else its first that ran. */
export function debugTargetOfStep(state: RunsState, step: string): { runId: string; runName: string; invocationId: string; status: string } | undefined {
  const newest = definitionRuns(state, { kind: 'step', step })[0];
  if (!newest) return undefined;
  const invocation =
    newest.invocations.find((candidate) => candidate.status === 'failed' || candidate.status === 'crashed') ??
    newest.invocations.find((candidate) => candidate.status !== 'pending' && candidate.status !== 'skipped') ??
    newest.invocations[0];
  return invocation && { runId: newest.run.runId, runName: newest.run.runName, invocationId: invocation.id, status: invocation.status };
}
