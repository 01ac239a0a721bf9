// Stacks and compile-error locations from a runner name the author's source even after the
// runner's garbage was collected: Node 20 holds a CommonJS module's source map only as long as
// the module object lives, so the runner must keep its bundle's module reachable.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pipelineTarget } from '../../runtime/src/model/runTarget';
import type { Launcher } from '../../runtime/src/engine/launcher';
import type { ExecuteTask } from '../../runtime/src/model/runnerProtocol';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { localLauncher } from '../../runtime/src/runnerPool/runnerPool';
import { PipelineCompileError } from '../../runtime/src/sdk/compile';
import { fixture, repoRoot, tempDir } from '../support/tempDir';

const source = fixture('pipelines', 'collectsGarbage.ts');
const lineOf = (text: string): number => fs.readFileSync(source, 'utf8').split('\n').findIndex((line) => line.includes(text)) + 1;

const dir = tempDir('pipewright-sourcemaps-');
let launcher: Launcher;
before(async () => {
  const storeDir = path.join(dir, 'store');
  const bundle = await bundlePipelineFile(source, storeDir);
  const config = { bundlePath: bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir: dir, projectDir: repoRoot };
  launcher = localLauncher(config, { onLog: () => undefined, onChildRun: () => Promise.reject(new Error('no child run expected')) });
});
after(() => launcher.close());

void describe('runner source maps after a garbage collection', () => {
  void it("a step's stack points at its source line", async () => {
    const dag = await launcher.compile(pipelineTarget('collected'), {});
    const node = dag.nodes.find((n) => n.id === 'failsAfterCollecting');
    assert.ok(node, 'the pipeline has the failing invocation');
    const inputs: ExecuteTask['inputs'] = {};
    for (const [name, binding] of Object.entries(node.inputs)) if (binding.kind === 'value') inputs[name] = binding;
    const run = { runId: 'sourcemaps-run', runName: 'sourcemaps', pipeline: 'collected', target: pipelineTarget('collected'), parameters: {} };
    const outcome = await launcher.execute({ run, invocationId: node.id, stepName: node.step, attempt: 1, inputs, inputTypes: {} }, () => undefined);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.stack, `RangeError: refused: no\n    at Object.failsAfterCollecting (${source}:${lineOf('throw new RangeError')}:9)`);
  });

  void it('a compile error is located at the call in the source', async () => {
    await assert.rejects(launcher.compile(pipelineTarget('miswiredAfterCollecting'), {}), (error: unknown) => {
      assert.ok(error instanceof PipelineCompileError, String(error));
      assert.match(error.message, /step "failsAfterCollecting" takes 1 argument\(s\) but was given 2/);
      assert.equal(error.location?.file, source);
      assert.equal(error.location?.line, lineOf('(failsAfterCollecting as unknown'));
      return true;
    });
  });
});
