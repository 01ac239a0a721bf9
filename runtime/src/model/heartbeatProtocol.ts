import { z } from 'zod';

/** Where and how often a runner renews the lease of the attempt it executes. */
export interface LeaseGrant {
  url: string;
  token: string;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * The heartbeat settings an attempt runs under, in milliseconds: a beat is expected every
 * `intervalMs` and the orchestrator marks the attempt lost after `timeoutMs` without one. Sent with
 * the attempt (its `attempt` running event, the API's running attempts) so the editor judges
 * lateness by the lease the orchestrator holds, not by a setting of its own.
 */
export interface AttemptHeartbeat {
  intervalMs: number;
  timeoutMs: number;
}

/** Messages from the runner's main thread to its heartbeat worker. */
export type HeartbeatCommand =
  | ({ type: 'start'; runId: string; invocationId: string; attempt: number } & LeaseGrant)
  | { type: 'stop' };

/** The heartbeat route (`POST /v1/heartbeats`), served by the daemon and by the in-process lease server. */
export const HEARTBEAT_PATH = '/v1/heartbeats';
/** Largest heartbeat body accepted. */
export const HEARTBEAT_BODY_LIMIT = 4096;

/** Body of a heartbeat request: the one schema both servers validate with. */
export const heartbeatRequestSchema = z.strictObject({
  runId: z.string().min(1).max(100),
  invocationId: z.string().min(1).max(500),
  attempt: z.number().int().min(1),
});

export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>;

/**
 * What the engine makes of a runner's word about its attempt (a heartbeat, a result delivered
 * over HTTP): still current (`stop`: finish and stop), or fenced: the attempt was replaced or is
 * not executing here, so the runner must stop at once and publish nothing.
 */
export type AttemptAnswer = { fenced: false; stop: boolean } | { fenced: true; reason: string };

/** 200 answer; a fenced attempt gets a 409 (code `fenced`) and the runner must stop. */
export interface HeartbeatAnswer {
  ok: true;
  stop: boolean;
}
