// The contract every Launcher passes, written against the interface only: the engine's view of
// wherever attempts run. An implementation runs it with a factory (see localLauncher.test.ts)
// that opens a launcher for the bundle of test/fixtures/pipelines/launcher.ts. The fixture's
// steps talk to the test only through arguments, outputs and what they print.
import { pipelineTarget } from '../../runtime/src/model/runTarget';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { ArtifactStore } from '../../runtime/src/artifacts';
import { encodeStructured } from '../../runtime/src/artifacts/structured';
import type { AttemptWorker, ChildRunRequest, ExecuteOutcome, Launcher, LauncherCallbacks, TaskOwner } from '../../runtime/src/engine/launcher';
import type { ArtifactRef } from '../../runtime/src/model/artifactRef';
import type { PipelineDag } from '../../runtime/src/model/dag';
import type { ChildRunOutcome, ExecuteTask, ResolvedInput, RunIdentity } from '../../runtime/src/model/runnerProtocol';
import { PipelineCompileError } from '../../runtime/src/sdk/compile';
import { fixture } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

export const launcherFixture = fixture('pipelines', 'launcher.ts');

export interface LauncherHarness {
  launcher: Launcher;
  /** Where the launcher's workers read inputs and write outputs. */
  artifacts: ArtifactStore;
}

/** Opens a launcher for the fixture's bundle that reports to `callbacks`. */
export type OpenLauncher = (callbacks: LauncherCallbacks) => Promise<LauncherHarness>;

