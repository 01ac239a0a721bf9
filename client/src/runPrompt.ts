/**
 * What the run prompts ask and offer: a pipeline parameter's hint (its default's value when the
 * analysis knows it), when "Run with all defaults" is offered, a step's declared inputs (by name
 * and type, from the pipelines that call it) and the outputs of past runs that fit each, and how
 * a picked output becomes the input's text. Pure (no vscode).
 */
import type { PipelineGraph } from '../../contracts/src/graph';
import type { AnalysedGraphNode, PipelineParameter } from '../../contracts/src/lspMessages';
import type { RunsState } from './runState';

/** A parameter's default as the prompt says it: its value when the analysis knows it (`"data/iris.csv"`), else its source text. */
export function defaultShown(parameter: PipelineParameter): string | undefined {
  return parameter.default === undefined ? undefined : (parameter.defaultValue ?? parameter.default);
}

/** `number · default 3 (leave empty)`, `string · required`. */
export function parameterHint(parameter: Pick<PipelineParameter, 'type' | 'default' | 'defaultValue'>): string {
  const shown = defaultShown({ name: '', ...parameter });
  return [parameter.type, shown === undefined ? 'required' : `default ${shown} (leave empty)`].filter(Boolean).join(' · ');
}

/**
 * The choice that skips the prompts left, offered at parameter `index` when it and every
 * parameter after it have a default: "Run with all defaults" at the first, "Run with defaults
 * for the rest" later. Undefined when a parameter still to ask has none.
 */
export function defaultsChoice(parameters: readonly PipelineParameter[], index: number): { label: string; detail: string } | undefined {
  const rest = parameters.slice(index);
  if (rest.length === 0 || rest.some((parameter) => parameter.default === undefined)) return undefined;
  return { label: index === 0 ? 'Run with all defaults' : 'Run with defaults for the rest', detail: rest.map((parameter) => `${parameter.name} = ${defaultShown(parameter)}`).join(', ') };
}

/** A declared input of a step, and the outputs the pipelines wire into it. */
export interface StepInput {
  name: string;
  /** The parameter's type (as written, else inferred), when the analysis knows it. */
  type?: string;
  /** The invocations (of a pipeline) whose output feeds this input. */
  sources: { pipeline: string; invocationId: string; output: string }[];
}

/**
 * The declared inputs of step `step` (its name), read from the graphs of the pipelines that call
 * it: names in declaration order, types, and every data edge into them. Undefined when no graph
 * calls the step (the analysis does not know its inputs).
 */
export function stepInputs(graphs: readonly PipelineGraph[], step: string): StepInput[] | undefined {
  const calls = graphs.flatMap((graph) => graph.nodes.filter((node) => node.step === step).map((node) => ({ graph, node: node as AnalysedGraphNode })));
  const first = calls[0]?.node;
  if (!first) return undefined;
  const names = first.params ?? Object.keys(first.types?.inputs ?? {});
  return names.map((name) => {
    const type = first.types?.inputs[name];
    const sources = calls.flatMap(({ graph, node }) =>
      graph.edges.filter((edge) => edge.kind === 'data' && edge.to === node.id && edge.toInput === name).map((edge) => ({ pipeline: graph.pipeline, invocationId: edge.from, output: edge.fromOutput ?? 'output' })),
    );
    const unique = sources.filter((source, i) => sources.findIndex((other) => other.pipeline === source.pipeline && other.invocationId === source.invocationId && other.output === source.output) === i);
    return { name, ...(type === undefined ? {} : { type }), sources: unique };
  });
}

/** A committed output of a past run that fits an input. */
export interface OutputCandidate {
  runId: string;
  runName: string;
  invocationId: string;
  output: string;
  /** The stored value's type (`Array`, `number`, a class name). */
  type: string;
  size: number;
}

/** The outputs of past runs (newest first, at most `limit`) that the pipelines wire into `input`: committed outputs of its source invocations. */
export function fittingOutputs(state: RunsState, input: StepInput, limit = 10): OutputCandidate[] {
  const found: OutputCandidate[] = [];
  for (const runId of state.order) {
    const run = state.runs[runId];
    if (!run) continue;
    for (const source of input.sources) {
      if (source.pipeline !== run.pipeline) continue;
      const step = run.steps[source.invocationId];
      const output = step && (step.status === 'completed' || step.status === 'cached') ? step.outputs?.find((candidate) => candidate.name === source.output) : undefined;
      if (output) found.push({ runId, runName: run.runName, invocationId: source.invocationId, output: output.name, type: output.type, size: output.size });
      if (found.length === limit) return found;
    }
  }
  return found;
}

/** The largest output passed as an input's text (it travels as one command-line argument). */
export const MAX_INPUT_BYTES = 64 * 1024;

/**
 * A picked output as the text of a `--param` (converted to the input's type by the CLI): a JSON
 * string as its text, other JSON as JSON, text as is. Outputs stored otherwise (bytes, a custom
 * materializer) or larger than {@link MAX_INPUT_BYTES} cannot be passed: the error says why.
 */
export function inputTextOfOutput(bytes: Uint8Array, materializer: string, what: string): string {
  const base = materializer.replace(/@\d+$/, '');
  if (bytes.byteLength > MAX_INPUT_BYTES) throw new Error(`${what} is ${bytes.byteLength} bytes, more than the ${MAX_INPUT_BYTES} an input passed on the command line may be: use Run from Here on a step of that run instead`);
  const text = new TextDecoder('utf-8').decode(bytes);
  if (base === 'text') return text;
  if (base !== 'json') throw new Error(`${what} is stored as ${materializer}, which cannot be passed as an input's text: use Run from Here on a step of that run instead`);
  const value: unknown = JSON.parse(text);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
