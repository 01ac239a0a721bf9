/**
 * JSON type descriptors: what the TypeScript pass knows of a step's parameter and return types,
 * in a form that crosses process boundaries and lets a runner check values at run time.
 */
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
  | { kind: 'tuple'; elements: TypeDescriptor[] }
  | { kind: 'object'; properties: Record<string, { type: TypeDescriptor; optional: boolean }>; index?: TypeDescriptor }
  | { kind: 'union'; types: TypeDescriptor[] }
  | { kind: 'map'; key: TypeDescriptor; value: TypeDescriptor }
  | { kind: 'set'; element: TypeDescriptor }
  | { kind: 'date' }
  | { kind: 'bytes' }
  | { kind: 'typedArray'; name: string }
  | { kind: 'function' }
  | { kind: 'class'; name: string }
  | { kind: 'opaque'; text: string };

/** Raised for a `--param` text that does not fit the declared type. */
export class ParamConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamConversionError';
  }
}

/** How deep checks go into nested values; deeper parts are trusted. */
const MAX_DEPTH = 32;

/** Undefined when `value` conforms to `type`, else the first mismatch with its path. */
export function checkValue(value: unknown, type: TypeDescriptor): string | undefined {
  return check(value, type, '', 0);
}

function check(value: unknown, type: TypeDescriptor, path: string, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const fail = () => `${path ? `${path}: ` : ''}expected ${describeType(type)}, got ${describeValue(value)}`;
  switch (type.kind) {
    case 'any':
    case 'unknown':
    case 'opaque':
      return undefined;
    case 'never':
      return fail();
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return typeof value === type.kind ? undefined : fail();
    case 'null':
      return value === null ? undefined : fail();
    case 'undefined':
    case 'void':
      return value === undefined ? undefined : fail();
    case 'literal':
      return value === type.value ? undefined : fail();
    case 'function':
      return typeof value === 'function' ? undefined : fail();
    case 'date':
      return value instanceof Date ? undefined : fail();
    case 'bytes':
      return value instanceof Uint8Array ? undefined : fail();
    case 'typedArray':
      return ArrayBuffer.isView(value) && value.constructor.name === type.name ? undefined : fail();
    case 'class':
      return hasClassInChain(value, type.name) ? undefined : fail();
    case 'array': {
      if (!Array.isArray(value)) return fail();
      for (let i = 0; i < value.length; i++) {
        const problem = check(value[i], type.element, `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'tuple': {
      if (!Array.isArray(value) || value.length < type.elements.length) return fail();
      for (let i = 0; i < type.elements.length; i++) {
        const problem = check(value[i], type.elements[i], `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'set': {
      if (!(value instanceof Set)) return fail();
      let i = 0;
      for (const item of value) {
        const problem = check(item, type.element, `${path}{${i++}}`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'map': {
      if (!(value instanceof Map)) return fail();
      for (const [key, item] of value) {
        const problem = check(key, type.key, `${path}.key(${String(key)})`, depth + 1) ?? check(item, type.value, `${path}.get(${String(key)})`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null) return fail();
      const record = value as Record<string, unknown>;
      for (const [name, property] of Object.entries(type.properties)) {
        const item = record[name];
        if (item === undefined && property.optional) continue;
        const problem = check(item, property.type, `${path}.${name}`, depth + 1);
        if (problem) return problem;
      }
      if (type.index) {
        for (const [name, item] of Object.entries(record)) {
          if (name in type.properties) continue;
          const problem = check(item, type.index, `${path}.${name}`, depth + 1);
          if (problem) return problem;
        }
      }
      return undefined;
    }
    case 'union': {
      if (type.types.some((member) => check(value, member, path, depth + 1) === undefined)) return undefined;
      return fail();
    }
  }
}

function hasClassInChain(value: unknown, name: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (let proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto) as typeof proto) {
    if (proto.constructor?.name === name) return true;
  }
  return false;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array (length ${value.length})`;
  if (typeof value === 'string') return `string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} (${String(value)})`;
  if (typeof value === 'bigint') return `bigint (${value}n)`;
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name && name !== 'Object' ? `${name} instance` : 'object';
  }
  return typeof value;
}

/** A compact TypeScript-like rendering of a descriptor. */
export function describeType(type: TypeDescriptor, depth = 0): string {
  if (depth > 3) return '...';
  switch (type.kind) {
    case 'literal':
      return JSON.stringify(type.value);
    case 'array': {
      const inner = describeType(type.element, depth + 1);
      return type.element.kind === 'union' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'tuple':
      return `[${type.elements.map((t) => describeType(t, depth + 1)).join(', ')}]`;
    case 'object': {
      const entries = Object.entries(type.properties);
      const shown = entries.slice(0, 6).map(([name, p]) => `${name}${p.optional ? '?' : ''}: ${describeType(p.type, depth + 1)}`);
      if (entries.length > 6) shown.push('...');
      if (type.index) shown.push(`[key: string]: ${describeType(type.index, depth + 1)}`);
      return `{ ${shown.join('; ')} }`;
    }
    case 'union':
      return type.types.map((t) => describeType(t, depth + 1)).join(' | ');
    case 'map':
      return `Map<${describeType(type.key, depth + 1)}, ${describeType(type.value, depth + 1)}>`;
    case 'set':
      return `Set<${describeType(type.element, depth + 1)}>`;
    case 'date':
      return 'Date';
    case 'bytes':
      return 'Uint8Array';
    case 'typedArray':
    case 'class':
      return type.name;
    case 'opaque':
      return type.text;
    default:
      return type.kind;
  }
}

/** Converts a `--param` text to the declared type (JSON for structured types). */
export function convertParamText(text: string, type: TypeDescriptor | undefined, where: string): unknown {
  const fail = (expected: string): never => {
    throw new ParamConversionError(`${where}: expected ${expected}, got ${JSON.stringify(text)}`);
  };
  if (!type || type.kind === 'any' || type.kind === 'unknown' || type.kind === 'opaque') return parseJsonOr(text);
  switch (type.kind) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      return text.trim() === '' || Number.isNaN(n) ? fail('a number') : n;
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      return fail('a boolean (true or false)');
    case 'bigint':
      try {
        return BigInt(text);
      } catch {
        return fail('an integer (bigint)');
      }
    case 'date': {
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? fail('a date (ISO 8601)') : date;
    }
    case 'union': {
      const nonNullish = type.types.filter((t) => t.kind !== 'undefined' && t.kind !== 'null');
      if (nonNullish.length === 1) return convertParamText(text, nonNullish[0], where);
      if (type.types.every((t) => t.kind === 'literal')) {
        const match = type.types.find((t) => t.kind === 'literal' && String(t.value) === text);
        return match && match.kind === 'literal' ? match.value : fail(`one of ${describeType(type)}`);
      }
      if (type.types.some((t) => t.kind === 'literal' && t.value === text) || type.types.some((t) => t.kind === 'string')) {
        const parsed = parseJsonOr(text);
        return checkValue(parsed, type) === undefined ? parsed : text;
      }
      break;
    }
    case 'literal':
      return String(type.value) === text ? type.value : fail(JSON.stringify(type.value));
    default:
      break;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(`JSON for ${describeType(type)}`);
  }
  if (type.kind === 'map' && Array.isArray(parsed)) parsed = new Map(parsed as [unknown, unknown][]);
  else if (type.kind === 'map' && typeof parsed === 'object' && parsed !== null) parsed = new Map(Object.entries(parsed));
  if (type.kind === 'set' && Array.isArray(parsed)) parsed = new Set(parsed);
  const problem = checkValue(parsed, type);
  if (problem) throw new ParamConversionError(`${where}: ${problem} in ${JSON.stringify(text)}`);
  return parsed;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
