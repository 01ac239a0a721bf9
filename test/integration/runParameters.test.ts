import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { extractModuleManifest } from '../../runtime/src/prepare/typeExtract';
import { ApiError } from '../../runtime/src/api/client';
import { connectDaemon, stopDaemon } from '../../runtime/src/api/daemonControl';
import { cli, lastJson, type CliResult } from '../support/cli';
import { tempProject } from '../support/tempDir';

const SOURCE = `import { pipeline, step } from 'pipewright';

export const split = step(function split(file: string, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, index) => file + '#' + index);
});

export const chunked = pipeline(function chunked(file: string, chunks: number) {
  split(file, chunks);
});
`;

function project(): { dir: string; file: string; store: string; config(text: string): string } {
  const dir = tempProject();
  const file = path.join(dir, 'chunked.ts');
  fs.writeFileSync(file, SOURCE);
  let n = 0;
  return {
    dir,
    file,
    store: path.join(dir, 'store'),
    config: (text) => {
      const config = path.join(dir, `run-${++n}.yaml`);
      fs.writeFileSync(config, text);
      return config;
    },
  };
}

function oneLineError(result: CliResult): string {
  assert.equal(result.code, 2, `exit code (stdout: ${result.stdout}, stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  return lines[0];
}

async function runCount(store: string, cwd: string): Promise<number> {
  // Refused before the run was created: the store has no database yet.
  if (!fs.existsSync(path.join(store, 'pipewright.db'))) return 0;
  const listed = await cli(['--store', store, 'runs', 'list', '--json'], { cwd });
  return (JSON.parse(listed.stdout) as unknown[]).length;
}

/** Bad input, as the API's error-code table answers it (400 or 422). */
const isInputStatus = (status: number) => status === 400 || status === 422;

describe('run parameters from a YAML config get the checks --param gets, before the run starts', () => {
  it('a text for a number parameter exits 2 naming the config file, the parameter and the type', async () => {
    const p = project();
    const config = p.config('parameters: { file: data.csv, chunks: "two" }\n');
    const line = oneLineError(await cli(['--store', p.store, 'run', p.file, '--config', config, '--no-daemon'], { cwd: p.dir }));
    assert.ok(line.includes(`${config}: parameters.chunks: expected number`), line);
    assert.equal(await runCount(p.store, p.dir), 0, 'no run was created');
  });

  it('a number for a string parameter exits 2 (not 1 when the step runs)', async () => {
    const p = project();
    const config = p.config('parameters: { file: 5, chunks: 2 }\n');
    const line = oneLineError(await cli(['--store', p.store, 'run', p.file, '--config', config], { cwd: p.dir }));
    assert.ok(line.includes(`${config}: parameters.file: expected string, got number (5)`), line);
    assert.equal(await runCount(p.store, p.dir), 0, 'no run was created');
  });

  it('a per-step override in the config is checked against the step\'s declared type too', async () => {
    const p = project();
    const config = p.config('parameters: { file: data.csv, chunks: 2 }\nsteps:\n  split:\n    parameters: { chunks: "two" }\n');
    const line = oneLineError(await cli(['--store', p.store, 'run', p.file, '--config', config, '--no-daemon'], { cwd: p.dir }));
    assert.match(line, /steps\.split\.parameters\.chunks: expected number, got string \("two"\)/);
    assert.equal(await runCount(p.store, p.dir), 0, 'no run was created');
  });

  it('--param says where its value came from too', async () => {
    const p = project();
    const line = oneLineError(await cli(['--store', p.store, 'run', p.file, '--param', 'file=x', '--param', 'chunks=two', '--no-daemon'], { cwd: p.dir }));
    assert.match(line, /--param chunks: expected a number, got "two"/);
  });

  it('right values run, and a --param overrides the config value it replaces', async () => {
    const p = project();
    const good = await cli(['--store', p.store, 'run', p.file, '--config', p.config('parameters: { file: data.csv, chunks: 2 }\n'), '--json', '--no-daemon'], { cwd: p.dir });
    assert.equal(good.code, 0, good.stderr);
    const first = lastJson<{ runId: string; status: string }>(good);
    assert.equal(first.status, 'completed');
    const chunks = await cli(['--store', p.store, 'artifacts', 'get', first.runId, 'split'], { cwd: p.dir });
    assert.deepEqual(JSON.parse(chunks.stdout), ['data.csv#0', 'data.csv#1']);
    const overridden = await cli(['--store', p.store, 'run', p.file, '--config', p.config('parameters: { file: data.csv, chunks: "two" }\n'), '--param', 'chunks=3', '--json', '--no-daemon'], { cwd: p.dir });
    assert.equal(overridden.code, 0, overridden.stderr);
    const second = lastJson<{ runId: string }>(overridden);
    assert.equal(JSON.parse((await cli(['--store', p.store, 'artifacts', 'get', second.runId, 'split'], { cwd: p.dir })).stdout).length, 3);
  });

  it('an API submit with a wrong value is refused as bad input (4xx) naming the parameter, and creates no run', async () => {
    const p = project();
    const client = await connectDaemon(p.store);
    try {
      const bundle = await bundlePipelineFile(p.file, p.store);
      const submit = (parameters: Record<string, unknown>) =>
        client.submitRun({ file: p.file, target: { kind: 'pipeline', name: 'chunked' }, parameters: encodeStructured(parameters) as Record<string, unknown>, bundle: fs.readFileSync(bundle.path, 'utf8'), manifest: extractModuleManifest(p.file) });
      await assert.rejects(submit({ file: 'data.csv', chunks: 'two' }), (error: ApiError) => isInputStatus(error.status) && /request: parameters\.chunks: expected number, got string/.test(error.message));
      await assert.rejects(submit({ file: 'data.csv', chunks: 2, extra: true }), (error: ApiError) => isInputStatus(error.status) && /request: parameters\.extra: "chunked" has no parameter "extra" \(parameters: file, chunks; "chunked" is at .*chunked\.ts:7:\d+\)/.test(error.message));
      // Without a manifest the runner's compile is the check: it names the pipeline's source line too.
      await assert.rejects(
        client.submitRun({ file: p.file, target: { kind: 'pipeline', name: 'chunked' }, parameters: encodeStructured({ file: 'x', chunks: 1, extra: 1 }) as Record<string, unknown>, bundle: fs.readFileSync(bundle.path, 'utf8') }),
        (error: ApiError) => isInputStatus(error.status) && error.message.includes(`${p.file}:7:`) && /has no parameter "extra"/.test(error.message),
      );
      assert.deepEqual(await client.listRuns({}), []);
    } finally {
      await stopDaemon(p.store);
    }
  });
});
