/**
 * The timeline (Gantt) of a run, laid out: one row per invocation (in the run's order), one bar
 * per attempt from its start to its end (a running one to now), the retry delay between two
 * attempts, heartbeat gaps (the silences before late beats the engine recorded; a lost attempt's
 * silence from its last beat to when it was declared lost; a running attempt's silence while it is
 * late now), time ticks, and the run's critical path. Pure: no DOM.
 *
 * The critical path is the chain of invocations that decided when the run ended: from the one that
 * ended last, back through the upstream invocation that ended last before it, to one that waited
 * for nothing.
 */
import type { AttemptStatus, StepStatus } from '../../runtime/src/model/status';
import type { RunTimeline, TimelineInvocation } from '../../runtime/src/model/runTimeline';
import { isLateBeat } from '../../runtime/src/model/heartbeatGap';
import { formatDuration } from '../../contracts/src/heartbeat';

export interface TimelineGeometry {
  /** Width of the time axis, in px (labels are left of it). */
  axisWidth: number;
  /** Width of the invocation labels' column. */
  labelWidth: number;
  rowHeight: number;
  /** Height of the tick row above the first row. */
  headerHeight: number;
  /** Heartbeat interval (a running attempt silent past lateness shows its gap growing). */
  heartbeatIntervalMs: number;
}

export interface TimelineRow {
  id: string;
  y: number;
  critical: boolean;
  /** The whole row's status: the invocation's. */
  status: StepStatus;
}

export interface TimelineBar {
  id: string;
  /** 0 for a cached invocation's reuse mark (it made no attempt). */
  attempt: number;
  kind: AttemptStatus | 'cached';
  x: number;
  y: number;
  width: number;
  height: number;
  critical: boolean;
  /** Tooltip text. */
  title: string;
}

export interface TimelineSpan {
  id: string;
  attempt: number;
  x: number;
  y: number;
  width: number;
  title: string;
}

export interface TimelineGap extends TimelineSpan {
  height: number;
  /** `late`: a recorded silence before a late beat; `silent`: no beat since (lost, or late now). */
  kind: 'late' | 'silent';
}

export interface TimelineLayout {
  /** Epoch ms at the axis's left end, and at its right end. */
  origin: number;
  end: number;
  /** px per ms. */
  scale: number;
  width: number;
  height: number;
  rows: TimelineRow[];
  bars: TimelineBar[];
  /** Waits between an attempt's end and the next one's start. */
  delays: TimelineSpan[];
  gaps: TimelineGap[];
  ticks: { x: number; label: string }[];
  /** Invocation ids, first to last. */
  criticalPath: string[];
}

/** A bar is never thinner than this (a cached step's reuse, a 1 ms attempt): it must be seen. */
const MIN_BAR_PX = 3;
/** Ticks are at least this far apart. */
const MIN_TICK_PX = 70;

export function layoutTimeline(timeline: RunTimeline, geometry: TimelineGeometry, now: number): TimelineLayout {
  const { origin, end } = timeSpan(timeline, now);
  const scale = geometry.axisWidth / Math.max(1, end - origin);
  const x = (at: number) => geometry.labelWidth + (at - origin) * scale;
  const critical = criticalPath(timeline.invocations, now);
  const onPath = new Set(critical);
  const rows: TimelineRow[] = [];
  const bars: TimelineBar[] = [];
  const delays: TimelineSpan[] = [];
  const gaps: TimelineGap[] = [];
  const barHeight = Math.max(4, Math.round(geometry.rowHeight * 0.6));
  timeline.invocations.forEach((invocation, index) => {
    const y = geometry.headerHeight + index * geometry.rowHeight;
    const barY = y + (geometry.rowHeight - barHeight) / 2;
    const isCritical = onPath.has(invocation.id);
    rows.push({ id: invocation.id, y, critical: isCritical, status: invocation.status });
    if (invocation.attempts.length === 0 && invocation.cached && invocation.startedAt !== null) {
      const reusedAt = invocation.startedAt;
      bars.push({ id: invocation.id, attempt: 0, kind: 'cached', x: x(reusedAt), y: barY, width: Math.max(MIN_BAR_PX, ((invocation.endedAt ?? reusedAt) - reusedAt) * scale), height: barHeight, critical: isCritical, title: `${invocation.id}: reused from the cache` });
    }
    let previousEnd: number | undefined;
    for (const attempt of invocation.attempts) {
      const attemptEnd = attempt.endedAt ?? now;
      const duration = Math.max(0, attemptEnd - attempt.startedAt);
      const label = `${invocation.id} attempt ${attempt.attempt}: ${attempt.status}, ${formatDuration(duration)}${attempt.error ? ` · ${attempt.error}` : ''}`;
      bars.push({ id: invocation.id, attempt: attempt.attempt, kind: attempt.status, x: x(attempt.startedAt), y: barY, width: Math.max(MIN_BAR_PX, duration * scale), height: barHeight, critical: isCritical, title: label });
      if (previousEnd !== undefined && attempt.startedAt > previousEnd) {
        delays.push({ id: invocation.id, attempt: attempt.attempt, x: x(previousEnd), y: y + geometry.rowHeight / 2, width: (attempt.startedAt - previousEnd) * scale, title: `${invocation.id}: retry of attempt ${attempt.attempt - 1} after ${formatDuration(attempt.startedAt - previousEnd)}` });
      }
      previousEnd = attemptEnd;
      for (const gap of attempt.gaps) {
        gaps.push({ id: invocation.id, attempt: attempt.attempt, kind: 'late', x: x(gap.from), y: barY, height: barHeight, width: Math.max(MIN_BAR_PX, (gap.to - gap.from) * scale), title: `${invocation.id} attempt ${attempt.attempt}: no heartbeat for ${formatDuration(gap.to - gap.from)}` });
      }
      const lastSign = attempt.heartbeatAt ?? attempt.startedAt;
      const silentUntil = attempt.status === 'lost' ? attemptEnd : attempt.status === 'running' && isLateBeat(now - lastSign, geometry.heartbeatIntervalMs) ? now : undefined;
      if (silentUntil !== undefined && silentUntil > lastSign) {
        const what = attempt.status === 'lost' ? 'until it was lost' : 'so far';
        gaps.push({ id: invocation.id, attempt: attempt.attempt, kind: 'silent', x: x(lastSign), y: barY, height: barHeight, width: Math.max(MIN_BAR_PX, (silentUntil - lastSign) * scale), title: `${invocation.id} attempt ${attempt.attempt}: no heartbeat for ${formatDuration(silentUntil - lastSign)} ${what}` });
      }
    }
  });
  return {
    origin,
    end,
    scale,
    width: geometry.labelWidth + geometry.axisWidth,
    height: geometry.headerHeight + timeline.invocations.length * geometry.rowHeight,
    rows,
    bars,
    delays,
    gaps,
    ticks: ticks(end - origin, scale, geometry.labelWidth),
    criticalPath: critical,
  };
}

