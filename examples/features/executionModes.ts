// Execution modes: what the rest of the DAG does when a step fails.
//
//   node runtime/bin/pipewright.js run examples/features/executionModes.ts                        (continueOnFailure, the default)
//   node runtime/bin/pipewright.js run examples/features/executionModes.ts --mode stopOnFailure
//   node runtime/bin/pipewright.js run examples/features/executionModes.ts --mode failFast
//
// `breaks` fails while `independent` (which does not depend on it) is still running:
//
//   mode               independent  afterIndependent  afterBreaks
//   continueOnFailure  completed    completed         skipped
//   stopOnFailure      completed    skipped           skipped     (running steps finish, nothing new starts)
//   failFast           cancelled    skipped           skipped     (running steps are stopped)
//
// To make that order certain, the two steps signal each other through marker files in a folder
// named after the run: `breaks` fails only once `independent` has started, and `independent`
// finishes only once the failure of `breaks` has been handled (its failure hook ran).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getStepContext, pipeline, step, type StepContext } from 'pipewright';

/** The folder where this run's steps leave their marker files. */
export function markerDir(runId: string): string {
  return path.join(os.tmpdir(), `pipewright-modes-${runId}`);
}

function marker(context: StepContext, name: string): string {
  const dir = markerDir(context.runId);
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

async function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const breaks = step(
  {
    // Runs after the engine recorded the failure (and, in failFast, stopped `independent`).
    onFailure: (error, context) => {
      console.log(`breaks failed: ${error.message}`);
      fs.writeFileSync(marker(context, 'breaks-failed'), '');
    },
  },
  async function breaks(): Promise<number> {
    await waitForFile(marker(getStepContext(), 'independent-started'));
    throw new Error('the upstream service is down');
  },
);

export const independent = step(async function independent(): Promise<number> {
  const context = getStepContext();
  fs.writeFileSync(marker(context, 'independent-started'), '');
  await waitForFile(marker(context, 'breaks-failed'));
  fs.rmSync(markerDir(context.runId), { recursive: true, force: true });
  console.log('independent work done');
  return 42;
});

export const useResult = step(function useResult(value: number): string {
  return `used ${value}`;
});

export const executionModes = pipeline(
  // Every run must really execute both steps (a cached step would not signal), so no caching.
  { executionMode: 'continueOnFailure', enableCache: false },
  function executionModes() {
    const broken = breaks();
    const done = independent();
    useResult.with({ id: 'afterBreaks' })(broken);
    useResult.with({ id: 'afterIndependent' })(done);
  },
);
