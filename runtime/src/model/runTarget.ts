/**
 * What a run runs: a pipeline, or one step on its own (a one-node run). The kind is a field, never
 * read from the name, so a pipeline may be called anything (`step:x` included).
 */
export interface RunTarget {
  kind: 'pipeline' | 'step';
  name: string;
}

export function pipelineTarget(name: string): RunTarget {
  return { kind: 'pipeline', name };
}

export function stepTarget(name: string): RunTarget {
  return { kind: 'step', name };
}

/** Prefix of the label a single-step run is shown and stored under (`step:NAME`). */
const SINGLE_STEP_LABEL = 'step:';

/** The name a run's pipeline is shown and stored under: the pipeline's name, or `step:NAME` for one step. */
export function runTargetLabel(target: RunTarget): string {
  return target.kind === 'step' ? `${SINGLE_STEP_LABEL}${target.name}` : target.name;
}

/**
 * The target of a stored run: its recorded target, else (a run stored before targets were
 * recorded, when `step:NAME` always meant one step) read from its label.
 */
export function storedRunTarget(recorded: RunTarget | undefined, label: string): RunTarget {
  if (recorded) return recorded;
  return label.startsWith(SINGLE_STEP_LABEL) ? stepTarget(label.slice(SINGLE_STEP_LABEL.length)) : pipelineTarget(label);
}
