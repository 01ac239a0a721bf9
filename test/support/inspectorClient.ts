// A small client of Node's inspector (the Chrome DevTools Protocol over a WebSocket), enough to
// do what an editor's debugger does on attach: bind a breakpoint by the author's file and line
// through a script's source map, let the program run, and read the paused frame.
import WebSocket from 'ws';
import { generatedLine, type SourceMapPayload } from './sourceMapLookup';

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface PausedEvent {
  reason: string;
  hitBreakpoints?: string[];
  callFrames: { callFrameId: string; functionName: string; url: string; location: { scriptId: string; lineNumber: number } }[];
}

export class InspectorClient {
  private nextId = 1;
  private readonly replies = new Map<number, { resolve(result: Record<string, unknown>): void; reject(error: Error): void }>();
  private readonly listeners = new Set<(message: Message) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      if (message.id !== undefined) {
        const reply = this.replies.get(message.id);
        this.replies.delete(message.id);
        if (message.error) reply?.reject(new Error(message.error.message));
        else reply?.resolve(message.result ?? {});
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
  }

  static connect(url: string): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => {
        // The program ending closes the socket under the client: that is no error of the test.
        socket.on('error', () => undefined);
        resolve(new InspectorClient(socket));
      });
      socket.once('error', reject);
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `handle` for every event `method` until it returns a value; resolves with it. */
  until<T>(method: string, handle: (params: Record<string, unknown>) => T | undefined | Promise<T | undefined>): Promise<T> {
    return new Promise((resolve, reject) => {
      const listener = (message: Message) => {
        if (message.method !== method) return;
        Promise.resolve(handle(message.params ?? {})).then((value) => {
          if (value === undefined) return;
          this.listeners.delete(listener);
          resolve(value);
        }, reject);
      };
      this.listeners.add(listener);
    });
  }

  /** The value of `expression` in a paused frame, as JSON text. */
  async evaluate(callFrameId: string, expression: string): Promise<unknown> {
    const reply = await this.send('Debugger.evaluateOnCallFrame', { callFrameId, expression, returnByValue: true });
    return (reply.result as { value?: unknown }).value;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * Attaches as an editor would to a program waiting under `--inspect-brk`: before each script with
 * a source map runs, reads its map and sets a breakpoint at the generated line of `file:line` (the
 * author's source) if the map names that file; resumes everything else. Resolves with the pause at
 * that breakpoint (the program then stays paused until the caller resumes it).
 */
export async function breakAtSourceLine(inspector: InspectorClient, file: string, line: number): Promise<PausedEvent> {
  let breakpointId: string | undefined;
  const hit = inspector.until('Debugger.paused', async (params) => {
    const paused = params as unknown as PausedEvent & { data?: { scriptId?: string; url?: string; sourceMapURL?: string } };
    if (paused.reason === 'instrumentation' && paused.data?.sourceMapURL && paused.data.scriptId) {
      const generated = generatedLine(await sourceMapOf(paused.data.sourceMapURL), file, line);
      if (generated !== undefined) {
        const reply = await inspector.send('Debugger.setBreakpoint', { location: { scriptId: paused.data.scriptId, lineNumber: generated } });
        breakpointId = reply.breakpointId as string;
      }
    } else if (breakpointId && paused.hitBreakpoints?.includes(breakpointId)) {
      return paused;
    }
    await inspector.send('Debugger.resume');
    return undefined;
  });
  await inspector.send('Runtime.enable');
  await inspector.send('Debugger.enable');
  await inspector.send('Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptWithSourceMapExecution' });
  await inspector.send('Runtime.runIfWaitingForDebugger');
  return hit;
}

/** Attaches and lets the program run to its end, breaking nowhere. */
export async function attachAndRun(inspector: InspectorClient): Promise<void> {
  void inspector.until('Debugger.paused', async () => {
    await inspector.send('Debugger.resume');
    return undefined;
  });
  await inspector.send('Debugger.enable');
  await inspector.send('Runtime.runIfWaitingForDebugger');
}

async function sourceMapOf(url: string): Promise<SourceMapPayload> {
  if (url.startsWith('data:')) return JSON.parse(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').toString('utf8')) as SourceMapPayload;
  throw new Error(`this client reads inline source maps only, not ${url}`);
}
