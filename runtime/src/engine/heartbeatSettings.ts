import type { HeartbeatSettings } from '../model/dag';
import type { AttemptHeartbeat } from '../model/heartbeatProtocol';
import type { RunRecord } from '../store/records';
import { heartbeatFromEnv, type Environment } from '../model/environment';

/** Effective heartbeat timing of one attempt, in milliseconds. */
export interface HeartbeatTiming {
  intervalMs: number;
  timeoutMs: number;
  startTimeoutMs: number;
}

export const DEFAULT_HEARTBEAT_INTERVAL_S = 5;

/**
 * Step (or its pipeline's) settings win over the run's, which win over the environment
 * (`PIPEWRIGHT_HEARTBEAT_INTERVAL`, `PIPEWRIGHT_HEARTBEAT_TIMEOUT`, seconds) and the default:
 * a beat every 5 s, lost after 3 missed intervals.
 */
export function heartbeatTiming(node: HeartbeatSettings | undefined, run: HeartbeatSettings | undefined, env: Environment = process.env): HeartbeatTiming {
  const fromEnv = heartbeatFromEnv(env);
  const interval = node?.interval ?? run?.interval ?? fromEnv.interval ?? DEFAULT_HEARTBEAT_INTERVAL_S;
  const timeout = node?.timeout ?? run?.timeout ?? fromEnv.timeout ?? interval * 3;
  const intervalMs = Math.max(10, interval * 1000);
  const timeoutMs = Math.max(intervalMs, timeout * 1000);
  // Spawning a runner and loading the bundle comes before the first beat.
  return { intervalMs, timeoutMs, startTimeoutMs: Math.max(2 * timeoutMs, 3000) };
}

/** The heartbeat settings the attempts of invocation `invocationId` of a stored run get (its step's, else the run's, else the default). */
export function attemptHeartbeatOf(run: Pick<RunRecord, 'dag' | 'options'>, invocationId: string, env: Environment = process.env): AttemptHeartbeat {
  const node = run.dag.nodes.find((candidate) => candidate.id === invocationId);
  const { intervalMs, timeoutMs } = heartbeatTiming(node?.options.heartbeat, (run.options as { heartbeat?: HeartbeatSettings }).heartbeat, env);
  return { intervalMs, timeoutMs };
}
