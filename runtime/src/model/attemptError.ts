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

/** An engine-recorded reason as an {@link AttemptError}. */
export function reasonError(message: string): AttemptError {
  return { name: 'Error', message };
}
