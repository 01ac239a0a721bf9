/**
 * The artifacts a job may read: its task's input artifacts, and the outputs of the child runs
 * it asked for, nothing else. The worker wire serves a job's artifacts only from this set, so a
 * worker token reads no run's data beyond what the jobs it claimed need.
 */
import type { ArtifactRef } from '../model/artifactRef';
import type { ChildRunOutcome } from '../model/runnerProtocol';
import type { WorkerJob } from '../model/workerProtocol';

/** The job's input artifacts, each once (a compile job reads none). */
export function jobInputRefs(job: WorkerJob): ArtifactRef[] {
  const refs = new Map<string, ArtifactRef>();
  if (job.kind === 'compile') return [];
  for (const input of Object.values(job.task.inputs)) {
    const items = input.kind === 'fanIn' ? input.items : [input];
    for (const item of items) if (item.kind === 'artifact') refs.set(item.ref.hash, item.ref);
  }
  return [...refs.values()];
}

/** The content addresses of the job's input artifacts. */
export function jobInputHashes(job: WorkerJob): Set<string> {
  return new Set(jobInputRefs(job).map((ref) => ref.hash));
}

/** The content addresses of a child run's outputs (handed back to the job that asked for it). */
export function childRunOutputHashes(outcome: ChildRunOutcome): string[] {
  return Object.values(outcome.outputs).flatMap((refs) => [refs].flat().map((ref) => ref.hash));
}
