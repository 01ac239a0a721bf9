// `pipewright plan` on every example, checked against the runs that follow: the first (nothing
// stored) and the second (reuse). Real CLI processes on a real SQLite store; needs the built runtime.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { planThenRun } from '../support/planCheck';
import { repoRoot, tempDir } from '../support/tempDir';

const EXAMPLES: { file: string; args: string[] }[] = [
  { file: 'examples/iris/pipeline.ts', args: [] },
  { file: 'examples/features/caching.ts', args: [] },
  { file: 'examples/features/composition.ts', args: ['--pipeline', 'report'] },
  { file: 'examples/features/executionModes.ts', args: [] },
  { file: 'examples/features/fanOutFanIn.ts', args: ['--pipeline', 'fanOutFanIn'] },
  { file: 'examples/features/hooks.ts', args: [] },
  { file: 'examples/features/materializers.ts', args: [] },
  { file: 'examples/features/retries.ts', args: [] },
  { file: 'examples/features/runNames.ts', args: ['--pipeline', 'adhoc'] },
];

describe('pipewright plan on the examples', () => {
  it('predicts every run of every example: the first (nothing stored) and the second (reuse)', { timeout: 900_000 }, async () => {
    const store = path.join(tempDir('pipewright-plan-'), 'store');
    // Three lanes at once (one store, one daemon): a run mostly waits on processes starting.
    const lanes = [0, 1, 2].map((lane) => EXAMPLES.filter((_, i) => i % 3 === lane));
    await Promise.all(lanes.map((lane) => planLane(store, lane)));
  });
});

async function planLane(store: string, examples: typeof EXAMPLES): Promise<void> {
  for (const example of examples) {
    const args = [example.file, ...example.args];
    const first = await planThenRun(store, args, repoRoot, `${example.file} (first run)`);
    assert.equal(first.checked.reuse, 0, `${example.file}: nothing to reuse in a new store`);
    const second = await planThenRun(store, args, repoRoot, `${example.file} (second run)`);
    const reusable = second.planned.steps.filter((s) => s.action === 'reuse').length;
    // These two pipelines turn their cache off: every attempt must really happen.
    if (/(retries|executionModes)\.ts$/.test(example.file)) assert.ok(second.planned.steps.every((s) => s.reason === 'cache off'), `${example.file}: ${JSON.stringify(second.planned.steps)}`);
    else assert.ok(reusable > 0, `${example.file}: the second run reuses something`);
  }
}
