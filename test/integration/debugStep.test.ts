// `pipewright debug RUN STEP`: a step of a past run executed again under Node's inspector, with
// that run's inputs. Real CLI processes, real runner processes, a real inspector WebSocket on
// loopback driven as an editor's debugger drives it (breakpoints bound through the bundle's
// source map by the author's file and line), real SQLite files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli, lastJson, spawnCli, type RunningCli } from '../support/cli';
import { env, oneLineError, pw, withStore, type Summary } from '../support/cliWorkflow';
import { attachAndRun, breakAtSourceLine, InspectorClient } from '../support/inspectorClient';
import { fixture, tempDir, tempProject } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

const debugging = fixture('pipelines', 'debugging.ts');
const breakpointLine = lineOf(debugging, 'breakpoint: the debugging test stops here');

function lineOf(file: string, text: string): number {
  const index = fs.readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} in ${file}`);
  return index + 1;
}

function debugCli(store: string, args: string[], cwd?: string): RunningCli {
  return spawnCli(['--store', store, 'debug', ...args], { env, timeoutMs: 120_000, ...(cwd ? { cwd } : {}) });
}

/** The inspector's URL once the session prints it (the JSON line with --json, else the text line). */
async function inspectorUrl(session: RunningCli): Promise<string> {
  return waitFor(`the inspector URL (stdout: ${session.stdout()}, stderr: ${session.stderr()})`, () => {
    const json = session
      .stdout()
      .split('\n')
      .find((line) => line.startsWith('{"type":"inspector"'));
    if (json) return (JSON.parse(json) as { url: string }).url;
    return /^inspector: (ws:\/\/\S+)$/m.exec(session.stdout())?.[1];
  }, 60_000);
}

async function failedRun(store: string, params: string[]): Promise<Summary> {
  const result = await pw(store, ['run', debugging, ...params.flatMap((p) => ['--param', p]), '--json']);
  assert.equal(result.code, 1, result.stderr);
  return lastJson<Summary>(result);
}

describe('pipewright debug', () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');

  it('stops at a breakpoint set by the author’s file and line, with the failing run’s inputs, then prints how the step ended', async () => {
    const run = await failedRun(store, ['count=5', 'factor=30']);
    assert.equal(run.steps.find((step) => step.id === 'scale')?.status, 'failed');

    const session = debugCli(store, [run.runName, 'scale', '--json']);
    const url = await inspectorUrl(session);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\//, 'loopback only');
    const intro = JSON.parse(session.stdout().split('\n')[0]) as { runId: string; invocationId: string; bundle: { path: string; hash: string }; inputs: Record<string, string> };
    assert.equal(intro.runId, run.runId);
    assert.equal(intro.invocationId, 'scale');
    assert.deepEqual(intro.inputs, { values: 'output "output" of step "measure"', factor: 'literal' });
    assert.ok(fs.existsSync(intro.bundle.path) && intro.bundle.path.includes(intro.bundle.hash), 'the run’s own bundle, by hash');

    const inspector = await InspectorClient.connect(url);
    try {
      const paused = await breakAtSourceLine(inspector, debugging, breakpointLine);
      const frame = paused.callFrames[0];
      assert.equal(frame.functionName, 'scale');
      assert.deepEqual(await inspector.evaluate(frame.callFrameId, 'values'), [0, 10, 20, 30, 40], 'the upstream output the run committed');
      assert.equal(await inspector.evaluate(frame.callFrameId, 'factor'), 30, 'the run’s literal parameter');
      await inspector.send('Debugger.resume');
      const result = await session.done;
      assert.equal(result.code, 1, `the step failed again (stderr: ${result.stderr})`);
      const end = lastJson<{ type: string; status: string; error: { message: string; stack: string } }>(result);
      assert.equal(end.type, 'result');
      assert.equal(end.status, 'failed');
      assert.equal(end.error.message, 'scaled too far: 1200');
      assert.match(end.error.stack, new RegExp(`${debugging.replace(/[.]/g, '\\.')}:${breakpointLine + 2}:`), 'its stack names the author’s file and line');
      assert.match(result.stderr, /scaled 5 values by 30/, 'the step’s own output');
      assert.doesNotMatch(result.stderr, /Debugger (listening|attached)/, 'the inspector’s notices are not the step’s output');
    } finally {
      inspector.close();
    }

    // The run is as it was: the session committed nothing and made no run.
    const show = lastJson<{ steps: { id: string; status: string; attempts: number }[] }>(await pw(store, ['runs', 'show', run.runId, '--json']));
    assert.deepEqual(show.steps.map((step) => [step.id, step.status, step.attempts]), [['measure', 'completed', 1], ['scale', 'failed', 1]]);
    assert.equal((await withStore(store, (db) => db.listRuns())).length, 1);
  });

  it('takes an input from a JSON file by hand: the breakpoint sees it, and the outputs the step returns are printed and committed to no run', async () => {
    const [latest] = await withStore(store, (db) => db.listRuns({ limit: 1 }));
    const run = { runId: latest.id, runName: latest.name };
    const values = path.join(dir, 'values.json');
    fs.writeFileSync(values, '[1, 2]');
    const session = debugCli(store, [run.runId, 'scale', '--input', `values=${values}`]);
    const inspector = await InspectorClient.connect(await inspectorUrl(session));
    try {
      const paused = await breakAtSourceLine(inspector, debugging, breakpointLine);
      assert.deepEqual(await inspector.evaluate(paused.callFrames[0].callFrameId, 'values'), [1, 2], 'the value given by hand');
      assert.equal(await inspector.evaluate(paused.callFrames[0].callFrameId, 'factor'), 30);
      await inspector.send('Debugger.resume');
      const result = await session.done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`input values ← ${values.replace(/[.]/g, '\\.')} \\(by hand\\)\\n  input factor ← literal\\n`));
      assert.match(result.stdout, new RegExp(`step "scale" returned \\(not committed to run ${run.runName}\\):\\n  output  Array  \\d+ B  [0-9a-f]{12}  \\[30,60\\]\\n`));
    } finally {
      inspector.close();
    }
    const steps = await withStore(store, (db) => db.getSteps(run.runId));
    assert.deepEqual(steps.map((step) => [step.invocationId, step.status]), [['measure', 'completed'], ['scale', 'failed']]);
    assert.equal((await withStore(store, (db) => db.listRuns())).length, 1);
  });

  it('debugs the code the run ran when the file has lost the step since, and says so', async () => {
    const project = tempProject();
    const file = path.join(project, 'pipeline.ts');
    fs.copyFileSync(debugging, file);
    const projectStore = path.join(project, '.pipewright');
    const ran = await cli(['--store', projectStore, 'run', file, '--param', 'count=3', '--param', 'factor=10', '--json'], { env, cwd: project });
    assert.equal(ran.code, 1, ran.stderr);
    const run = lastJson<Summary>(ran);
    // The step is gone from the file now.
    fs.writeFileSync(file, "import { pipeline, step } from 'pipewright';\nexport const other = step(function other(): number { return 1; });\nexport const debugging = pipeline(function debugging() { other(); });\n");
    const session = debugCli(projectStore, [run.runId, 'scale'], project);
    const inspector = await InspectorClient.connect(await inspectorUrl(session));
    try {
      await attachAndRun(inspector);
      const result = await session.done;
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /code: the code run \S+ ran \(bundle [0-9a-f]{12}, .*\.cjs\)\n/);
      assert.match(result.stdout, /note: .*pipeline\.ts changed since the run/);
      assert.match(result.stdout, /step "scale" failed: Error: scaled too far: 200\n/, 'the step as it ran, not as the file is now');
    } finally {
      inspector.close();
    }
  });

  it('an upstream output the run never committed is asked for by hand; a lost artifact is the store’s failure', async () => {
    const run = await failedRun(store, ['count=-1', 'factor=2']);
    assert.equal(run.steps.find((step) => step.id === 'measure')?.status, 'failed');
    oneLineError(
      await pw(store, ['debug', run.runId, 'scale']),
      /^pipewright: input "values" of step "scale" comes from output "output" of step "measure", which run \S+ never committed; give it by hand with --input values=FILE\.json\n$/,
    );

    const good = await failedRun(store, ['count=2', 'factor=200']);
    const ref = (await withStore(store, (db) => db.getOutputs(good.runId, 'measure'))).output;
    fs.rmSync(path.join(store, 'artifacts', ref.hash.slice(0, 2), ref.hash));
    const lost = await pw(store, ['debug', good.runId, 'scale']);
    assert.equal(lost.code, 1, lost.stderr);
    assert.match(lost.stderr, new RegExp(`input "values" of step "scale": artifact ${ref.hash} \\(output "output" of step "measure"\\) is missing from the store; give it by hand`));
  });

  it('refuses bad input naming it (exit 2): unknown run, step and input, unreadable input files, ports, --commit', async () => {
    const [latest] = await withStore(store, (db) => db.listRuns({ limit: 1 }));
    const run = { runId: latest.id };
    oneLineError(await pw(store, ['debug', 'no-such-run', 'scale']), /no run "no-such-run" in /);
    oneLineError(await pw(store, ['debug', run.runId, 'nope']), /run \S+ has no step "nope" \(steps: measure, scale\)/);
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--input', 'nope=x.json']), /--input nope: step "scale" has no parameter "nope" \(parameters: values, factor\)/);
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--input', `values=${path.join(dir, 'missing.json')}`]), /--input values: cannot read .*missing\.json \(ENOENT\)/);
    const notJson = path.join(dir, 'not.json');
    fs.writeFileSync(notJson, '[1,');
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--input', `values=${notJson}`]), /--input values: .*not\.json is not JSON/);
    const wrongType = path.join(dir, 'wrong.json');
    fs.writeFileSync(wrongType, '"text"');
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--input', `values=${wrongType}`]), /--input values: expected/);
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--input', 'values']), /--input values: expected NAME=FILE\.json/);
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--port', '80']), /--port 80: expected 0 \(any free port\) or a port from 1024 to 65535/);
    oneLineError(await pw(store, ['debug', run.runId, 'scale', '--commit']), /--commit: a debugging session's outputs are not committed to a run: .*pipewright runs retry RUN --step STEP\n$/);
  });

  it('a port already taken is said (exit 1), and Ctrl-C ends the session and its runner', async () => {
    // The first run (newest first): its inputs are all in the store.
    const run = (await withStore(store, (db) => db.listRuns())).at(-1)!;
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const busy = await pw(store, ['debug', run.id, 'scale', '--port', String(port)]);
      assert.equal(busy.code, 1, busy.stderr);
      assert.match(busy.stderr, new RegExp(`the runner's inspector could not listen on 127\\.0\\.0\\.1:${port} \\(Starting inspector on 127\\.0\\.0\\.1:${port} failed: address already in use\\); pick another --port`));
    } finally {
      taken.close();
    }

    const session = debugCli(store, [run.id, 'scale']);
    const url = await inspectorUrl(session);
    process.kill(session.pid, 'SIGINT');
    const result = await session.done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /debug session stopped before the step returned/);
    await assert.rejects(InspectorClient.connect(url), /ECONNREFUSED/, 'the runner is gone with its inspector');
  });
});
