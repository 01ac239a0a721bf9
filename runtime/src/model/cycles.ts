/**
 * The one cycle rule of a DAG, shared by the runtime's compiler and the static DAG: invocations are
 * visited in the order they were made, each one's upstream in the order `upstream` gives (`after`
 * targets first, then data inputs in parameter order, as `upstreamIds` lists them), and the first
 * cycle met is the one reported, starting and ending at the invocation where it closes.
 */
export function findCycle(ids: readonly string[], upstream: (id: string) => readonly string[]): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    trail.push(id);
    for (const up of upstream(id)) {
      const cycle = visit(up);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** How a cycle is told: `cycle: a -> b -> a`. */
export function cycleMessage(cycle: readonly string[]): string {
  return `cycle: ${cycle.join(' -> ')}`;
}
