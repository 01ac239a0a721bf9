import { isThrownValue, type AttemptError } from '../model/attemptError';

/**
 * The lines that show a failure: `Name: message` (every line of the message), then the stack
 * frames, indented. A thrown non-Error value shows as its kind and JSON form; an engine-recorded
 * reason (name `Error`, no stack) as its message alone.
 */
export function errorLines(error: AttemptError): string[] {
  const header =
    isThrownValue(error)
      ? `threw a non-Error ${error.name}: ${error.message}`
      : error.name === 'Error' && error.stack === undefined
        ? error.message
        : `${error.name}: ${error.message}`;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => `  ${line.trim()}`);
  return [...header.split('\n'), ...frames];
}

/** The error after `first` (on the line it ends), then its other lines under it at `indent`. */
export function writeErrorBlock(write: (text: string) => void, first: string, error: AttemptError, indent: string): void {
  const [head, ...rest] = errorLines(error);
  write(`${first}: ${head}\n`);
  for (const line of rest) write(`${indent}${line}\n`);
}
