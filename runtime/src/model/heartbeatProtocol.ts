/** Where and how often a runner renews the lease of the attempt it executes. */
export interface LeaseGrant {
  url: string;
  token: string;
  intervalMs: number;
  timeoutMs: number;
}

/** Messages from the runner's main thread to its heartbeat worker. */
export type HeartbeatCommand =
  | ({ type: 'start'; runId: string; invocationId: string; attempt: number } & LeaseGrant)
  | { type: 'stop' };

/** Body of a heartbeat request (POST /v1/heartbeats). */
export interface HeartbeatRequest {
  runId: string;
  invocationId: string;
  attempt: number;
}

/** 200 answer; a 409 answer means the attempt is fenced and the runner must stop. */
export interface HeartbeatAnswer {
  ok: true;
  stop: boolean;
}
