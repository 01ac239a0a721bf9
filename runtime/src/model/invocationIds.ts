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

/** What an explicit id may be: letters, digits, `_` and `-`, not starting with a digit or `-`. */
const EXPLICIT_ID = /^[A-Za-z_][\w-]*$/;

/** The problems an explicit id (`.with({ id })`) has, with the messages both sides show. */
export interface ExplicitIdClaim {
  /** The full id, namespace prefix included. */
  id: string;
  /** Set when the id is not made of letters, digits, `_` and `-`. */
  invalid?: string;
  /** Set when another invocation of the same DAG has this id already. */
  duplicate?: string;
}

/** Claims an explicit id in `used` (and records it, even when it is refused, as both sides always did). */
export function claimExplicitId(prefix: string, explicit: string, used: Set<string>): ExplicitIdClaim {
  const id = prefix + explicit;
  const claim: ExplicitIdClaim = { id };
  if (!EXPLICIT_ID.test(explicit)) claim.invalid = `invalid invocation id "${explicit}": use letters, digits, "_" and "-"`;
  if (used.has(id)) claim.duplicate = `duplicate invocation id "${id}"`;
  used.add(id);
  return claim;
}
