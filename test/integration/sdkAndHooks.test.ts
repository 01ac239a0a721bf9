import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadArtifact } from '../../runtime/src/launch/publicApi';
import type { Pipeline } from '../../runtime/src/sdk/pipeline';
import { runPipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, lastJson } from '../support/cli';
import { waitForAsync } from '../support/waitFor';
import { fixture, repoRoot, tempDir, tempProject } from '../support/tempDir';

describe('pipeline.run() from the SDK', async () => {
  it('bundles the defining file, runs it and returns the summary', async () => {
    const { basics } = (await import(fixture('pipelines', 'basics.ts'))) as { basics: Pipeline };
    const storeDir = path.join(tempDir(), 'store');
    const summary = await basics.run({ count: 4 }, { storeDir, runName: 'sdk-run' });
    assert.equal(summary.status, 'completed');
    assert.equal(summary.runName, 'sdk-run');
    assert.equal(await loadArtifact({ run: 'sdk-run', step: 'combine', storeDir }), 36);
  });
});

describe('detached runs from the SDK', async () => {
  it('returns the run id at once; the daemon finishes the run', async () => {
    const { slow } = (await import(fixture('pipelines', 'slow.ts'))) as { slow: Pipeline };
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const marker = path.join(dir, 'go');
    const summary = await slow.run({ marker }, { storeDir, detach: true });
    assert.equal(summary.status, 'running');
    fs.writeFileSync(marker, '');
    await waitForAsync('the detached run to finish', async () => {
      const store = await openRunStore(storeDir, 'readWrite');
      try {
        return (await store.getRun(summary.runId))?.status === 'completed';
      } finally {
        await store.close();
      }
    });
    assert.equal(await loadArtifact({ run: summary.runId, step: 'after', storeDir }), 'RELEASED');
  });
});

describe('cache invalidation on code changes', () => {
  it("re-runs exactly the changed step and what depends on it", async () => {
    const dir = tempProject();
    const file = path.join(dir, 'pipe.ts');
    const source = (addend: number) => `import { pipeline, step } from 'pipewright';
export const a = step(function a(x: number): number { return x + 1; });
export const b = step(function b(x: number): number { return x + ${addend}; });
export const c = step(function c(x: number): number { return x * 3; });
export const d = step(function d(x: number): number { return x - 1; });
export const p = pipeline(function p(n: number) { const one = a(n); c(b(one)); d(one); });
`;
    fs.writeFileSync(file, source(10));
    const storeDir = path.join(dir, '.pipewright');
    const first = await runPipelineFile({ file, parameters: { n: 1 } });
    assert.equal(first.status, 'completed');
    assert.ok(fs.existsSync(path.join(storeDir, 'pipewright.db')), 'default store at the project root');
    fs.writeFileSync(file, source(20));
    const second = await runPipelineFile({ file, parameters: { n: 1 } });
    assert.deepEqual(Object.fromEntries(second.steps.map((s) => [s.id, s.status])), { a: 'cached', b: 'completed', c: 'completed', d: 'cached' });
    assert.equal(await loadArtifact({ run: second.runId, step: 'c', storeDir }), (2 + 20) * 3);
  });
});

describe('webhook alerts', () => {
  it('posts a JSON alert to a webhook on failure (real HTTP on loopback)', async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method, type: request.headers['content-type'], body: JSON.parse(body) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempProject();
      const file = path.join(dir, 'alerting.ts');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
      fs.writeFileSync(
        file,
        `import { pipeline, step, webhookAlert } from 'pipewright';
export const broken = step(function broken(): number { throw new Error('disk full'); });
export const fine = step(function fine(): number { return 1; });
export const alerting = pipeline({ ...webhookAlert({ url: ${JSON.stringify(url)}, on: ['failure', 'success'] }) }, function alerting() { broken(); fine(); });
`,
      );
      const summary = await runPipelineFile({ file });
      assert.equal(summary.status, 'failed');
      const bodies = received.map((r) => (r as { body: { event: string; step: string; error?: string; runName: string } }).body);
      assert.deepEqual(bodies.map((b) => `${b.event}:${b.step}`).sort(), ['failure:broken', 'success:fine']);
      assert.equal(bodies.find((b) => b.event === 'failure')?.error, 'disk full');
      assert.ok(bodies.every((b) => b.runName === summary.runName));
      assert.ok(received.every((r) => (r as { method: string; type: string }).method === 'POST' && (r as { type: string }).type === 'application/json'));
    } finally {
      server.close();
    }
  });
});

describe('custom materializer chosen per output', () => {
  it('stores one output with the named materializer and loads it back', async () => {
    const dir = tempProject();
    const file = path.join(dir, 'csv.ts');
    fs.writeFileSync(
      file,
      `import { pipeline, step, type Materializer } from 'pipewright';
const csv: Materializer<number[][]> = {
  name: 'csv@1',
  save: (rows) => rows.map((r) => r.join(',')).join('\\n'),
  load: (data) => data.toString('utf8').split('\\n').map((line) => line.split(',').map(Number)),
};
export const table = step({ outputs: ['grid', 'count'], materializers: { grid: csv } }, function table(): { grid: number[][]; count: number } {
  return { grid: [[1, 2], [3, 4]], count: 2 };
});
export const total = step(function total(grid: number[][]): number { return grid.flat().reduce((a, b) => a + b, 0); });
export const tables = pipeline(function tables() { total(table().grid); });
`,
    );
    const summary = await runPipelineFile({ file });
    assert.equal(summary.status, 'completed', JSON.stringify(summary));
    const saved = path.join(dir, 'grid.csv');
    const result = await cli(['--store', path.join(dir, '.pipewright'), 'artifacts', 'get', summary.runId, 'table.grid', '--out', saved]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(fs.readFileSync(saved, 'utf8'), '1,2\n3,4');
    assert.equal(await loadArtifact({ run: summary.runId, step: 'total', storeDir: path.join(dir, '.pipewright') }), 10);
  });
});

describe('interrupting the CLI', () => {
  it('SIGINT cancels the run: the running step is stopped and recorded cancelled, exit 130', async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
      const child = spawn(process.execPath, [path.join(repoRoot, 'runtime', 'bin', 'pipewright.js'), '--store', store, 'run', fixture('pipelines', 'slow.ts'), '--param', `marker=${path.join(dir, 'never')}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        if (stdout.includes('wait: waiting')) resolve();
      });
    });
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const runs = lastJson<{ runId: string; status: string; steps: { id: string; status: string }[] }[]>(await cli(['--store', store, 'runs', 'list', '--json'])) as unknown as {
      status: string;
      steps: { id: string; status: string }[];
    }[];
    assert.equal(runs[0].status, 'cancelled');
    assert.deepEqual(runs[0].steps.map((s) => [s.id, s.status]), [['wait', 'cancelled'], ['after', 'cancelled']]);
  });
});
