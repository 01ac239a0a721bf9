import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { systemClock, type Clock } from '../../runtime/src/engine/clock';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { cli, lastJson } from '../support/cli';
import { tempProject } from '../support/tempDir';

const PIPELINE = `
import * as fs from 'node:fs';
import { step, pipeline, fileHash } from 'pipewright';

const rows = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\\n').length;

// Keyed on the file's content, not its name.
export const loadSales = step({ cacheKey: ({ file }) => fileHash(file as string) }, function loadSales(file: string): number {
  return rows(file);
});
export const sales = pipeline(function sales(file = 'data/sales.csv') { loadSales(file); });

// Reused for an hour at most.
export const hourly = step({ cacheExpiresAfter: '1h' }, function hourly(file: string): number {
  return rows(file);
});
export const report = pipeline(function report(file = 'data/sales.csv') { hourly(file); });

// A cacheKey that cannot compute (the file is missing) fails the step, saying why.
export const missing = pipeline(function missing(file = 'data/nowhere.csv') { loadSales(file); });
`;

function project(): string {
  const dir = tempProject();
  fs.writeFileSync(path.join(dir, 'pipeline.ts'), PIPELINE);
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'sales.csv'), 'day,amount\nmon,3\n');
  return dir;
}

async function runSales(dir: string): Promise<{ cached: boolean; rows: string }> {
  // Through the daemon: the step's cacheKey runs in one of its runners.
  const result = await cli(['run', 'pipeline.ts', '--pipeline', 'sales', '--json'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  const summary = lastJson<RunSummary>(result);
  assert.equal(summary.status, 'completed', JSON.stringify(summary));
  const artifact = await cli(['artifacts', 'get', summary.runId, 'loadSales'], { cwd: dir });
  return { cached: summary.steps[0].cached, rows: artifact.stdout.trim() };
}

/** The system clock moved forward by `offset.ms`: the engine reads cache entry ages from it. */
function offsetClock(offset: { ms: number }): Clock {
  return { now: () => Date.now() + offset.ms, setTimer: systemClock.setTimer };
}

describe('cache correctness for data in files', () => {
  it('a cacheKey with fileHash misses after the CSV is edited and hits while it is unchanged', async () => {
    const dir = project();
    assert.deepEqual(await runSales(dir), { cached: false, rows: '2' });
    assert.deepEqual(await runSales(dir), { cached: true, rows: '2' }, 'unchanged: a hit');
    fs.appendFileSync(path.join(dir, 'data', 'sales.csv'), 'tue,5\n');
    assert.deepEqual(await runSales(dir), { cached: false, rows: '3' }, 'edited: a miss, and the new content is read');
    assert.deepEqual(await runSales(dir), { cached: true, rows: '3' });
  });

  it('cacheExpiresAfter: a hit within the expiry, a miss once it has elapsed', async () => {
    const dir = project();
    const offset = { ms: 0 };
    const run = (): Promise<RunSummary> => runPipelineFile({ file: path.join(dir, 'pipeline.ts'), pipeline: 'report', workingDir: dir, clock: offsetClock(offset) });
    assert.equal((await run()).steps[0].cached, false);
    offset.ms = 59 * 60_000;
    assert.equal((await run()).steps[0].cached, true, '59 minutes later: still fresh');
    offset.ms = 61 * 60_000;
    const expired = await run();
    assert.equal(expired.status, 'completed');
    assert.equal(expired.steps[0].cached, false, '61 minutes later: expired, so the step runs again');
    offset.ms = 62 * 60_000;
    assert.equal((await run()).steps[0].cached, true, 'the fresh entry written by the re-run is reused');
  });

  it('a cacheKey that throws fails the step with its message', async () => {
    const dir = project();
    const summary = await runPipelineFile({ file: path.join(dir, 'pipeline.ts'), pipeline: 'missing', workingDir: dir });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.steps[0].status, 'failed');
    assert.equal(summary.steps[0].error?.message, `cacheKey of step "loadSales" threw: fileHash: no file or folder at ${path.join(dir, 'data', 'nowhere.csv')}`);
  });

  it('a cacheExpiresAfter that is not a duration is bad input naming the step and where', async () => {
    const dir = project();
    fs.writeFileSync(
      path.join(dir, 'bad.ts'),
      "import { step, pipeline } from 'pipewright';\nexport const s = step({ cacheExpiresAfter: 'soon' }, function s(): number { return 1; });\nexport const p = pipeline(function p() { s(); });\n",
    );
    const result = await cli(['run', 'bad.ts', '--no-daemon'], { cwd: dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr.trim(), /^pipewright: .*bad\.ts:3:\d+: step "s": cacheExpiresAfter "soon" is not a duration; use seconds \(a number > 0\) or a string like '90s', '15m', '1h', '2d'$/);
  });
});
