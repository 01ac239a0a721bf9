import { setTimeout as delay } from 'node:timers/promises';
import type { EngineEvent } from '../model/events';
import { isTerminalRunStatus, type RunStatus } from '../model/status';
import type { OrchestratorClient } from '../api/client';
import type { RunDetail } from '../api/protocol';

/** How often the run's status is also checked while its events are followed. */
const STATUS_CHECK_MS = 2000;
/** How long the last status read may take once the caller gave up waiting. */
const GIVEN_UP_READ_MS = 5000;

/**
 * Follows one run's events on the orchestrator's stream (`GET /v1/events?run=`, replayed from
 * the run's start, then live; the client resumes after a dropped connection) until the run ends,
 * and returns its final detail. A run can end without its end reaching the stream (it ran
 * outside the orchestrator, or a CLI marked its dead engine crashed): a status check every
 * {@link STATUS_CHECK_MS} ms that finds it ended twice in a row stops the wait, so nothing
 * waits forever. `streamed` says whether any event of the run came. Aborting `giveUp` stops
 * the wait too (the last status read is then bounded, for an orchestrator that answers nothing).
 */
export async function followRunEvents(
  client: OrchestratorClient,
  runId: string,
  onEvent: (event: EngineEvent) => void,
  checkEveryMs = STATUS_CHECK_MS,
  giveUp?: AbortSignal,
): Promise<{ detail: RunDetail; streamed: boolean }> {
  const stop = new AbortController();
  const onGiveUp = () => stop.abort();
  giveUp?.addEventListener('abort', onGiveUp, { once: true });
  let streamed = false;
  let ended: RunStatus | undefined;
  const watchdog = (async () => {
    for (let endedChecks = 0; endedChecks < 2; ) {
      await delay(checkEveryMs, undefined, { signal: stop.signal });
      const detail = await client.getRun({ run: runId }, { signal: stop.signal }).catch(() => undefined);
      endedChecks = detail && isTerminalRunStatus(detail.status) ? endedChecks + 1 : 0;
    }
    stop.abort();
  })().catch(() => undefined);
  try {
    await client.follow(
      (event) => {
        const data = event.data as EngineEvent;
        streamed = true;
        onEvent(data);
        if (data.type === 'run' && isTerminalRunStatus(data.status)) ended = data.status;
        return ended !== undefined;
      },
      { runId, signal: stop.signal },
    );
  } finally {
    stop.abort();
    giveUp?.removeEventListener('abort', onGiveUp);
    await watchdog;
  }
  const detail = await client.getRun({ run: runId }, { signal: giveUp?.aborted ? AbortSignal.timeout(GIVEN_UP_READ_MS) : undefined });
  // The store may lag behind the stream (a full disk refused the final status): the stream saw the end.
  return { detail: ended !== undefined && detail.status === 'running' ? { ...detail, status: ended } : detail, streamed };
}
