// `pipewright plan` against what the run then does: every prediction must come true. Real CLI
// processes (plan, then run through the daemon) on a real SQLite store, on the examples and on
// a seeded random sequence of edits to a generated pipeline. Needs the built runtime.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { PipelinePlan } from '../../runtime/src/launch/planPipelineFile';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { cli, lastJson } from '../support/cli';
import { env, oneLineError } from '../support/cliWorkflow';
import { repoRoot, tempDir, tempProject } from '../support/tempDir';

type Plan = PipelinePlan & { summary: { reuse: number; run: number } };

async function plan(store: string, args: string[], cwd: string): Promise<Plan> {
  const result = await cli(['--store', store, 'plan', ...args, '--json'], { cwd, env });
  assert.equal(result.code, 0, `plan ${args.join(' ')}: ${result.stderr}`);
  return lastJson<Plan>(result);
}

async function run(store: string, args: string[], cwd: string): Promise<RunSummary> {
  const result = await cli(['--store', store, 'run', ...args, '--json'], { cwd, env });
  const summary = lastJson<RunSummary>(result);
  assert.notEqual(summary.status, 'running', result.stderr);
  return summary;
}

/** What checking one plan found: how many predictions of each kind came true. */
interface Checked {
  reuse: number;
  run: number;
  conditional: number;
}

/**
 * Every `reuse` was cached and every `run` was not; a `run` with `unlessUnchanged` was cached
 * exactly when the named upstream outputs came out with the hashes it names.
 */
async function checkPlan(planned: Plan, summary: RunSummary, store: string, what: string): Promise<Checked> {
  assert.deepEqual(planned.steps.map((s) => s.id), summary.steps.map((s) => s.id), `${what}: the plan has the run's invocations`);
  const checked: Checked = { reuse: 0, run: 0, conditional: 0 };
  const reader = await openRunStore(store, 'readOnly');
  try {
    for (const predicted of planned.steps) {
      const actual = summary.steps.find((s) => s.id === predicted.id);
      const cached = actual?.status === 'cached';
      const said = `${what}: ${predicted.id} predicted ${predicted.action}${predicted.reason ? `: ${predicted.reason}` : ''} (${JSON.stringify(predicted)}), was ${actual?.status}`;
      if (predicted.action === 'reuse') {
        assert.ok(cached, said);
        checked.reuse += 1;
      } else if (predicted.unlessUnchanged) {
        let unchanged = true;
        for (const [from, outputs] of Object.entries(predicted.unlessUnchanged)) {
          const produced = await reader.getOutputs(summary.runId, from);
          for (const [output, hash] of Object.entries(outputs)) unchanged &&= produced[output]?.hash === hash;
        }
        assert.equal(cached, unchanged, `${said}; its upstream outputs came out ${unchanged ? 'unchanged' : 'changed'}`);
        checked.conditional += 1;
      } else {
        assert.ok(!cached, said);
        checked.run += 1;
      }
    }
  } finally {
    await reader.close();
  }
  const reuse = planned.steps.filter((s) => s.action === 'reuse').length;
  assert.deepEqual(planned.summary, { reuse, run: planned.steps.length - reuse }, `${what}: the summary counts the steps`);
  return checked;
}

async function planThenRun(store: string, args: string[], cwd: string, what: string): Promise<{ planned: Plan; checked: Checked }> {
  const planned = await plan(store, args, cwd);
  const summary = await run(store, args, cwd);
  return { planned, checked: await checkPlan(planned, summary, store, what) };
}

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
    for (const example of EXAMPLES) {
      const args = [example.file, ...example.args];
      const first = await planThenRun(store, args, repoRoot, `${example.file} (first run)`);
      assert.equal(first.checked.reuse, 0, `${example.file}: nothing to reuse in a new store`);
      const second = await planThenRun(store, args, repoRoot, `${example.file} (second run)`);
      const reusable = second.planned.steps.filter((s) => s.action === 'reuse').length;
      // These two pipelines turn their cache off: every attempt must really happen.
      if (/(retries|executionModes)\.ts$/.test(example.file)) assert.ok(second.planned.steps.every((s) => s.reason === 'cache off'), `${example.file}: ${JSON.stringify(second.planned.steps)}`);
      else assert.ok(reusable > 0, `${example.file}: the second run reuses something`);
    }
  });
});

