/**
 * Runner process entry: evaluates the pipeline bundle once, then executes tasks (compile,
 * step attempts, hooks) sent by the engine over IPC, one at a time.
 */
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as sdk from '../index';
import { LocalArtifactStore } from '../artifacts/localArtifactStore';
import { compileModulesAsScripts, loadBundle } from './loadBundle';
import type { FromRunner, RunnerConfig, ToRunner } from '../model/runnerProtocol';
import { ENV } from '../model/environment';
import { TaskRunner, toTaskError, type LeaseGuard } from './taskRunner';

process.setSourceMapsEnabled(true);
// Room for the user's frames below the runtime's own (which stored stacks leave out).
Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);
// Ctrl-C in a terminal reaches the whole process group; the engine decides what stops, and how.
process.on('SIGINT', () => undefined);

const config = JSON.parse(process.env[ENV.runnerConfig] ?? '{}') as RunnerConfig;

let orphaned = false;

function send(message: FromRunner): void {
  if (orphaned || !process.connected) return;
  try {
    process.send?.(message);
  } catch {
    // The engine went away between the check and the send: the result goes over HTTP instead.
  }
}

// Step output goes to the engine, attributed to the attempt that printed it.
for (const stream of ['stdout', 'stderr'] as const) {
  const target = process[stream];
  target.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    send({ type: 'log', stream, text });
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof target.write;
}

// Heartbeats come from a worker thread so a step that blocks the event loop still renews its lease.
const lastOkAt = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
// Its own built file needs none of the engine's Node flags, which (`--import tsx` under the tests)
// would resolve against the working folder the runner moves to below.
const heartbeat = new Worker(path.join(__dirname, 'heartbeatWorker.js'), { workerData: { shared: lastOkAt }, execArgv: [] });
heartbeat.unref();
const lastOk = new Float64Array(lastOkAt);
const lease: LeaseGuard = {
  start: (command) => {
    // The grant itself counts as a renewal: the worker picks the command up asynchronously.
    lastOk[0] = Date.now();
    heartbeat.postMessage(command);
  },
  stop: () => heartbeat.postMessage({ type: 'stop' }),
  isFresh: (timeoutMs) => Date.now() - lastOk[0] <= timeoutMs,
};

let tasks: TaskRunner;
try {
  // Steps' relative paths resolve against the run's working folder. The process starts where its
  // engine runs (so Node's own flags, such as `--import`, resolve as they did there) and moves.
  process.chdir(config.workingDir);
  // Started with the inspector on (`pipewright debug`): debuggers bind breakpoints before the bundle runs.
  if (inspector.url() !== undefined) compileModulesAsScripts();
  loadBundle(config.bundlePath, sdk, [config.projectDir, config.workingDir]);
  tasks = new TaskRunner(new LocalArtifactStore(config.artifactsDir), send, lease);
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'loadFailed', error: toTaskError(error, false) });
  process.exitCode = 1;
  process.disconnect?.();
}

process.on('message', (message: ToRunner) => {
  void tasks.handle(message);
});
process.on('disconnect', () => {
  // The engine (daemon) died. An attempt in flight keeps going and delivers its result to the
  // restarted daemon over HTTP, fenced by its epoch; an idle runner has nothing left to do.
  orphaned = true;
  if (!tasks?.busy) process.exit(0);
  tasks.onIdle(() => process.exit(0));
});
