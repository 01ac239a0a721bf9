/**
 * How the Orchestrator view words a connected orchestrator's health: what its health route said
 * (pid, runs in flight, version), and, live, how its event stream fares: when it was last heard
 * from (an event or the daemon's keep-alive, every 15 s), or since when it is unreachable and why.
 * Pure (no vscode).
 */
import { formatHeartbeatAge, heartbeatAgo } from '../../contracts/src/heartbeat';

/** The daemon's keep-alive period on the event stream (`daemon/httpApi.ts`). */
export const KEEP_ALIVE_MS = 15_000;
/** Silent for longer than this (two keep-alives missed), a connected stream is called silent. */
export const SILENT_AFTER_MS = 2 * KEEP_ALIVE_MS + 5_000;

export interface ConnectionHealth {
  /** What `GET /health` answered when (re)connected. */
  daemon?: { pid: number; version: string; runsInFlight: number };
  /** When the event stream dropped (epoch ms), while it is down, and why. */
  droppedAt?: number;
  dropReason?: string;
}

/** The Health line's text: the daemon's answer, or that it is unreachable. */
export function healthDetail(health: ConnectionHealth): string {
  if (health.droppedAt !== undefined) return `unreachable: ${health.dropReason ?? 'the event stream dropped'} (reconnecting)`;
  const daemon = health.daemon;
  return daemon ? `pid ${daemon.pid}, ${daemon.runsInFlight} run(s) in flight, version ${daemon.version}` : 'connected';
}

/** `for 12 s`, `just now`. */
function since(ms: number): string {
  const age = formatHeartbeatAge(ms);
  return age === 'just now' ? age : `for ${age}`;
}

/** The Event stream line, at `now`: `heard 3 s ago`, `silent for 42 s (…)`, `down for 12 s, reconnecting`. */
export function streamLine(health: ConnectionHealth, heardAt: number | undefined, now: number): { text: string; level: 'ok' | 'silent' | 'down' } {
  if (health.droppedAt !== undefined) return { text: `down ${since(now - health.droppedAt)}, reconnecting`, level: 'down' };
  if (heardAt === undefined) return { text: 'not heard from yet', level: 'ok' };
  const age = Math.max(0, now - heardAt);
  if (age > SILENT_AFTER_MS) return { text: `silent for ${formatHeartbeatAge(age)} (it sends a keep-alive every ${KEEP_ALIVE_MS / 1000} s)`, level: 'silent' };
  return { text: `heard ${heartbeatAgo(age)}`, level: 'ok' };
}
