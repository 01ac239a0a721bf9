/** Debug Step without vscode: the CLI's arguments, the attach for js-debug, launch.json's fields, the step's end, and which invocation a lens debugs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachConfiguration, debugArguments, debugResultText, debugTargetOfStep, stepDebugRequestOf } from '../../../client/src/debugAttach';
import { emptyRunsState, reduceRunEvent, type RunsState } from '../../../client/src/runState';
import { readDebugLine, type DebugInspectorLine } from '../../../runtime/src/model/debugLines';
import type { EngineEvent } from '../../../runtime/src/model/events';

const inspector: DebugInspectorLine = {
  type: 'inspector',
  url: 'ws://127.0.0.1:40123/5a1c',
  host: '127.0.0.1',
  port: 40123,
  devtoolsUrl: 'devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:40123/5a1c',
  runId: 'r1',
  runName: 'forecast-7',
  invocationId: 'publish',
  step: 'publish',
  bundle: { path: '/w/.pipewright/bundles/ab12.cjs', hash: 'ab12' },
  inputs: { error: 'output "output" of step "evaluate"' },
};

describe('Debug Step (pure parts)', () => {
  it('asks the CLI for JSON lines, with inputs given by hand', () => {
    assert.deepEqual(debugArguments({ run: 'r1', step: 'publish' }), ['debug', 'r1', 'publish', '--json']);
    assert.deepEqual(debugArguments({ run: 'r1', step: 'publish', inputs: { error: '/w/e.json' } }), ['debug', 'r1', 'publish', '--json', '--input', 'error=/w/e.json']);
  });

  it('reads the CLI’s inspector and result lines, and nothing else', () => {
    assert.deepEqual(readDebugLine(JSON.stringify(inspector)), inspector);
    assert.deepEqual(readDebugLine('{"type":"result","status":"stopped"}'), { type: 'result', status: 'stopped' });
    assert.equal(readDebugLine('{"type":"other"}'), undefined);
    assert.equal(readDebugLine('inspector: ws://127.0.0.1:1/x'), undefined);
    assert.equal(readDebugLine('{not json'), undefined);
  });

  it('attaches js-debug to the printed loopback port, letting the waiting runner go once breakpoints are bound, with the bundle’s map allowed', () => {
    const config = attachConfiguration(inspector, 'debug-1');
    assert.deepEqual(
      { type: config.type, request: config.request, address: config.address, port: config.port, continueOnAttach: config.continueOnAttach, outFiles: config.outFiles },
      { type: 'pwa-node', request: 'attach', address: '127.0.0.1', port: 40123, continueOnAttach: true, outFiles: ['/w/.pipewright/bundles/ab12.cjs'] },
    );
    assert.deepEqual(config.resolveSourceMapLocations, ['/w/.pipewright/bundles/ab12.cjs', '!**/node_modules/**']);
    assert.equal(config.__pipewrightDebugSession, 'debug-1');
    assert.equal(config.name, 'Debug step publish of forecast-7');
    assert.deepEqual(attachConfiguration(inspector, 'debug-1', '/w/node_modules/pipewright').skipFiles, ['<node_internals>/**', '/w/node_modules/pipewright/dist/**'], 'the runtime\'s own frames are skipped');
  });

  it('takes run, step and inputs from a launch configuration, naming what is missing', () => {
    assert.deepEqual(stepDebugRequestOf({ type: 'pipewright', request: 'launch', run: 'forecast-7', step: 'publish' }), { run: 'forecast-7', step: 'publish' });
    assert.deepEqual(stepDebugRequestOf({ run: 'r', step: 's', inputs: { a: 'a.json' } }), { run: 'r', step: 's', inputs: { a: 'a.json' } });
    assert.match((stepDebugRequestOf({ step: 's' }) as { error: string }).error, /needs "run"/);
    assert.match((stepDebugRequestOf({ run: 'r', step: '' }) as { error: string }).error, /needs "step"/);
    assert.match((stepDebugRequestOf({ run: 'r', step: 's', inputs: { a: 1 } }) as { error: string }).error, /"inputs" maps input names to JSON files/);
  });

  it('tells how the step ended: its outputs (not committed), its failure, or a stop', () => {
    const returned = debugResultText(inspector, { type: 'result', status: 'completed', outputs: [{ name: 'output', type: 'string', materializer: 'text', size: 5, hash: 'h', value: 'hello' }] });
    assert.equal(returned.headline, 'Pipewright: step publish of forecast-7 returned (not committed): output (string): "hello"');
    const failed = debugResultText(inspector, { type: 'result', status: 'failed', error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at publish (/w/p.ts:3:9)' } });
    assert.equal(failed.headline, 'Pipewright: step publish of forecast-7 failed under the debugger: Error: boom');
    assert.deepEqual(failed.lines, ['Error: boom', '  at publish (/w/p.ts:3:9)']);
    assert.equal(debugResultText(inspector, { type: 'result', status: 'stopped' }).headline, 'Pipewright: debugging step publish of forecast-7 stopped before it returned');
  });

  it('debugs the newest run’s failed invocation of a step, else its first that ran', () => {
    const apply = (state: RunsState, events: EngineEvent[]) => events.reduce(reduceRunEvent, state);
    const step = (runId: string, invocationId: string, status: 'completed' | 'failed' | 'skipped', at: number): EngineEvent => ({ type: 'step', runId, invocationId, stepName: 'fit', status, attempt: 1, cached: false, at });
    let state = apply(emptyRunsState, [{ type: 'run', runId: 'old', runName: 'train-1', pipeline: 'train', status: 'running', at: 1 }, step('old', 'fit', 'completed', 2), step('old', 'fit_2', 'failed', 3)]);
    assert.deepEqual(debugTargetOfStep(state, 'fit'), { runId: 'old', runName: 'train-1', invocationId: 'fit_2', status: 'failed' });
    state = apply(state, [{ type: 'run', runId: 'new', runName: 'train-2', pipeline: 'train', status: 'running', at: 10 }, step('new', 'fit', 'skipped', 11), step('new', 'fit_2', 'completed', 12)]);
    assert.deepEqual(debugTargetOfStep(state, 'fit'), { runId: 'new', runName: 'train-2', invocationId: 'fit_2', status: 'completed' });
    assert.equal(debugTargetOfStep(state, 'other'), undefined);
  });
});
