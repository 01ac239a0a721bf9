// What the tests of `pipewright plan` share: plan, run and check that every prediction came
// true (real CLI processes, the real SQLite store), and the generated pipeline they edit.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PipelinePlan } from '../../runtime/src/launch/planPipelineFile';
import type { RunSummary } from '../../runtime/src/model/runSummary';
import { openRunStore } from '../../runtime/src/store/openRunStore';
import { seededRandom } from '../../webview/src/seededRandom';
import { cli, lastJson } from './cli';
import { env } from './cliWorkflow';
import { tempProject } from './tempDir';

export type Plan = PipelinePlan & { summary: { reuse: number; run: number } };

export async function plan(store: string, args: string[], cwd: string): Promise<Plan> {
  const result = await cli(['--store', store, 'plan', ...args, '--json'], { cwd, env });
  assert.equal(result.code, 0, `plan ${args.join(' ')}: ${result.stderr}`);
  return lastJson<Plan>(result);
}

export async function run(store: string, args: string[], cwd: string): Promise<RunSummary> {
  const result = await cli(['--store', store, 'run', ...args, '--json'], { cwd, env });
  // A run that printed no summary says why (CI once saw an empty stdout here, and nothing else).
  assert.notEqual(result.stdout.trim(), '', `run ${args.join(' ')} printed no summary (exit ${result.code}): ${result.stderr}`);
  const summary = lastJson<RunSummary>(result);
  assert.notEqual(summary.status, 'running', result.stderr);
  return summary;
}

/** What checking one plan found: how many predictions of each kind came true. */
export interface Checked {
  reuse: number;
  run: number;
  conditional: number;
}

/**
 * Every `reuse` was cached and every `run` was not; a `run` with `unlessUnchanged` was cached
 * exactly when the named upstream outputs came out with the hashes it names.
 */
export async function checkPlan(planned: Plan, summary: RunSummary, store: string, what: string): Promise<Checked> {
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

export async function planThenRun(store: string, args: string[], cwd: string, what: string): Promise<{ planned: Plan; checked: Checked }> {
  const planned = await plan(store, args, cwd);
  const summary = await run(store, args, cwd);
  return { planned, checked: await checkPlan(planned, summary, store, what) };
}

/** The generated pipeline: invocation i is the one call of step `s<i>`. */
export interface Fixture {
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

export const STEPS = 5;
/** Step 1 computes its own cache key, from its input values. */
const CUSTOM_KEY_STEP = 1;

export function source(fixture: Fixture): string {
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

/** One random edit: a step's body (a new version, or back to an old one), a parameter, a cache switch, or the wiring. */
export function edit(fixture: Fixture, next: () => number, fresh: () => number): string {
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

/** The fixture before any edit: a chain with a fork, nothing set. */
export function initialFixture(wiring: number[][]): Fixture {
  return { versions: [0, 0, 0, 0, 0], literals: [0, 0, 0, 0, 0], cache: [undefined, undefined, undefined, undefined, undefined], wiring, scale: 1, noCache: false };
}

/**
 * From a new store: plan, run and check; then `edits` seeded random edits, each followed by
 * plan, run and check. Answers how many predictions of each kind came true.
 */
export async function checkEditSequence(seed: number, edits: number): Promise<Checked> {
  const dir = tempProject();
  const store = path.join(dir, 'store');
  const file = path.join(dir, 'edits.ts');
  const fixture = initialFixture([[], [0], [0, 1], [2], [1, 3]]);
  // Seeded, so a failing sequence can be replayed.
  const next = seededRandom(seed);
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
  for (let n = 1; n <= edits; n++) {
    const what = edit(fixture, next, fresh);
    fs.writeFileSync(file, source(fixture));
    const { checked } = await planThenRun(store, args(), dir, `edit ${n} (${what})`);
    add(checked);
  }
  return total;
}
