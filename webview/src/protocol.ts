/**
 * The one protocol between the extension (client) and the DAG webview: plain-data graph types,
 * a discriminated union of messages in each direction inside an envelope `{ id, inReplyTo?, body }`,
 * and a small RPC helper used on both sides. Imports neither `vscode` nor the DOM.
 */
import type { DagEdge, DagNode } from '../../runtime/src/model/dag';
import type { RunStatus, StepStatus } from '../../runtime/src/model/status';

/** A position in a document, 0-based as in LSP. */
export interface SourcePosition {
  line: number;
  character: number;
}

/** A range in a document, 0-based as in LSP. */
export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** A problem the language server found, attached to the node or edge it concerns when it can be. */
export interface GraphDiagnostic {
  message: string;
  severity: 'error' | 'warning' | 'information';
  range?: SourceRange;
  /** Invocation id of the node this diagnostic concerns. */
  nodeId?: string;
  /** The edge this diagnostic concerns (`from` and `to` invocation ids). */
  edge?: { from: string; to: string };
}

/**
 * One node of a statically analysed pipeline: the runtime's `DagNode` identity fields (analysis
 * cannot know code hashes or merged options) plus where the step call is written.
 */
export type GraphNode = Pick<DagNode, 'id' | 'step' | 'namespace'> &
  Partial<Pick<DagNode, 'params' | 'outputs' | 'after'>> & {
    /** Range of the step call in the pipeline body. */
    range?: SourceRange;
  };

/** The DAG of one pipeline as the language server sees it: runtime DAG shape + ranges + diagnostics. */
export interface PipelineGraph {
  /** Document URI of the file that defines the pipeline. */
  uri: string;
  pipeline: string;
  /** Range of the `pipeline(...)` call. */
  range?: SourceRange;
  nodes: GraphNode[];
  edges: DagEdge[];
  diagnostics: GraphDiagnostic[];
}

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

/** Every message travels in an envelope; replies name the id they answer. */
export interface Envelope<T> {
  id: number;
  inReplyTo?: number;
  body: T;
}

/** Anything that can post a message (the webview's `acquireVsCodeApi()` or a panel's `webview`). */
export interface MessageSink {
  postMessage(message: unknown): unknown;
}

/**
 * The RPC helper used on both sides: wraps bodies in envelopes, correlates replies with
 * requests, and dispatches incoming messages to one handler.
 */
export class MessageChannel<Out, In> {
  private nextId = 1;
  private readonly pending = new Map<number, (body: In) => void>();

  constructor(
    private readonly sink: MessageSink,
    private readonly onMessage: (body: In, envelope: Envelope<In>) => Out | void,
  ) {}

  /** Posts a message that expects no answer; returns its id. */
  post(body: Out, inReplyTo?: number): number {
    const id = this.nextId++;
    const envelope: Envelope<Out> = inReplyTo === undefined ? { id, body } : { id, inReplyTo, body };
    this.sink.postMessage(envelope);
    return id;
  }

  /** Posts a message and resolves with the body of the reply that names it. */
  request(body: Out): Promise<In> {
    return new Promise((resolve) => {
      const id = this.post(body);
      this.pending.set(id, resolve);
    });
  }

  /** Feed every raw incoming message here; malformed ones are ignored (returns false). */
  receive(raw: unknown): boolean {
    if (!isEnvelope<In>(raw)) return false;
    if (raw.inReplyTo !== undefined) {
      const waiting = this.pending.get(raw.inReplyTo);
      if (waiting) {
        this.pending.delete(raw.inReplyTo);
        waiting(raw.body);
        return true;
      }
    }
    const reply = this.onMessage(raw.body, raw);
    if (reply !== undefined) this.post(reply, raw.id);
    return true;
  }
}

/** True for `{ id: number, inReplyTo?: number, body: { kind: string } }`. */
export function isEnvelope<T>(value: unknown): value is Envelope<T> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Envelope<{ kind?: unknown }>>;
  if (typeof candidate.id !== 'number') return false;
  if (candidate.inReplyTo !== undefined && typeof candidate.inReplyTo !== 'number') return false;
  return typeof candidate.body === 'object' && candidate.body !== null && typeof candidate.body.kind === 'string';
}
