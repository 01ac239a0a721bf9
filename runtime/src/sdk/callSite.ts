import * as path from 'node:path';
import type { SourceLocation } from '../model/location';
import { packageRoot } from '../paths';

/** Frames inside the runtime package are never the user's call site. */
const OWN_ROOT = packageRoot;

/**
 * The first stack frame outside the runtime package: where the user called `step(...)`,
 * a step, or `pipeline(...)`. Source maps (enabled in runners) map bundle frames back to
 * the original TypeScript file.
 */
export function userCallSite(): SourceLocation | undefined {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  Error.captureStackTrace(holder, userCallSite);
  Error.stackTraceLimit = previous;
  for (const line of (holder.stack ?? '').split('\n').slice(1)) {
    const frame = parseFrame(line);
    if (!frame || frame.file.startsWith('node:') || isOwnFile(frame.file)) continue;
    return frame;
  }
  return undefined;
}

function isOwnFile(file: string): boolean {
  return file.startsWith(OWN_ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
}

function parseFrame(line: string): SourceLocation | undefined {
  const match = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
  if (!match) return undefined;
  const file = match[1].startsWith('file://') ? decodeURIComponent(new URL(match[1]).pathname) : match[1];
  return { file, line: Number(match[2]), column: Number(match[3]) };
}
