import { cli, lastJson } from './cli';

/** What `runs show --json` prints, as far as the fault tests look at it. */
export interface RunDetailJson {
  runId: string;
  status: string;
  steps: { id: string; status: string; attempts: number; history: { attempt: number; status: string; error: { name: string; message: string } | null }[] }[];
}

/** Polls `runs show` (the real CLI) until the run is no longer running. */
export async function finalRunDetail(store: string, runId: string, timeoutMs = 90_000): Promise<RunDetailJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const detail = lastJson<RunDetailJson>(await cli(['--store', store, 'runs', 'show', runId, '--json']));
    if (detail.status !== 'running') return detail;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms: ${JSON.stringify(detail)}`);
  }
}
