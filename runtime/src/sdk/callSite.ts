import * as path from 'node:path';
import type { SourceLocation } from '../model/location';
import { packageRoot } from '../system/packagePaths';

/**
 * The first stack frame outside the runtime package: where the user called `step(...)`,
 * a step, or `pipeline(...)`. Source maps (enabled in runners) map bundle frames back to
 * the original TypeScript file.
 */
export function userCallSite(): SourceLocation | undefined {
  // The user's frame is almost always the first or second: a short trace first, since formatting
  // (and source-mapping) every frame of a deep one was most of a 100,000-step compile.
  return firstUserFrame(4) ?? firstUserFrame(30);
}

/** The first frame outside the runtime package among the `limit` innermost frames below `userCallSite`. */
function firstUserFrame(limit: number): SourceLocation | undefined {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  Error.captureStackTrace(holder, userCallSite);
  Error.stackTraceLimit = previous;
  for (const line of (holder.stack ?? '').split('\n').slice(1)) {
    const frame = parseFrame(line);
    if (!frame || frame.file.startsWith('node:') || isPipewrightFile(frame.file)) continue;
    return frame;
  }
  return undefined;
}

/**
 * Whether a file is this pipewright package's own (its dist, or the sources its source maps name),
 * wherever the package is installed: in a project's node_modules too. Its dependencies are not.
 */
export function isPipewrightFile(file: string): boolean {
  const relative = path.relative(packageRoot, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  return relative.split(path.sep)[0] !== 'node_modules';
}

/** The file, line and column of one `at ...` line of a V8 stack trace. */
export function parseFrame(line: string): SourceLocation | undefined {
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
  if (!match) return undefined;
  const file = match[1].startsWith('file://') ? decodeURIComponent(new URL(match[1]).pathname) : match[1];
  return { file, line: Number(match[2]), column: Number(match[3]) };
}