/** From the run's start (else its first attempt's) to its end (else now while it runs, else its last attempt's end). */
function timeSpan(timeline: RunTimeline, now: number): { origin: number; end: number } {
  // Loops, not Math.min(...all): a run of 100,000 attempts would overflow the call's arguments.
  let first = Infinity;
  let last = -Infinity;
  for (const invocation of timeline.invocations) {
    for (const attempt of invocation.attempts) {
      first = Math.min(first, attempt.startedAt);
      last = Math.max(last, attempt.endedAt ?? now);
    }
    if (invocation.startedAt !== null) first = Math.min(first, invocation.startedAt);
    if (invocation.endedAt !== null) last = Math.max(last, invocation.endedAt);
  }
  const origin = Math.min(timeline.startedAt ?? first, first, now);
  const end = timeline.endedAt ?? (timeline.status === 'running' ? now : last);
  return { origin, end: Math.max(end, last, origin + 1) };
}

/** When an invocation ended (still running: now), or undefined when it never ran. */
function endOf(invocation: TimelineInvocation, now: number): number | undefined {
  const last = invocation.attempts.at(-1);
  if (last) return last.endedAt ?? now;
  return invocation.endedAt ?? undefined;
}

/** The invocations that decided the run's end, first to last (see the module's comment). */
export function criticalPath(invocations: readonly TimelineInvocation[], now: number): string[] {
  const byId = new Map(invocations.map((invocation) => [invocation.id, invocation]));
  const latest = (candidates: Iterable<TimelineInvocation>): TimelineInvocation | undefined => {
    let best: TimelineInvocation | undefined;
    let bestEnd = -Infinity;
    for (const candidate of candidates) {
      const end = endOf(candidate, now);
      if (end !== undefined && end > bestEnd) {
        best = candidate;
        bestEnd = end;
      }
    }
    return best;
  };
  const path: string[] = [];
  const seen = new Set<string>();
  let current = latest(invocations);
  while (current && !seen.has(current.id)) {
    path.push(current.id);
    seen.add(current.id);
    current = latest(current.upstream.map((id) => byId.get(id)).filter((found): found is TimelineInvocation => found !== undefined));
  }
  return path.reverse();
}

/** Ticks every 1, 2 or 5 × 10^k ms, at least MIN_TICK_PX apart, labelled from the run's start. */
function ticks(spanMs: number, scale: number, left: number): { x: number; label: string }[] {
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const fit = [1, 2, 5].map((m) => m * magnitude).find((candidate) => candidate * scale >= MIN_TICK_PX);
    if (fit !== undefined) {
      step = fit;
      break;
    }
    if (magnitude > spanMs * 10) {
      step = magnitude;
      break;
    }
  }
  const result: { x: number; label: string }[] = [];
  for (let at = 0; at <= spanMs; at += step) result.push({ x: left + at * scale, label: formatDuration(at) });
  return result;
}
