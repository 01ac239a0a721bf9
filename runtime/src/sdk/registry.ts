/**
 * Steps and pipelines by name, filled as a pipeline module is evaluated. Runners find the
 * function to execute by the name recorded in the DAG.
 */
interface Named {
  readonly name: string;
}

class NameRegistry<T extends Named> {
  private readonly entries = new Map<string, T>();
  private readonly conflicts = new Map<string, string>();

  constructor(private readonly kind: string) {}

  add(item: T, sameDefinition: (a: T, b: T) => boolean): void {
    const existing = this.entries.get(item.name);
    if (existing && existing !== item && !sameDefinition(existing, item)) {
      this.conflicts.set(item.name, `two different ${this.kind}s are named "${item.name}"; give one a distinct name with the name option`);
      return;
    }
    if (!existing) this.entries.set(item.name, item);
  }

  find(name: string): T {
    const conflict = this.conflicts.get(name);
    if (conflict) throw new Error(conflict);
    const item = this.entries.get(name);
    if (!item) {
      const known = [...this.entries.keys()].sort().join(', ') || 'none';
      throw new Error(`no ${this.kind} named "${name}" in the pipeline module (known: ${known})`);
    }
    return item;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}

export const stepRegistry = new NameRegistry<Named & { readonly fn: unknown }>('step');
export const pipelineRegistry = new NameRegistry<Named & { readonly fn: unknown }>('pipeline');

/** Two registrations are the same definition when they wrap the same function. */
export function sameFunction(a: { readonly fn: unknown }, b: { readonly fn: unknown }): boolean {
  return a.fn === b.fn;
}
