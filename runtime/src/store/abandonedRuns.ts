import { isProcessAlive } from '../system/processAlive';
import type { RunRecord } from './runStore';

/**
 * A run is abandoned when it is still `running` but what drives it (its engine) is gone. A run
 * driven by a daemon of a shared store (`engineInstance`) is abandoned once that daemon no longer
 * holds the store's claim: `leader` is the instance that holds it now (the caller: only the leader
 * resumes), so any other one is gone, on whatever machine it ran. Otherwise the engine is a
 * process of this machine (a daemon of a one-daemon store, or a CLI running it in-process): gone
 * when dead, a zombie nobody reaped, or its pid reused by another process. Whoever finds one
 * resumes it (see Orchestrator.resumeAbandoned).
 */
export function isAbandoned(run: RunRecord, leader?: string): boolean {
  if (run.status !== 'running') return false;
  // Only the leader can tell (a caller that is none, a CLI, leaves such runs to the leader's own scan).
  if (run.engineInstance) return leader !== undefined && run.engineInstance !== leader;
  return run.enginePid === null || !isProcessAlive(run.enginePid, run.engineIdentity);
}
