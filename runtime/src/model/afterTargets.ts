/**
 * The one rule for `after` targets named by id, shared by the runtime's compiler and the static
 * DAG: a target is first an invocation of the same namespace (`<namespace>/<target>`), else a
 * full id. Targets are resolved once every invocation of the DAG is known (they may point forward).
 */
export type AfterResolution = { id: string } | { problem: string };

export function resolveAfterTarget(target: string, namespace: readonly string[], ids: ReadonlySet<string> | ReadonlyMap<string, unknown>, node: string): AfterResolution {
  const relative = [...namespace, target].join('/');
  const id = ids.has(relative) ? relative : ids.has(target) ? target : undefined;
  if (id === undefined) return { problem: `unknown after target "${target}" (invocations: ${[...ids.keys()].join(', ')})` };
  if (id === node) return { problem: `invocation "${id}" cannot run after itself` };
  return { id };
}
