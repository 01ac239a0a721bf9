/** How a step's failure reads in the editor: its one-line headline and the DAG's form of it. Pure. */
import { errorLines, isThrownValue, type AttemptError } from '../../runtime/src/model/attemptError';
import type { NodeError } from '../../contracts/src/webviewMessages';
import { stackFrames, type CodeRoots } from './stackFrames';

/**
 * The error's first line, as short as it reads well on a node: the message alone for a plain
 * `Error`, `TypeError: ...` for other classes, and what was thrown for a non-Error value.
 */
export function errorHeadline(error: AttemptError): string {
  const first = error.message.split('\n')[0];
  if (isThrownValue(error)) return errorLines(error)[0];
  return error.name === 'Error' ? first : `${error.name}: ${first}`;
}

export function nodeError(error: AttemptError, roots: CodeRoots): NodeError {
  return { headline: errorHeadline(error), lines: errorLines(error), frames: stackFrames(error.stack, roots) };
}
