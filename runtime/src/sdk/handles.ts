/**
 * Handles: what a step call returns inside a pipeline body. A handle stands for one output of
 * one invocation; it carries no value (the body runs at compile time, before any step runs).
 */
const HANDLE = Symbol.for('pipewright.handle');

/** One output of one invocation, as seen by the pipeline body while it builds the DAG. */
export interface OutputHandle<T = unknown> {
  readonly [HANDLE]: true;
  readonly invocationId: string;
  readonly output: string;
  /** Phantom field carrying the output's type for type checking of the wiring. */
  readonly __type?: T;
}

export function makeHandle<T>(invocationId: string, output: string): OutputHandle<T> {
  return Object.freeze({ [HANDLE]: true as const, invocationId, output });
}

export function isHandle(value: unknown): value is OutputHandle {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HANDLE] === true;
}

/** A value accepted where a step parameter of type `T` is expected inside a pipeline body. */
export type Input<T> =
  | T
  | OutputHandle<T>
  | (T extends readonly (infer E)[] ? readonly Input<E>[] : never);

export type StepArgs<P extends readonly unknown[]> = { [K in keyof P]: Input<P[K]> };