/** The generated pipeline: invocation i is the one call of step `s<i>`. */
interface Fixture {
  /** The body's version per step: its output names it, so a new version gives new outputs. */
  versions: number[];
  /** The literal parameter of each invocation. */
  literals: number[];
  /** Each step's `enableCache` option (`undefined`: not set). */
  cache: (boolean | undefined)[];
  /** Which earlier invocations each one takes as inputs. */
  wiring: number[][];
  /** The pipeline parameter `scale` (passed with --param), an input of the first step. */
  scale: number;
  /** Run-level `--no-cache`. */
  noCache: boolean;
}

const STEPS = 5;
/** Step 1 computes its own cache key, from its input values. */
const CUSTOM_KEY_STEP = 1;

function source(fixture: Fixture): string {
  const lines = ["import { pipeline, step } from 'pipewright';", ''];
  for (let i = 0; i < STEPS; i++) {
    const inputs = fixture.wiring[i].map((up) => `in${up}: string`);
    const params = [...inputs, 'p: number'].join(', ');
    const parts = [...fixture.wiring[i].map((up) => `in${up}`), 'p'];
    const options: string[] = [];
    if (fixture.cache[i] !== undefined) options.push(`enableCache: ${fixture.cache[i]}`);
    if (i === CUSTOM_KEY_STEP) options.push('cacheKey: (inputs) => JSON.stringify(inputs)');
    const opening = options.length > 0 ? `step({ ${options.join(', ')} }, ` : 'step(';
    lines.push(`export const s${i} = ${opening}function s${i}(${params}): string {`);
    lines.push(`  return \`s${i}v${fixture.versions[i]}(\${[${parts.join(', ')}].join(',')})\`;`);
    lines.push('});');
  }
  lines.push('', 'export const edits = pipeline(function edits(scale: number = 1) {');
  for (let i = 0; i < STEPS; i++) {
    const args = [...fixture.wiring[i].map((up) => `o${up}`), i === 0 ? 'scale' : String(fixture.literals[i])];
    lines.push(`  const o${i} = s${i}(${args.join(', ')});`);
  }
  lines.push('  void [o0, o1, o2, o3, o4];', '});', '');
  return lines.join('\n');
}

/** A small seeded generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One random edit: a step's body (a new version, or back to an old one), a parameter, a cache switch, or the wiring. */
function edit(fixture: Fixture, next: () => number, fresh: () => number): string {
  const pick = (n: number) => Math.floor(next() * n);
  const i = pick(STEPS);
  switch (pick(5)) {
    case 0:
      fixture.versions[i] = next() < 0.3 ? pick(3) : fresh();
      return `body of s${i} -> v${fixture.versions[i]}`;
    case 1:
      if (i === 0) {
        fixture.scale = 1 + pick(3);
        return `--param scale=${fixture.scale}`;
      }
      fixture.literals[i] = pick(3);
      return `literal of s${i} -> ${fixture.literals[i]}`;
    case 2:
      fixture.cache[i] = [undefined, false, true][pick(3)];
      return `enableCache of s${i} -> ${fixture.cache[i]}`;
    case 3:
      fixture.noCache = next() < 0.25;
      return `--no-cache ${fixture.noCache ? 'on' : 'off'}`;
    default: {
      const target = 1 + pick(STEPS - 1);
      const candidates = Array.from({ length: target }, (_, up) => up).filter(() => next() < 0.5);
      fixture.wiring[target] = candidates.slice(0, 2);
      return `wiring of s${target} -> [${fixture.wiring[target].join(', ')}]`;
    }
  }
}

