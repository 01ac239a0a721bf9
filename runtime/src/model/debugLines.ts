/**
 * What `pipewright debug --json` prints, one JSON object per line: where the inspector listens
 * (once it does), then how the step ended. The CLI writes these; the editor reads them.
 */
import type { AttemptError } from './attemptError';

export interface DebugInspectorLine {
  type: 'inspector';
  /** The inspector's WebSocket URL (loopback). */
  url: string;
  host: string;
  port: number;
  /** A URL Chrome's DevTools opens. */
  devtoolsUrl: string;
  runId: string;
  runName: string;
  invocationId: string;
  step: string;
  /** The run's own bundle, the code debugged (by content hash). */
  bundle: { path: string; hash: string };
  /** Where the step is invoked, and whether that file changed since the run. */
  source?: { file: string; line: number; changedSinceRun: boolean };
  /** Where each input comes from (`output "train" of step "split"`, `literal`, `FILE (by hand)`). */
  inputs: Record<string, string>;
}

export interface DebugOutputView {
  name: string;
  type: string;
  materializer: string;
  size: number;
  hash: string;
  /** The value as JSON (structured values tagged); absent when only the pipeline's own materializer reads it. */
  value?: unknown;
}

export type DebugResultLine =
  | { type: 'result'; status: 'completed'; outputs: DebugOutputView[] }
  | { type: 'result'; status: 'failed'; error: AttemptError }
  | { type: 'result'; status: 'stopped' };

export type DebugLine = DebugInspectorLine | DebugResultLine;

/** One line of `pipewright debug --json` output, or undefined for anything else. */
export function readDebugLine(text: string): DebugLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const line = JSON.parse(text) as { type?: unknown };
    return line.type === 'inspector' || line.type === 'result' ? (line as DebugLine) : undefined;
  } catch {
    return undefined;
  }
}
