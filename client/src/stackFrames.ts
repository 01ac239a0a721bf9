/**
 * The frames of a failure's stack trace that name a file, and which of them is the user's code:
 * the first frame in the workspace that is not in `node_modules`, the store folder or the
 * runtime's own files. Pure (no vscode): paths are compared as text, POSIX or Windows.
 */
import type { StackFrameLink } from '../../contracts/src/webviewMessages';

/** `at fn (/p/a.ts:3:9)`, `at /p/a.ts:3:9`, `at async fn (file:///p/a.ts:3:9)`. */
const FRAME = /^\s*at\s+(?:(.*?)\s+\()?((?:file:\/\/)?(?:[A-Za-z]:)?[^():]+?):(\d+):(\d+)\)?\s*$/;

export interface CodeRoots {
  /** Absolute folders of the workspace. */
  workspace: readonly string[];
  /** Folders that are never the user's code (the runtime's package, the store folder). */
  excluded?: readonly string[];
  /** Where a frame in a run's bundle comes from in the author's files (frames the runner left unmapped). */
  mapFrame?(file: string, line: number, column: number): { file: string; line: number; column: number } | undefined;
}

/** Every frame of `stack` that names a file with a line (internal `node:` frames are left out). */
export function stackFrames(stack: string | undefined, roots: CodeRoots): StackFrameLink[] {
  const frames: StackFrameLink[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const file = match[2].startsWith('file://') ? decodeURIComponent(match[2].slice('file://'.length)) : match[2];
    if (!isAbsolute(file)) continue;
    const at = roots.mapFrame?.(file, Number(match[3]), Number(match[4])) ?? { file, line: Number(match[3]), column: Number(match[4]) };
    frames.push({ text: line.trim(), ...at, user: isUserCode(at.file, roots) });
  }
  return frames;
}

/** The frame a failure is shown at in Problems: the first of the user's code, if any. */
export function userFrame(frames: readonly StackFrameLink[]): StackFrameLink | undefined {
  return frames.find((frame) => frame.user);
}

/**
 * How a frame reads where the user looks (the DAG's tooltip and details): its function and where
 * it points, a file of the workspace relative to its folder (`at validate (pipelines/audit.ts:11:3)`),
 * so that the stack stays readable in a narrow panel; a frame mapped from the run's bundle says
 * the author's file it was mapped to.
 */
export function frameLabel(frame: StackFrameLink, roots: CodeRoots): string {
  const fn = /^at\s+(.*?)\s+\(/.exec(frame.text)?.[1];
  const file = normalize(frame.file);
  const folder = roots.workspace.map(normalize).filter((root) => inside(file, root)).sort((a, b) => b.length - a.length)[0];
  const where = `${folder === undefined || file === folder ? frame.file : file.slice(folder.length + 1)}:${frame.line}:${frame.column}`;
  return fn === undefined ? `at ${where}` : `at ${fn} (${where})`;
}

function isAbsolute(file: string): boolean {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file);
}

function normalize(file: string): string {
  return file.replace(/\\/g, '/').replace(/\/+$/, '');
}

function inside(file: string, folder: string): boolean {
  const root = normalize(folder);
  return root !== '' && (file === root || file.startsWith(`${root}/`));
}

function isUserCode(file: string, roots: CodeRoots): boolean {
  const path = normalize(file);
  if (/\/node_modules\//.test(path)) return false;
  if ((roots.excluded ?? []).some((folder) => inside(path, folder))) return false;
  return roots.workspace.some((folder) => inside(path, folder));
}
