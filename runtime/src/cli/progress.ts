import type { EngineEvent } from '../engine/events';

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
        if (event.error) parts.push(`: ${firstLine(event.error)}`);
        write(parts.join('  '));
        return;
      }
      case 'retry':
        write(`↻ ${event.invocationId.padEnd(width)} attempt ${event.nextAttempt - 1} failed, retrying in ${formatDuration(event.delayMs)}: ${firstLine(event.error)}`);
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

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
