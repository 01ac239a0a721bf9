import { errorLines, type AttemptError } from '../model/attemptError';

/** The error after `first` (on the line it ends), then its other lines under it at `indent`. */
export function writeErrorBlock(write: (text: string) => void, first: string, error: AttemptError, indent: string): void {
  const [head, ...rest] = errorLines(error);
  write(`${first}: ${head}\n`);
  for (const line of rest) write(`${indent}${line}\n`);
}
