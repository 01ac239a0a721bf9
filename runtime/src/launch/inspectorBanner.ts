/**
 * What Node's inspector writes to a process's stderr (never through the process's own streams),
 * told apart from the step's output: where it listens, that it could not, and its notices.
 */
export type InspectorLine = { kind: 'listening'; url: string } | { kind: 'failed'; message: string } | { kind: 'notice' };

export function readInspectorLine(line: string): InspectorLine | undefined {
  const listening = /^Debugger listening on (ws:\/\/\S+)/.exec(line);
  if (listening) return { kind: 'listening', url: listening[1] };
  if (/^Starting inspector on \S+ failed: /.test(line)) return { kind: 'failed', message: line.trim() };
  if (/^(For help, see: https:\/\/nodejs\.org\/|Debugger attached\.|Waiting for the debugger to disconnect\.\.\.|Debugger ending on )/.test(line)) return { kind: 'notice' };
  return undefined;
}

/** Where a debugger attaches: the WebSocket URL, its host and port, and a URL Chrome's DevTools opens. */
export interface InspectorEndpoint {
  url: string;
  host: string;
  port: number;
  devtoolsUrl: string;
}

export function inspectorEndpoint(url: string): InspectorEndpoint {
  const parsed = new URL(url);
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port),
    devtoolsUrl: `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=${parsed.host}${parsed.pathname}`,
  };
}
