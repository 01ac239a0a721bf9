/**
 * Why a store refuses an attempt's commit (RunStore.commitOutputs): the attempt is no longer
 * running (whoever took the run over ended it as lost, or it ended before), or, in a shared store,
 * another daemon drives the run now, or the remote worker's lease on it is no longer held by the
 * store's clock. Nothing of such a commit is written: a step is committed once.
 */
import { FencedError, LeaseNotHeldError } from '../model/errorCodes';

export function notRunningAttempt(invocationId: string, attempt: number, status: string | undefined): FencedError {
  return new FencedError(`attempt ${attempt} of "${invocationId}" is ${status === undefined ? 'not in the store' : `no longer running (it is ${status})`}: its outputs are not committed`);
}

export function drivenElsewhere(runId: string, invocationId: string, attempt: number, driver: string | null): FencedError {
  return new FencedError(`run ${runId} is driven by ${driver === null ? 'no daemon' : `daemon ${driver}`} now, not by this one: attempt ${attempt} of "${invocationId}" is not committed`);
}

export function leaseNotHeld(invocationId: string, attempt: number, owner: string | null, state: string, overdueMs: number | null): LeaseNotHeldError {
  const why = state === 'running' && overdueMs !== null ? `expired ${Math.round(overdueMs)} ms ago by the database's clock` : `is ${state}`;
  return new LeaseNotHeldError(`the lease of worker ${owner ?? '(none)'} on attempt ${attempt} of "${invocationId}" ${why}: its outputs are not committed`);
}
