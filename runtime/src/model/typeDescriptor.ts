/** A JSON type descriptor: what the TypeScript pass knows of a value's type, in a form that crosses process boundaries. */
export type TypeDescriptor =
  | { kind: 'any' }
  | { kind: 'unknown' }
  | { kind: 'never' }
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'bigint' }
  | { kind: 'null' }
  | { kind: 'undefined' }
  | { kind: 'void' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'array'; element: TypeDescriptor }
  /**
   * A tuple: `elements` are the fixed positions; with `minLength` the positions from there on
   * are optional, and `rest` types any further elements (`[string, ...number[]]`).
   */
  | { kind: 'tuple'; elements: TypeDescriptor[]; minLength?: number; rest?: TypeDescriptor }
  /** `index` types the properties not listed, for a string index signature. */
  | { kind: 'object'; properties: Record<string, { type: TypeDescriptor; optional: boolean }>; index?: TypeDescriptor }
  | { kind: 'union'; types: TypeDescriptor[] }
  | { kind: 'map'; key: TypeDescriptor; value: TypeDescriptor }
  | { kind: 'set'; element: TypeDescriptor }
  | { kind: 'date' }
  /** Uint8Array (a Buffer is one). */
  | { kind: 'bytes' }
  /** Another typed array, by constructor name (`Float64Array`). */
  | { kind: 'typedArray'; name: string }
  /** Functions cannot cross a step boundary; the check only asks for a function. */
  | { kind: 'function' }
  /** An instance of a class, checked by the constructor names on its prototype chain. */
  | { kind: 'class'; name: string }
  /** Anything undecidable; always passes. */
  | { kind: 'opaque'; text: string };
