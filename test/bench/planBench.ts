/**
 * The plan before a run (`pipewright plan`, `POST /v1/plan`, the DAG's badges) of a 1,000-step
 * chain whose every step has a cache entry, beside what a run does before its first step in the
 * same process: bundle, manifest and compile the same pipeline in a runner. Their difference is
 * the prediction (1,000 cache lookups and keys), also timed alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileRequest, runOverrides } from '../../runtime/src/engine/session';
import { predictPlan } from '../../runtime/src/engine/planPrediction';
import { planPipelineFile } from '../../runtime/src/launch/planPipelineFile';
import { preparePipelineFile } from '../../runtime/src/launch/runPipelineFile';
import { localLauncher } from '../../runtime/src/runnerPool/runnerPool';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { runtimeVersion } from '../../runtime/src/system/packagePaths';
import { project, timedRun, writePipeline, type BenchLine } from './engineBench';

const ROUNDS = 3;

async function best(round: () => Promise<void>): Promise<{ best: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await round();
    all.push(performance.now() - start);
  }
  return { best: Math.min(...all), all };
}

export async function planBench(): Promise<BenchLine[]> {
  const dir = project();
  try {
    const storeDir = path.join(dir, '.pipewright');
    const file = writePipeline(dir, 'chain', '  let value = noop(n);\n  for (let i = 1; i < 1000; i++) value = noop(value);');
    // The run below runs in this process's working folder (part of every key): so do the plans.
    const request = { file, parameters: { n: 0 }, options: { storeDir } };
    // Every step gets a cache entry: the plan then looks each one up and keys the next from its outputs.
    await timedRun(file, storeDir, true);
    let dagForPrediction: Awaited<ReturnType<typeof compileRequest>>['dag'] | undefined;
    const compile = await best(async () => {
      const prepared = await preparePipelineFile(request);
      const pool = localLauncher({ bundlePath: prepared.bundle.path, artifactsDir: path.join(storeDir, 'artifacts'), workingDir: prepared.workingDir, projectDir: prepared.projectDir }, { onLog: () => undefined, onChildRun: () => Promise.reject(new Error('no child runs')) });
      try {
        dagForPrediction = (await compileRequest(pool, { target: prepared.target, parameters: prepared.parameters, options: request.options }, prepared.manifest)).dag;
      } finally {
        await pool.close();
      }
    });
    let reused = 0;
    const plan = await best(async () => {
      const planned = await planPipelineFile(request);
      reused = planned.steps.filter((step) => step.action === 'reuse').length;
    });
    if (reused !== 1000) throw new Error(`the plan reuses ${reused}/1000 steps`);
    const store = await openRunStore(storeDir, 'readOnly');
    const dag = dagForPrediction;
    if (!dag) throw new Error('nothing compiled');
    const predict = await best(async () => {
      await predictPlan({ dag, cache: runOverrides({}), store, runtimeVersion, workingDir: process.cwd(), now: Date.now(), customKey: () => Promise.reject(new Error('no custom keys here')) });
    }).finally(() => store.close());
    const list = (times: number[]) => times.map((ms) => ms.toFixed(0)).join(', ');
    return [
      {
        name: 'plan of a 1,000-step chain, every step cached (bundle, manifest, compile in a runner, 1,000 predictions)',
        value: `${plan.best.toFixed(0)} ms (best of ${ROUNDS}: ${list(plan.all)}); the predictions alone ${predict.best.toFixed(0)} ms (${(predict.best / 1000).toFixed(2)} ms/step; ${list(predict.all)})`,
        baseline: `what a run does before its first step, the same pipeline: bundle, manifest and compile in a runner: ${compile.best.toFixed(0)} ms (${list(compile.all)}); the plan is ${(plan.best / compile.best).toFixed(2)}× that`,
        target: 'under 2× the compile (the DAG badges replan on every save)',
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
