import type { EngineEvent } from '../model/events';
import { errorLines } from '../model/attemptError';

/** How many lines of a step's error live progress shows; the rest is a command away. */
export const PROGRESS_ERROR_LINES = 6;

const ICONS: Record<string, string> = {
  running: '▶',
  completed: '✔',
  cached: '◆',
  failed: '✖',
  skipped: '○',
  cancelled: '■',
  crashed: '✖',
};

/**
 * Live progress for a terminal: one line per step transition (status, duration, attempt,
 * cache hit), retries with their delay, hook failures, and step output prefixed by its step.
 */
export function progressPrinter(write: (line: string) => void, showLogs: boolean): (event: EngineEvent) => void {
  const width = 24;
  return (event) => {
    switch (event.type) {
      case 'run':
        if (event.status === 'running') write(`Run ${event.runName} (${event.runId}) of pipeline ${event.pipeline}`);
        else write(`Run ${event.runName} ${event.status}`);
        return;
      case 'step': {
        const parts = [`${ICONS[event.status] ?? '·'} ${event.invocationId.padEnd(width)} ${event.status.padEnd(9)}`];
        if (event.durationMs !== undefined) parts.push(formatDuration(event.durationMs).padStart(8));
        if (event.attempt > 0 && event.status !== 'cached' && event.status !== 'skipped') parts.push(`attempt ${event.attempt}`);
        if (event.cached) parts.push('cache hit');
        const lines = event.error ? errorLines(event.error) : [];
        if (lines.length > 0) parts.push(`: ${lines[0]}`);
        write(parts.join('  '));
        for (const line of lines.slice(1, PROGRESS_ERROR_LINES)) write(`    ${line}`);
        if (lines.length > PROGRESS_ERROR_LINES) write(`    … ${lines.length - PROGRESS_ERROR_LINES} more line(s): ${wholeErrorHint(event.runId, event.invocationId, event.attempt)}`);
        return;
      }
      case 'retry': {
        const attempt = event.nextAttempt - 1;
        const lines = errorLines(event.error);
        const more = lines.length > 1 ? ` (${lines.length - 1} more line(s): pipewright logs ${event.runId} ${event.invocationId} --attempt ${attempt})` : '';
        write(`↻ ${event.invocationId.padEnd(width)} attempt ${attempt} failed, retrying in ${formatDuration(event.delayMs)}: ${lines[0]}${more}`);
        return;
      }
      case 'attempt':
        // Handed back by a drained worker: not a failure; it runs again at once, no retry used.
        if (event.status === 'relinquished') write(`⇄ ${event.invocationId.padEnd(width)} attempt ${event.attempt} relinquished, running again: ${firstLine(event.detail ?? '')}`);
        return;
      case 'hook':
        if (!event.ok) write(`! ${event.invocationId.padEnd(width)} ${event.hook} hook failed: ${firstLine(event.error ?? '')}`);
        return;
      case 'log':
        if (showLogs) {
          for (const line of event.text.replace(/\n$/, '').split('\n')) write(`  │ ${event.invocationId ?? ''}: ${line}`);
        }
        return;
    }
  };
}

/** Where a failed step's whole error is. */
function wholeErrorHint(runId: string, invocationId: string, attempt: number): string {
  return `pipewright runs show ${runId}, or pipewright logs ${runId} ${invocationId} --attempt ${attempt}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
