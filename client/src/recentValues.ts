/**
 * Recent parameter values per pipeline and parameter, newest first, without duplicates, kept in
 * a small key-value store (the extension passes `context.workspaceState`). Pure apart from it.
 */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export const MAX_RECENT_VALUES = 10;

export class RecentValues {
  constructor(
    private readonly store: KeyValueStore,
    private readonly max = MAX_RECENT_VALUES,
  ) {}

  private key(pipeline: string, parameter: string): string {
    return `pipewright.recent.${pipeline}.${parameter}`;
  }

  get(pipeline: string, parameter: string): string[] {
    const values = this.store.get<unknown>(this.key(pipeline, parameter));
    return Array.isArray(values) ? values.filter((value): value is string => typeof value === 'string') : [];
  }

  async remember(pipeline: string, parameter: string, value: string): Promise<void> {
    const next = [value, ...this.get(pipeline, parameter).filter((existing) => existing !== value)].slice(0, this.max);
    await this.store.update(this.key(pipeline, parameter), next);
  }
}
