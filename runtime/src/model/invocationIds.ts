/**
 * The one rule for invocation ids, shared by the runtime's compiler and the language server:
 * inside namespace `namespace` (composed pipelines, outermost first), an explicit id is used as
 * given; otherwise the first free of `name`, `name_2`, `name_3`, ...
 */
export function namespacePrefix(namespace: readonly string[]): string {
  return namespace.length > 0 ? `${namespace.join('/')}/` : '';
}

/**
 * Per set of used ids, the number each automatic id's search starts from (`prefix + name` -> n):
 * ids are never given back, so when `name_n` was the first free one, every candidate before it
 * stays taken, and the next search for that name starts after it. Without it the k-th call of
 * one step searched k candidates (a 100,000-step pipeline compiled in quadratic time).
 */
const nextNumbers = new WeakMap<Set<string>, Map<string, number>>();

/** Claims the next automatic id for `name` in `used` (and records it). */
export function claimAutomaticId(prefix: string, name: string, used: Set<string>): string {
  const base = prefix + name;
  let numbers = nextNumbers.get(used);
  if (!numbers) nextNumbers.set(used, (numbers = new Map()));
  let n = numbers.get(base) ?? 1;
  let id = n === 1 ? base : `${base}_${n}`;
  while (used.has(id)) id = `${base}_${++n}`;
  numbers.set(base, n + 1);
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