export interface LogLine {
  owner: TaskOwner | undefined;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A launcher under test, with what it reported. */
export interface Session extends LauncherHarness {
  logs: LogLine[];
  childRuns: ChildRunRequest[];
  /** Answers child-run requests (default: refuses them). */
  answerChildRun: (request: ChildRunRequest) => Promise<ChildRunOutcome>;
  dag: PipelineDag;
  /** An attempt of `invocationId` with the DAG's literal inputs, some replaced. */
  task(invocationId: string, inputs?: Record<string, ResolvedInput>, attempt?: number): ExecuteTask;
  /** Executes `task`, keeping the workers `onStart` reported. */
  execute(task: ExecuteTask): { outcome: Promise<ExecuteOutcome>; workers: AttemptWorker[] };
  /** Waits for a log line of `invocationId` matching `pattern`; resolves with its text. */
  logOf(invocationId: string, pattern: RegExp): Promise<string>;
}

const parameters = encodeStructured({ n: 2 }) as Record<string, unknown>;
export const run: RunIdentity = { runId: 'contract-run', runName: 'contract', pipeline: 'wired', target: pipelineTarget('wired'), parameters };
const value = (v: unknown): ResolvedInput => ({ kind: 'value', value: encodeStructured(v) });

/** Opens a launcher and compiles the fixture pipeline `wired` with it. */
export async function openSession(open: OpenLauncher): Promise<Session> {
  const logs: LogLine[] = [];
  const childRuns: ChildRunRequest[] = [];
  const session = {
    logs,
    childRuns,
    answerChildRun: (request: ChildRunRequest): Promise<ChildRunOutcome> => Promise.reject(new Error(`no child run expected: ${request.pipeline}`)),
  } as Session;
  const harness = await open({
    onLog: (owner, stream, text) => logs.push({ owner, stream, text }),
    onChildRun: (request) => {
      childRuns.push(request);
      return session.answerChildRun(request);
    },
  });
  Object.assign(session, harness);
  session.dag = await harness.launcher.compile(pipelineTarget('wired'), parameters);
  session.task = (invocationId, inputs = {}, attempt = 1) => {
    const node = session.dag.nodes.find((n) => n.id === invocationId);
    assert.ok(node, `the fixture has an invocation "${invocationId}"`);
    const literal: Record<string, ResolvedInput> = {};
    for (const [name, binding] of Object.entries(node.inputs)) if (binding.kind === 'value') literal[name] = binding;
    return { run, invocationId, stepName: node.step, attempt, inputs: { ...literal, ...inputs }, inputTypes: {} };
  };
  session.execute = (task) => {
    const workers: AttemptWorker[] = [];
    return { outcome: harness.launcher.execute(task, (worker) => workers.push(worker)), workers };
  };
  session.logOf = (invocationId, pattern) =>
    waitFor(`a log line of ${invocationId} matching ${pattern}`, () => logs.find((line) => line.owner?.invocationId === invocationId && pattern.test(line.text))?.text);
  return session;
}

async function withSession(open: OpenLauncher, use: (session: Session) => Promise<void>): Promise<void> {
  const session = await openSession(open);
  try {
    await use(session);
  } finally {
    await session.launcher.close();
  }
}

function outputsOf(outcome: ExecuteOutcome): Record<string, ArtifactRef> {
  assert.ok(outcome.ok, `the attempt succeeded: ${JSON.stringify(outcome)}`);
  return outcome.outputs;
}

export interface LauncherTraits {
  /**
   * An abandoned (fenced) attempt's runner is killed where it runs: a remote worker told its
   * attempt is fenced stops it at once, as nothing it does can count; the local pool lets it finish.
   */
  abandonKills?: boolean;
}

export function launcherContract(implementation: string, open: OpenLauncher, traits: LauncherTraits = {}): void {
  void describe(`Launcher contract: ${implementation}`, () => {
    void it('compiles a pipeline into its DAG', async () => {
      await withSession(open, async ({ dag }) => {
        assert.equal(dag.pipeline, 'wired');
        assert.deepEqual(dag.nodes.map((n) => n.id), ['add', 'double', 'whoami', 'linger', 'fails', 'chatty', 'hooked', 'badKey', 'parent', 'sized', 'measure']);
        assert.deepEqual(dag.nodes.find((n) => n.id === 'double')?.inputs.value, { kind: 'artifact', ref: { from: 'add', output: 'output' } });
      });
    });

    void it('fails to compile a miswired pipeline with a compile error located at the call', async () => {
      await withSession(open, async ({ launcher }) => {
        const line = fs.readFileSync(launcherFixture, 'utf8').split('\n').findIndex((text) => text.includes('(add as unknown')) + 1;
        await assert.rejects(launcher.compile(pipelineTarget('miswired'), {}), (error: unknown) => {
          assert.ok(error instanceof PipelineCompileError, String(error));
          assert.match(error.message, /step "add" takes 2 argument\(s\) but was given 3/);
          assert.equal(error.location?.file, launcherFixture);
          assert.equal(error.location?.line, line);
          return true;
        });
      });
    });

    void it('executes attempts: literal and artifact inputs in, outputs stored, the worker reported once', async () => {
      await withSession(open, async (session) => {
        const added = session.execute(session.task('add'));
        const sum = outputsOf(await added.outcome).output;
        assert.equal(added.workers.length, 1, 'onStart heard once');
        assert.equal(await session.artifacts.get(sum), 3);
        const doubled = outputsOf(await session.execute(session.task('double', { value: { kind: 'artifact', ref: sum, source: { step: 'add', output: 'output' } } })).outcome);
        assert.equal(await session.artifacts.get(doubled.output), 6);
      });
    });

    void it('returns what a throwing step threw, with its stack, as a retryable failure', async () => {
      await withSession(open, async (session) => {
        const outcome = await session.execute(session.task('fails')).outcome;
        assert.ok(!outcome.ok);
        assert.equal(outcome.error.name, 'RangeError');
        assert.equal(outcome.error.message, 'refused: no');
        const line = fs.readFileSync(launcherFixture, 'utf8').split('\n').findIndex((text) => text.includes('throw new RangeError')) + 1;
        // The user's frames only, pointing at the source (not the bundle).
        assert.equal(outcome.error.stack, `RangeError: refused: no\n    at Object.fails (${launcherFixture}:${line}:9)`);
        assert.equal(outcome.error.retryable, true);
        assert.ok(!outcome.error.lost, 'the worker did not go away');
      });
    });

    void it('reports stdout and stderr tagged with the attempt that printed them', async () => {
      await withSession(open, async (session) => {
        outputsOf(await session.execute(session.task('chatty', {}, 3)).outcome);
        const owner = { runId: run.runId, invocationId: 'chatty', attempt: 3 };
        const mine = session.logs.filter((line) => line.owner?.invocationId === 'chatty');
        assert.deepEqual(mine.map((line) => line.owner), [owner, owner]);
        assert.deepEqual(mine.map((line) => [line.stream, line.text]), [['stdout', 'out hi\n'], ['stderr', 'err hi\n']]);
      });
    });

    void it('stop() ends a running attempt, which fails; the launcher goes on', async () => {
      await withSession(open, async (session) => {
        const lingering = session.execute(session.task('linger', { ms: value(600_000) }));
        await session.logOf('linger', /^lingering in /);
        session.launcher.stop({ runId: run.runId, invocationId: 'linger' });
        const outcome = await lingering.outcome;
        assert.equal(outcome.ok, false);
        assert.equal(await session.artifacts.get(outputsOf(await session.execute(session.task('add')).outcome).output), 3);
      });
    });

    void it(`abandon() takes a worker out of service${traits.abandonKills ? ', its runner killed' : ' without stopping it'}: the next tasks get another one`, async () => {
      await withSession(open, async (session) => {
        const lingering = session.execute(session.task('linger', { ms: value(1500) }));
        const abandoned = (await session.logOf('linger', /^lingering in /)).replace(/^lingering in /, '').trim();
        session.launcher.abandon({ runId: run.runId, invocationId: 'linger', attempt: 1 });
        const meanwhile = outputsOf(await session.execute(session.task('whoami')).outcome);
        assert.notEqual(await session.artifacts.get(meanwhile.output), abandoned);
        if (traits.abandonKills) {
          // Its runner was killed: the attempt ends as lost, never with a result.
          const outcome = await lingering.outcome;
          assert.ok(!outcome.ok && outcome.error.lost === true, `the abandoned attempt ended lost: ${JSON.stringify(outcome)}`);
        } else {
          // It was not stopped: it finished its attempt.
          assert.equal(await session.artifacts.get(outputsOf(await lingering.outcome).output), abandoned);
        }
        const after = outputsOf(await session.execute(session.task('whoami')).outcome);
        assert.notEqual(await session.artifacts.get(after.output), abandoned, 'an abandoned worker gets no new task');
      });
    });

    void it('runs hooks: the step own, none, and a failing one', async () => {
      await withSession(open, async (session) => {
        const hook = (invocationId: string, which: 'onSuccess' | 'onFailure', error?: { name: string; message: string }) => ({ ...session.task(invocationId, {}, 2), hook: which, error });
        assert.deepEqual(await session.launcher.hook(hook('hooked', 'onSuccess')), { source: 'step' });
        assert.deepEqual(session.logs.filter((line) => line.owner?.invocationId === 'hooked').map((line) => [line.owner, line.text]), [
          [{ runId: run.runId, invocationId: 'hooked', attempt: 2 }, 'onSuccess of hooked attempt 2\n'],
        ]);
        assert.deepEqual(await session.launcher.hook(hook('add', 'onSuccess')), { source: 'none' });
        const failed = await session.launcher.hook(hook('hooked', 'onFailure', { name: 'Error', message: 'boom' }));
        assert.ok('error' in failed);
        assert.equal(failed.error.message, 'onFailure saw: boom');
      });
    });

    void it("computes the inputs part of a cache key with the step's own cacheKey, or says why not", async () => {
      await withSession(open, async (session) => {
        const keyTask = (invocationId: string) => {
          const { run: identity, stepName, inputs } = session.task(invocationId);
          return { run: identity, invocationId, stepName, inputs };
        };
        assert.deepEqual(await session.launcher.cacheKey(keyTask('hooked'), 1), { key: 'key of w' });
        const refused = await session.launcher.cacheKey(keyTask('badKey'), 1);
        assert.ok('error' in refused);
        assert.match(refused.error.message, /^cacheKey of step "badKey" threw: no key today$/);
      });
    });

    void it("hands a step's child-run request to the engine and the child's outputs back to the step", async () => {
      await withSession(open, async (session) => {
        const childOutput = await session.artifacts.put(41);
        session.answerChildRun = async () => ({ runId: 'child-run', status: 'completed', outputs: { output: childOutput } });
        const outputs = outputsOf(await session.execute(session.task('parent')).outcome);
        assert.equal(await session.artifacts.get(outputs.output), 42);
        assert.deepEqual(
          session.childRuns.map(({ parentRunId, parentInvocation, pipeline, parameters: p }) => ({ parentRunId, parentInvocation, pipeline, parameters: p })),
          [{ parentRunId: run.runId, parentInvocation: 'parent', pipeline: 'wired', parameters: encodeStructured({ n: 2 }) }],
        );
      });
    });

    void it('close() ends attempts in flight and takes no more tasks', async () => {
      const session = await openSession(open);
      const lingering = session.execute(session.task('linger', { ms: value(600_000) }));
      await session.logOf('linger', /^lingering in /);
      await session.launcher.close();
      assert.equal((await lingering.outcome).ok, false);
      await assert.rejects(session.launcher.execute(session.task('add'), () => undefined));
    });
  });
}
