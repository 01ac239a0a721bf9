/**
 * The messages between the extension (client) and the DAG webview: a discriminated union in each
 * direction, carried in the envelope of `messageChannel.ts`. Imports neither `vscode` nor the DOM.
 */
import type { RunStatus, StepStatus } from '../../runtime/src/model/status';
import type { PipelineGraph } from './graph';

/** Live state of one node during a run, pushed to the webview as events arrive. */
export interface NodeRunState {
  status: StepStatus;
  attempt: number;
  /** Final duration, or undefined while running (the webview computes elapsed from `startedAt`). */
  durationMs?: number;
  startedAt?: number;
  /** Epoch ms of the last heartbeat of the running attempt. */
  heartbeatAt?: number;
  cached?: boolean;
}

/** Heartbeat settings the webview uses to colour heartbeat ages (ms). */
export interface HeartbeatThresholds {
  intervalMs: number;
  timeoutMs: number;
}

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
      heartbeat: HeartbeatThresholds;
      now: number;
    }
  | { kind: 'ack' };

/** What a node's context menu can ask the extension to do. */
export type NodeAction = 'runFromHere' | 'retryStep' | 'openLogs' | 'openArtifacts';

/** Messages from the webview to the extension. */
export type FromWebview =
  | { kind: 'ready' }
  | { kind: 'openNode'; nodeId: string }
  | { kind: 'nodeAction'; nodeId: string; action: NodeAction }
  | { kind: 'error'; message: string };
