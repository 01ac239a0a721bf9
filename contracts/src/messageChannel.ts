/**
 * Messages between the extension and a webview travel in an envelope `{ id, inReplyTo?, body }`;
 * `MessageChannel` is the small RPC helper both sides use (the message kinds are in
 * `webviewMessages.ts`). Imports neither `vscode` nor the DOM.
 */

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
