import { types } from 'node:util';
import type { AttemptError, ThrownKind } from '../model/attemptError';
import { isPipewrightFile, parseFrame } from '../sdk/callSite';

/** How deep a chain of `cause`s is followed. */
const MAX_CAUSES = 5;

/**
 * What a step (or hook, or module) threw, as an {@link AttemptError}: an Error keeps its name,
 * whole message and stack, with its `cause` chain after it (`Caused by: ...`, as `fetch failed`
 * needs); any other value is described by its kind and JSON form (so a thrown `{ code: 42 }` is
 * not `[object Object]`). Runs in the runner, where stacks are source-mapped.
 */
export function describeThrown(thrown: unknown): AttemptError {
  return describe(thrown, 0);
}

function describe(thrown: unknown, depth: number): AttemptError {
  if (thrown instanceof Error || types.isNativeError(thrown)) {
    const error = thrown as Error;
    const described: AttemptError = { name: String(error.name || 'Error'), message: String(error.message) };
    const own = typeof error.stack === 'string' ? userStack(error.stack) : undefined;
    const cause = depth < MAX_CAUSES && error.cause !== undefined ? describe(error.cause, depth + 1) : undefined;
    const causedBy = cause && `Caused by: ${cause.stack ?? `${cause.name}: ${cause.message}`}`;
    if (own !== undefined || causedBy !== undefined) described.stack = [own ?? `${described.name}: ${described.message}`, ...(causedBy ? [causedBy] : [])].join('\n');
    return described;
  }
  const kind: ThrownKind = thrown === null ? 'null' : Array.isArray(thrown) ? 'array' : typeof thrown;
  if (typeof thrown === 'string') return { name: kind, message: thrown, value: thrown };
  const json = safeJson(thrown);
  if (json === undefined) return { name: kind, message: String(thrown) };
  return { name: kind, message: json, value: JSON.parse(json) as unknown };
}

/**
 * A stack trace without the runtime's own frames: the header (`Name: message`, all its lines)
 * and the frames from the first one outside pipewright up to where pipewright called the user's
 * code. Undefined when no frame is the user's (an error the runtime raised about the step).
 */
export function userStack(stack: string): string | undefined {
  const lines = stack.split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return undefined;
  const kept: string[] = [];
  // An error the runtime raised: its own frames and the Node internals that called them are not the user's.
  const raisedByRuntime = isOwnFrame(lines[firstFrame]);
  for (const line of lines.slice(firstFrame)) {
    const own = isOwnFrame(line);
    if (own && kept.length > 0) break;
    if (own || (raisedByRuntime && kept.length === 0 && parseFrame(line)?.file.startsWith('node:'))) continue;
    kept.push(line);
  }
  return kept.length === 0 ? undefined : [...lines.slice(0, firstFrame), ...kept].join('\n');
}

function isOwnFrame(line: string): boolean {
  const frame = parseFrame(line);
  return frame !== undefined && isPipewrightFile(frame.file);
}

/** JSON text of any value: bigints as strings, repeated or circular references marked; undefined when JSON has no form for it. */
function safeJson(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return `${item}n`;
      if (typeof item === 'object' && item !== null) {
        if (seen.has(item)) return '[Circular]';
        seen.add(item);
      }
      return item;
    });
  } catch {
    return undefined;
  }
}
