import { isProcessAlive } from '../system/processAlive';
import type { RunRecord } from './runStore';

/**
 * A run is abandoned when it is still `running` but the process that drives it (its engine:
 * a daemon, or a CLI running it in-process) is gone: dead, a zombie nobody reaped, or its pid
 * reused by another process. Whoever finds one resumes it (see Orchestrator.resumeAbandoned).
 */
export function isAbandoned(run: RunRecord): boolean {
  return run.status === 'running' && (run.enginePid === null || !isProcessAlive(run.enginePid, run.engineIdentity));
}
