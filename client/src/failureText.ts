/** How a step's failure reads in the editor: its one-line headline and the DAG's form of it. Pure. */
import { errorLines, isThrownValue, type AttemptError } from '../../runtime/src/model/attemptError';
import type { NodeError } from '../../contracts/src/webviewMessages';
import { frameLabel, stackFrames, type CodeRoots } from './stackFrames';

/**
 * The error's first line, as short as it reads well on a node: the message alone for a plain
 * `Error`, `TypeError: ...` for other classes, and what was thrown for a non-Error value.
 */
export function errorHeadline(error: AttemptError): string {
  const first = error.message.split('\n')[0];
  if (isThrownValue(error)) return errorLines(error)[0];
  return error.name === 'Error' ? first : `${error.name}: ${first}`;
}

/** The DAG's form of a failure: each frame line reads as `frameLabel` says, and is the text its link is found by. */
export function nodeError(error: AttemptError, roots: CodeRoots): NodeError {
  const labels = new Map<string, string>();
  const frames = stackFrames(error.stack, roots).map((frame) => {
    const text = frameLabel(frame, roots);
    labels.set(frame.text, text);
    return { ...frame, text };
  });
  const lines = errorLines(error).map((line) => {
    const label = labels.get(line.trim());
    return label === undefined ? line : `  ${label}`;
  });
  return { headline: errorHeadline(error), lines, frames };
}
