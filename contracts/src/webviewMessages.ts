/**
 * The messages between the extension (client) and the DAG webview: a discriminated union in each
 * direction, carried in the envelope of `messageChannel.ts`. Imports neither `vscode` nor the DOM.
 */
import type { StepPrediction } from '../../runtime/src/model/plan';
import type { RunStatus, StepStatus } from '../../runtime/src/model/status';
import type { PipelineGraph } from './graph';
import type { HeartbeatThresholds } from './heartbeat';
import type { RunTimeline } from '../../runtime/src/model/runTimeline';

/** Live state of one node during a run, pushed to the webview as events arrive. */
export interface NodeRunState {
  status: StepStatus;
  attempt: number;
  /** Final duration, or undefined while running (the webview computes elapsed from `startedAt`). */
  durationMs?: number;
  startedAt?: number;
  /** Epoch ms of the last heartbeat of the running attempt. */
  heartbeatAt?: number;
  /** The running attempt's heartbeat settings, as the orchestrator sent them with it. */
  heartbeatSettings?: HeartbeatThresholds;
  cached?: boolean;
  /** Why the step failed (its last failed attempt), when it did. */
  error?: NodeError;
  /** Its committed outputs, once known. */
  outputs?: NodeOutput[];
}

/** A failure as the DAG shows it (the extension builds it from the API's `AttemptError`). */
export interface NodeError {
  /** The error's first line, for the node itself. */
  headline: string;
  /** The whole failure: `Name: message`, every message line, the source-mapped stack. */
  lines: string[];
  /** The stack's frames that point into a file, each openable at its line. */
  frames: StackFrameLink[];
}

/** One stack frame that names a file: where clicking it goes. */
export interface StackFrameLink {
  /** The frame as printed (`at fit (/p/pipeline.ts:12:7)`). */
  text: string;
  /** Absolute path of the file. */
  file: string;
  /** 1-based line and column, as in stack traces. */
  line: number;
  column: number;
  /** In the user's code (the workspace, outside node_modules and the runtime). */
  user: boolean;
}

/** One committed output of a step. */
export interface NodeOutput {
  name: string;
  /** The stored value's type (`Array`, `number`, a class name). */
  type: string;
  /** Stored size in bytes. */
  size: number;
}

/** The editor's heartbeat settings (ms): the webview colours heartbeat ages with them when an attempt came without its own. */
export type { HeartbeatThresholds };

/**
 * What changed in the pipeline's code since the run the panel shows: the static graph (live from
 * the language server) against the run's stored DAG. Compared: invocation ids, their step names,
 * and edges (data edges with output and input names, order edges); and, when the plan of the
 * saved code is known, each invocation's code hash (of the bundled function, the cache key's
 * `code`) against the one the run stored.
 */
export interface DagDrift {
  /** The run compared with. */
  runName: string;
  /** Invocations in the code now that the run did not have. */
  added: string[];
  /** Invocations the run had that the code no longer has. */
  removed: string[];
  /** Invocations in both whose incoming edges differ (or that now call another step). */
  rewired: string[];
  /** Invocations in both whose step's code (as saved) differs from the code the run ran; absent when the code now is not known (no plan). */
  codeChanged?: string[];
}

/** One invocation's prediction as the DAG shows it (`pipewright plan`'s, without its keys). */
export type PlannedStep = Pick<StepPrediction, 'id' | 'step' | 'action' | 'reason' | 'detail' | 'unlessUnchanged'>;

/** A step whose code differs from the code the plan was made of (the language server's view of the editor's text). */
export interface EditedStep {
  /** The step's name (every invocation of it is marked, and what is downstream of them). */
  step: string;
  /** Its file has unsaved changes (else it was saved and a new plan is on its way). */
  unsaved: boolean;
}

/** The plan before a run, for the DAG's badges (`webview/src/planBadges.ts`). */
export type PlanView =
  | {
      state: 'planned';
      /** The predictions of the saved code. */
      steps: PlannedStep[];
      /** Steps edited since the code the plan was made of: they and their downstream will run. */
      edited: EditedStep[];
      /** A newer plan is being computed. */
      planning: boolean;
    }
  /** The plan could not be made (its error, never stale badges). */
  | { state: 'failed'; error: string; planning: boolean }
  /** No plan is made (Restricted Mode, no runtime, a remote orchestrator): why. */
  | { state: 'off'; reason: string }
  | { state: 'planning' };

/** Messages from the extension to the webview. */
export type ToWebview =
  | { kind: 'graph'; graph: PipelineGraph }
  | {
      kind: 'runState';
      runId: string | null;
      /** The run's name, and the name (else the id) of the run it retries when it is a retry. */
      runName?: string;
      retryOf?: string;
      /** The run's own status (edges animate only while it is `running`); absent: judged from the steps. */
      runStatus?: RunStatus;
      nodes: Record<string, NodeRunState>;
      /** Why the run itself failed, when the engine says (a run can fail before any step does). */
      runError?: string;
      heartbeat: HeartbeatThresholds;
      now: number;
      /** What the graph on screen has that the shown run did not (absent: not known, e.g. no stored DAG yet). */
      drift?: DagDrift;
    }
  /** The shown run's timeline (sent while the webview shows its timeline, again as the run goes on). */
  | { kind: 'timeline'; timeline: RunTimeline; now: number }
  | { kind: 'plan'; plan: PlanView }
  | { kind: 'ack' };

/** What a node's context menu can ask the extension to do. */
export type NodeAction = 'runFromHere' | 'retryStep' | 'debugStep' | 'openLogs' | 'openArtifacts';

/** Messages from the webview to the extension. */
export type FromWebview =
  | { kind: 'ready' }
  | { kind: 'openNode'; nodeId: string }
  | { kind: 'nodeAction'; nodeId: string; action: NodeAction }
  | { kind: 'openFrame'; file: string; line: number; column: number }
  | { kind: 'openOutput'; nodeId: string; output: string }
  | { kind: 'retryRun' }
  /** The timeline was shown or hidden: the extension sends timelines only while it shows. */
  | { kind: 'timelineShown'; shown: boolean }
  | { kind: 'error'; message: string };
