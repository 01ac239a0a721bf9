/** elkjs's worker script: in a worker it serves elkjs's protocol on `self`; elsewhere it exports an in-thread `FakeWorker`. */
declare module 'elkjs/lib/elk-worker.min.js' {
  export const Worker: (new () => { postMessage(message: unknown): void; onmessage: ((event: { data: unknown }) => void) | null }) | undefined;
}
