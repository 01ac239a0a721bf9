/** The text of the Open Step Logs document: the step's output per attempt, each failed attempt ending with its whole error. */
import { errorLines } from '../../runtime/src/model/attemptError';
import type { AttemptInfo } from '../../runtime/src/api/protocol';

export interface StepLogLine {
  attempt: number | null;
  stream: string;
  text: string;
}

export function stepLogText(invocationId: string, lines: readonly StepLogLine[], attempts: readonly AttemptInfo[]): string {
  const out: string[] = [];
  const attemptNumbers = [...new Set([...lines.map((line) => line.attempt), ...attempts.map((a) => a.attempt)])];
  for (const attempt of attemptNumbers) {
    for (const line of lines.filter((l) => l.attempt === attempt)) out.push(`[attempt ${attempt ?? '-'} ${line.stream}] ${line.text.replace(/\n$/, '')}`);
    const ended = attempts.find((a) => a.attempt === attempt);
    if (ended?.error) out.push(...errorLines(ended.error).map((text, index) => `[attempt ${attempt} ${ended.status}] ${index === 0 ? '' : '  '}${text}`));
  }
  return out.length > 0 ? out.join('\n') : `(no output from ${invocationId})`;
}
