/**
 * What a command's argument names. Arguments are tree nodes of the Pipelines and Runs views
 * (`treeModel.ts`), nodes the DAG panel builds, or whatever a keybinding passes. Pure.
 */

/**
 * The invocation a step node (or an output node of the Runs view) names: its `invocationId`, or `stepId`, the field's earlier name
 * (still read, so keybindings and callers written for it keep working). Undefined for anything else.
 */
export function invocationOfArgument(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const node = arg as { kind?: unknown; invocationId?: unknown; stepId?: unknown };
  if (node.kind !== 'step' && node.kind !== 'output') return undefined;
  if (typeof node.invocationId === 'string' && node.invocationId !== '') return node.invocationId;
  return typeof node.stepId === 'string' && node.stepId !== '' ? node.stepId : undefined;
}

/**
 * The step Run Step runs, by name (as `pipewright run --step` takes it): `stepArg` when a code
 * lens or the DAG passes the name, else a Pipelines view step node's `step` (not its invocation
 * id, which differs for a step called twice or inside a composed pipeline); a node without one
 * (the earlier shape) names its invocation, as before.
 */
export function stepToRun(arg: unknown, stepArg: unknown): string | undefined {
  if (typeof stepArg === 'string') return stepArg;
  if (typeof arg !== 'object' || arg === null || (arg as { kind?: unknown }).kind !== 'step') return undefined;
  const step = (arg as { step?: unknown }).step;
  return typeof step === 'string' && step !== '' ? step : invocationOfArgument(arg);
}

/** The output an output node of the Runs view (or the DAG's details) names, if any. */
export function outputOfArgument(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const output = (arg as { output?: unknown }).output;
  return typeof output === 'string' && output !== '' ? output : undefined;
}

/** What Run from Here starts from: a step of a run, and the pipeline's file and name when the caller knows them. */
export interface RunFromArgument {
  runId: string;
  invocationId: string;
  uri?: string;
  pipeline?: string;
}

/**
 * The step of a run that Run from Here is given: a Runs view step node, or the DAG panel's
 * `{ kind: 'step', runId, invocationId, uri, pipeline }` (the run it shows). Undefined for
 * anything else (a Pipelines view node names no run).
 */
export function runFromArgument(arg: unknown): RunFromArgument | undefined {
  const invocationId = invocationOfArgument(arg);
  const { runId, uri, pipeline } = (arg ?? {}) as { runId?: unknown; uri?: unknown; pipeline?: unknown };
  if (invocationId === undefined || typeof runId !== 'string' || runId === '') return undefined;
  return { runId, invocationId, ...(typeof uri === 'string' ? { uri } : {}), ...(typeof pipeline === 'string' ? { pipeline } : {}) };
}
