import { CodedError } from '../model/errorCodes';
import type { ExecuteOutcome } from '../engine/launcher';
import { RunnerPool } from '../runnerPool/runnerPool';
import { DEFAULT_RUNNER_POOL } from '../runnerPool/settings';
import type { DebugTarget } from './debugTarget';
import { inspectorEndpoint, readInspectorLine, type InspectorEndpoint } from './inspectorBanner';

export interface DebugSessionOptions {
  /** The inspector's port on 127.0.0.1 (0: any free one). */
  port: number;
  /** Where the inspector listens, as soon as it does (before the step waits for a debugger). */
  onInspector(endpoint: InspectorEndpoint): void;
  /** The step's output (and the pipeline body's, while it compiles). */
  onLog(stream: 'stdout' | 'stderr', text: string): void;
}

/**
 * Executes a {@link DebugTarget} in one runner process started with the inspector on, on loopback
 * only (`--inspect-brk=127.0.0.1:PORT`): the runner waits for a debugger before it loads the run's
 * bundle, so breakpoints set on attach (the bundle's inline source map leads to the author's
 * files) bind before any of the step's code runs. It compiles the run's target first, as every
 * runner does, then executes the one invocation without a lease (no heartbeat, so it may stay
 * paused as long as the author likes), and commits nothing: the outputs are stored only as
 * content-addressed artifacts, which no run refers to.
 */
export class DebugSession {
  private readonly pool: RunnerPool;
  private endpoint?: InspectorEndpoint;
  private failedToListen?: string;
  private stopped = false;
  private returned = false;

  constructor(
    private readonly target: DebugTarget,
    private readonly options: DebugSessionOptions,
  ) {
    this.pool = new RunnerPool(
      target.config,
      {
        onLog: (_owner, stream, text) => this.onOutput(stream, text),
        onChildRun: (request) => Promise.reject(new Error(`a debugging session starts no child run (pipeline "${request.pipeline}")`)),
      },
      { ...DEFAULT_RUNNER_POOL, warm: 1 },
      [`--inspect-brk=127.0.0.1:${options.port}`],
    );
  }

  /** Whether {@link stop} ended the session. */
  get wasStopped(): boolean {
    return this.stopped;
  }

  /** Runs the step to its end (however long the debugger keeps it), then ends the runner. */
  async run(): Promise<ExecuteOutcome> {
    try {
      await this.pool.compile(this.target.task.run.target, this.target.task.run.parameters);
      // The inspector writes where it listens before the runner starts: by now it has, or said why not.
      if (!this.endpoint) throw new CodedError('io', `the runner's inspector could not listen on 127.0.0.1:${this.options.port}${this.failedToListen ? ` (${this.failedToListen})` : ''}; pick another --port`);
      const outcome = await this.pool.execute(this.target.task, () => undefined);
      this.returned = true;
      return outcome;
    } finally {
      await this.pool.close();
    }
  }

  /** Ends the runner now (Ctrl-C, the editor ending the session): the step's result is lost, unless it came already. */
  async stop(): Promise<void> {
    if (!this.returned) this.stopped = true;
    await this.pool.close();
  }

  /** Node's inspector writes to the runner's stderr directly: its lines are read here, not shown as the step's. */
  private onOutput(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stdout') {
      this.options.onLog(stream, text);
      return;
    }
    // The inspector writes each of its lines at once; a step's partial line passes through as it came.
    for (const line of text.split(/(?<=\n)/)) {
      const inspector = readInspectorLine(line);
      if (!inspector) this.options.onLog(stream, line);
      else if (inspector.kind === 'listening' && !this.endpoint) {
        this.endpoint = inspectorEndpoint(inspector.url);
        this.options.onInspector(this.endpoint);
      } else if (inspector.kind === 'failed') this.failedToListen = inspector.message;
    }
  }
}
