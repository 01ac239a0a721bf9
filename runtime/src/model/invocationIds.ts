/**
 * The one rule for invocation ids, shared by the runtime's compiler and the language server:
 * inside namespace `namespace` (composed pipelines, outermost first), an explicit id is used as
 * given; otherwise the first free of `name`, `name_2`, `name_3`, ...
 */
export function namespacePrefix(namespace: readonly string[]): string {
  return namespace.length > 0 ? `${namespace.join('/')}/` : '';
}

/** Claims the next automatic id for `name` in `used` (and records it). */
export function claimAutomaticId(prefix: string, name: string, used: Set<string>): string {
  let id = prefix + name;
  for (let n = 2; used.has(id); n++) id = `${prefix}${name}_${n}`;
  used.add(id);
  return id;
}
