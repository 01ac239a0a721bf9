/**
 * Which failed requests a client sends again while the daemons of a shared store change leader
 * (daemon/leaderRoutes.ts says what a replica answers): a 503 `no-leader` was not done, so any
 * request is sent again; a 502 `leader-lost` may have been done, so only a request safe to repeat
 * is: a read, and a submit, which names the run it makes (`runId`) so that a second one answers
 * the first's run. Each try waits a little longer, up to a second, for as long as the patience.
 */
import { CodedError } from '../model/errorCodes';
import type { RouteName } from './routes';

/** How long a client keeps trying by default: a replica takes a free claim within about a second, a leader's lost connection frees it within seconds. */
export const LEADER_PATIENCE_MS = 15_000;

let waitNotice: ((message: string) => void) | undefined;

/** Who hears, once a request, that it waits for a leader (the CLI says it on stderr): `why` is the replica's answer. */
export function onLeaderWait(notice: ((why: string) => void) | undefined): void {
  waitNotice = notice;
}

/** Says that a request waits for a leader, to whoever listens. */
export function noticeLeaderWait(why: string): void {
  waitNotice?.(why);
}

/** Whether the request `method` of route `name` that failed with `error` may be sent again as it is. */
export function mayRepeat(method: string, name: RouteName, error: unknown): boolean {
  if (!(error instanceof CodedError)) return false;
  if (error.code === 'no-leader') return true;
  return error.code === 'leader-lost' && (method === 'GET' || name === 'submitRun');
}

/** The wait before try `tries + 1` (0-based tries so far). */
export function repeatDelayMs(tries: number): number {
  return Math.min(1000, 100 * 2 ** tries);
}
