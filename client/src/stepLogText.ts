/**
 * The text of a step's log document: one section per attempt (its status, start and duration),
 * each output line with its time and stream, and a failed attempt's whole error at its end.
 * Output with no attempt (a step's hooks) comes last. Pure: the clock format is passed in.
 */
import { formatDuration } from '../../contracts/src/heartbeat';
import { errorLines } from '../../runtime/src/model/attemptError';
import type { AttemptInfo } from '../../runtime/src/api/protocol';

export interface StepLogLine {
  attempt: number | null;
  stream: string;
  text: string;
  /** Epoch ms. */
  at: number;
}

/** `13:51:33.157` in local time. */
export function localClock(at: number): string {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export function stepLogText(invocationId: string, lines: readonly StepLogLine[], attempts: readonly AttemptInfo[], clock: (at: number) => string = localClock): string {
  const out: string[] = [];
  const numbers = [...new Set([...attempts.map((a) => a.attempt), ...lines.map((line) => line.attempt).filter((n) => n !== null)])].sort((a, b) => a - b);
  const line = (at: number, tag: string, text: string) => `${clock(at)} ${tag.padEnd(7)} ${text}`;
  for (const number of numbers) {
    const attempt = attempts.find((a) => a.attempt === number);
    const head = [`${invocationId} · attempt ${number}`];
    if (attempt) {
      head.push(attempt.status, `started ${clock(attempt.startedAt)}`);
      if (attempt.endedAt !== null) head.push(formatDuration(attempt.endedAt - attempt.startedAt));
    }
    if (out.length > 0) out.push('');
    out.push(`── ${head.join(' · ')} ──`);
    const own = lines.filter((l) => l.attempt === number);
    for (const entry of own) for (const text of entry.text.replace(/\n$/, '').split('\n')) out.push(line(entry.at, entry.stream, text));
    if (own.length === 0 && !attempt?.error) out.push(attempt?.status === 'running' ? '(no output yet)' : '(no output)');
    if (attempt?.error) {
      const at = attempt.endedAt ?? attempt.startedAt;
      errorLines(attempt.error).forEach((text, index) => out.push(index === 0 ? line(at, attempt.status, text) : `${' '.repeat(clock(at).length + 9)}${text}`));
    }
  }
  const loose = lines.filter((l) => l.attempt === null);
  if (loose.length > 0) {
    if (out.length > 0) out.push('');
    out.push(`── ${invocationId} · outside its attempts (hooks) ──`);
    for (const entry of loose) for (const text of entry.text.replace(/\n$/, '').split('\n')) out.push(line(entry.at, entry.stream, text));
  }
  return out.length > 0 ? `${out.join('\n')}\n` : `(${invocationId} has not run yet)\n`;
}
