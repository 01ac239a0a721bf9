/**
 * How an attempt (or a step) failed, as stored, shown and sent: the thrown error's name and whole
 * message, its stack trace mapped to the user's source files (the runtime's own frames left out),
 * and, for a thrown value that is not an Error, its JSON form in `value` (`name` is then the
 * value's kind: `object`, `string`, ...). Failures the engine itself records (a lost runner, a
 * cancel) have the name `Error` and no stack.
 */
export interface AttemptError {
  name: string;
  message: string;
  stack?: string;
  value?: unknown;
}

/** The `name` of a thrown value that is not an Error: its kind. */
export type ThrownKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'undefined' | 'bigint' | 'symbol' | 'function';

const THROWN_KINDS: ReadonlySet<string> = new Set<ThrownKind>(['object', 'array', 'string', 'number', 'boolean', 'null', 'undefined', 'bigint', 'symbol', 'function']);

/** Whether the failure is a thrown value that was not an Error. */
export function isThrownValue(error: AttemptError): boolean {
  return error.stack === undefined && THROWN_KINDS.has(error.name);
}

/** An engine-recorded reason as an {@link AttemptError}. */
export function reasonError(message: string): AttemptError {
  return { name: 'Error', message };
}

/**
 * The lines that show a failure: `Name: message` (every line of the message), then the stack
 * frames, indented, and its causes. A thrown non-Error value shows as its kind and JSON form;
 * an engine-recorded reason (name `Error`, no stack) as its message alone.
 */
export function errorLines(error: AttemptError): string[] {
  const header =
    isThrownValue(error)
      ? `threw a non-Error ${error.name}: ${error.message}`
      : error.name === 'Error' && error.stack === undefined
        ? error.message
        : `${error.name}: ${error.message}`;
  // After the stack's own header: its frames, then any `Caused by: ...` with theirs.
  const lines = (error.stack ?? '').split('\n');
  const start = lines.findIndex((line) => /^\s+at /.test(line) || line.startsWith('Caused by: '));
  const rest = start < 0 ? [] : lines.slice(start).map((line) => (/^\s+at /.test(line) ? `  ${line.trim()}` : line));
  return [...header.split('\n'), ...rest];
}