describe('pipewright plan on random edits of a pipeline', () => {
  it('every prediction of a seeded sequence of edits comes true', { timeout: 900_000 }, async () => {
    const dir = tempProject();
    const store = path.join(dir, 'store');
    const file = path.join(dir, 'edits.ts');
    const fixture: Fixture = { versions: [0, 0, 0, 0, 0], literals: [0, 0, 0, 0, 0], cache: [undefined, undefined, undefined, undefined, undefined], wiring: [[], [0], [0, 1], [2], [1, 3]], scale: 1, noCache: false };
    const next = random(14);
    let version = 100;
    const fresh = () => version++;
    const args = () => ['edits.ts', '--param', `scale=${fixture.scale}`, ...(fixture.noCache ? ['--no-cache'] : [])];
    fs.writeFileSync(file, source(fixture));
    const total: Checked = { reuse: 0, run: 0, conditional: 0 };
    const add = (checked: Checked) => {
      total.reuse += checked.reuse;
      total.run += checked.run;
      total.conditional += checked.conditional;
    };
    const empty = await plan(store, args(), dir);
    assert.ok(!fs.existsSync(path.join(store, 'pipewright.db')), 'planning creates no store');
    assert.deepEqual(empty.steps.map((s) => [s.id, s.action, s.reason]), [['s0', 'run', 'no entry yet'], ...[1, 2, 3, 4].map((i) => [`s${i}`, 'run', 'upstream will run'])]);
    add(await checkPlan(empty, await run(store, args(), dir), store, 'first run'));
    const edits = Number(process.env.PIPEWRIGHT_PLAN_EDITS ?? 24);
    for (let n = 1; n <= edits; n++) {
      const what = edit(fixture, next, fresh);
      fs.writeFileSync(file, source(fixture));
      const { checked } = await planThenRun(store, args(), dir, `edit ${n} (${what})`);
      add(checked);
    }
    // The sequence exercised each kind of prediction.
    assert.ok(total.reuse > 0 && total.run > 0 && total.conditional > 0, JSON.stringify(total));
  });

  it('says why each step runs: code, parameter, input, upstream, cache off', { timeout: 300_000 }, async () => {
    const dir = tempProject();
    const store = path.join(dir, 'store');
    const file = path.join(dir, 'edits.ts');
    const fixture: Fixture = { versions: [0, 0, 0, 0, 0], literals: [0, 0, 0, 0, 0], cache: [undefined, undefined, undefined, undefined, undefined], wiring: [[], [], [1], [], [3]], scale: 1, noCache: false };
    const args = ['edits.ts'];
    const reasons = (planned: Plan) => Object.fromEntries(planned.steps.map((s) => [s.id, s.action === 'reuse' ? 'reuse' : s.reason]));
    fs.writeFileSync(file, source(fixture));
    await run(store, args, dir);
    const firstRun = (await plan(store, args, dir)).steps;
    assert.ok(firstRun.every((s) => s.action === 'reuse'), JSON.stringify(firstRun));
    fixture.versions[1] = 1;
    fixture.literals[3] = 2;
    fixture.cache[0] = false;
    fs.writeFileSync(file, source(fixture));
    const { planned } = await planThenRun(store, args, dir, 'edited');
    assert.deepEqual(reasons(planned), { s0: 'cache off', s1: 'code changed', s2: 'upstream will run', s3: 'parameter changed', s4: 'upstream will run' });
    const s3 = planned.steps.find((s) => s.id === 's3');
    assert.equal(s3?.detail, 'p');
    assert.match(s3?.since?.runName ?? '', /^edits-/);
    // s1's next version is stored (reused below) but s2, caching off, never makes an entry from it.
    fixture.versions[1] = 2;
    fixture.cache[0] = undefined;
    fixture.cache[2] = false;
    fs.writeFileSync(file, source(fixture));
    await planThenRun(store, args, dir, 'without an entry of s2');
    fixture.cache[2] = undefined;
    fs.writeFileSync(file, source(fixture));
    const input = await planThenRun(store, args, dir, 'input changed');
    assert.deepEqual(reasons(input.planned), { s0: 'reuse', s1: 'reuse', s2: 'input changed', s3: 'reuse', s4: 'reuse' });
    assert.equal(input.planned.steps.find((s) => s.id === 's2')?.detail, 'in1');
    // A rewire changes s2's parameter list, which is its code.
    fixture.wiring[2] = [0];
    fs.writeFileSync(file, source(fixture));
    const rewired = await planThenRun(store, args, dir, 'rewired');
    assert.equal(reasons(rewired.planned).s2, 'code changed');
    const text = await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale=3'], { cwd: dir, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^plan of edits \(store store\):\n/);
    assert.match(text.stdout, /\n {2}s0 +run: parameter changed \(p; since run edits-[^)]*\)\n/);
    assert.match(text.stdout, /\n {2}s1 +reuse\n/);
    assert.match(text.stdout, /\n {2}s2 +run: upstream will run \(s0\)\n/);
    assert.match(text.stdout, /\n3 to reuse, 2 to run\n$/);
  });

  it('refuses bad input as the other commands do (exit 2, naming what and where)', async () => {
    const dir = tempProject();
    fs.writeFileSync(path.join(dir, 'edits.ts'), source({ versions: [0, 0, 0, 0, 0], literals: [0, 0, 0, 0, 0], cache: [undefined, undefined, undefined, undefined, undefined], wiring: [[], [], [], [], []], scale: 1, noCache: false }));
    const store = path.join(dir, 'store');
    oneLineError(await cli(['--store', store, 'plan', 'missing.ts'], { cwd: dir, env }), /pipeline file not found: missing\.ts/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale'], { cwd: dir, env }), /--param scale: expected key=value/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'scale=many'], { cwd: dir, env }), /scale/);
    oneLineError(await cli(['--store', store, 'plan', 'edits.ts', '--param', 'nope=1'], { cwd: dir, env }), /nope/);
  });
});
