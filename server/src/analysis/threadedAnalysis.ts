/**
 * A batch of files analysed on every core: the calling thread and worker threads take chunks of
 * the batch from one shared counter (so a thread that starts late, or meets slower files, simply
 * takes fewer), each with an analyzer of its own, and the answers come back in the batch's order.
 * A cold start of the language server and `pipewright check` analyse this way; an edit never does
 * (one file, on the analyzer that holds the open documents).
 *
 * Nothing is lost to a thread: a worker that cannot start, crashes or exits leaves its chunks
 * unanswered, and the calling thread analyses those itself (or, with no analyzer of its own, a
 * fresh one does), so the answer is the same as `Analyzer.analyzeAll` would give.
 */
import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { Analyzer, type AnalyzeOptions } from './analyzer';
import type { FileAnalysis } from './model';

/** Below this many files per thread, a worker's start (loading TypeScript: about 170 ms on a 2-core machine) costs more than it saves. */
export const FILES_PER_THREAD = 40;
/** At most this many threads in all: past it, each one's own parse of shared imports outweighs what it adds. */
const MAX_THREADS = 8;

/** What a worker thread is given (its `workerData`), structured-cloneable; `isAnalysisThreadData` tells it apart. */
export interface AnalysisThreadData {
  pipewrightAnalysisThread: true;
  files: string[];
  /** Per file, in the order of `files`. */
  options: AnalyzeOptions[];
  enforceTypeAnnotations: boolean;
  /** Open documents' texts (they win over the files on disk, as on the calling thread). */
  documents: [string, string][];
  chunkSize: number;
  /** An Int32Array's memory: the next chunk to take, shared by every thread of the batch. */
  nextChunk: SharedArrayBuffer;
}

/** What a worker thread posts: one message per chunk it analysed, then one when none is left. */
export type AnalysisThreadMessage = { chunk: number; analyses: FileAnalysis[] } | { done: true };

/** Starts a worker thread that calls `serveAnalysisThread` with `data` (each bundle knows its own entry). */
export type StartAnalysisThread = (data: AnalysisThreadData) => Worker;

export interface ThreadedAnalysisOptions {
  /** The calling thread's analyzer, which takes chunks too (it holds the open documents); without it the calling thread only waits. */
  analyzer?: Analyzer;
  optionsFor?: (file: string) => AnalyzeOptions;
  enforceTypeAnnotations?: boolean;
  documents?: ReadonlyMap<string, string>;
  start: StartAnalysisThread;
  /** Worker threads to start (default: one per core beyond the calling thread's, fewer for a small batch). */
  workers?: number;
  /** Told how the batch went once it is answered: a thread that failed is never silent. */
  report?: (report: BatchReport) => void;
}

/** How a batch was shared out. */
export interface BatchReport {
  files: number;
  chunks: number;
  /** Worker threads started. */
  workers: number;
  /** Chunks answered by worker threads (the rest by the calling thread). */
  byWorkers: number;
  /** Why threads failed (their chunks were analysed again on the calling thread). */
  failures: string[];
  ms: number;
}

export function isAnalysisThreadData(data: unknown): data is AnalysisThreadData {
  return typeof data === 'object' && data !== null && (data as Partial<AnalysisThreadData>).pipewrightAnalysisThread === true;
}

/** The worker threads worth starting for `fileCount` files beside `callerAnalyses` (whether the calling thread takes chunks too). */
export function workersFor(fileCount: number, callerAnalyses: boolean, cores = os.availableParallelism()): number {
  const threads = Math.max(1, Math.min(cores, MAX_THREADS, Math.floor(fileCount / FILES_PER_THREAD)));
  return callerAnalyses ? threads - 1 : threads;
}

/** The files of a batch in chunks: small enough to share out evenly, large enough that neighbours (which often import each other) stay on one thread. */
function chunkSizeFor(fileCount: number, threads: number): number {
  return Math.max(4, Math.ceil(fileCount / (threads * 8)));
}

/** Analyses `files` on the calling thread and on worker threads; answers in the order of `files`. */
export async function analyzeInThreads(files: readonly string[], options: ThreadedAnalysisOptions): Promise<FileAnalysis[]> {
  const began = performance.now();
  const optionsFor = options.optionsFor ?? (() => ({}));
  const workers = options.workers ?? workersFor(files.length, options.analyzer !== undefined);
  if (workers === 0) {
    const analyses = (options.analyzer ?? fresh(options)).analyzeAll(files, optionsFor);
    options.report?.({ files: files.length, chunks: files.length === 0 ? 0 : 1, workers: 0, byWorkers: 0, failures: [], ms: performance.now() - began });
    return analyses;
  }
  const chunkSize = chunkSizeFor(files.length, workers + (options.analyzer ? 1 : 0));
  const chunks = Math.ceil(files.length / chunkSize);
  const nextChunk = new SharedArrayBuffer(4);
  const next = new Int32Array(nextChunk);
  const answers: (FileAnalysis[] | undefined)[] = new Array(chunks);
  let answered = 0;
  let byWorkers = 0;
  const failures: string[] = [];
  const data: AnalysisThreadData = {
    pipewrightAnalysisThread: true,
    files: [...files],
    options: files.map(optionsFor),
    enforceTypeAnnotations: options.enforceTypeAnnotations ?? options.analyzer?.enforceTypeAnnotations ?? false,
    documents: [...(options.documents ?? [])],
    chunkSize,
    nextChunk,
  };
  const started: Worker[] = [];
  let allAnswered!: () => void;
  const settled = new Promise<void>((resolve) => (allAnswered = resolve));
  let running = 0;
  const ended = () => {
    running -= 1;
    if (running === 0) allAnswered();
  };
  for (let i = 0; i < workers; i++) {
    let worker: Worker;
    try {
      worker = options.start(data);
    } catch (error) {
      failures.push(`could not start: ${(error as Error).message}`);
      continue; // Its chunks fall to this thread.
    }
    started.push(worker);
    running += 1;
    let gone = false;
    const end = (failure?: string) => {
      if (gone) return;
      gone = true;
      if (failure !== undefined && answered < chunks) failures.push(failure);
      ended();
    };
    worker.on('message', (message: AnalysisThreadMessage) => {
      if ('done' in message) return end();
      answers[message.chunk] = message.analyses;
      answered += 1;
      byWorkers += 1;
      if (answered === chunks) allAnswered();
    });
    worker.once('error', (error) => end(error.stack ?? error.message));
    worker.once('exit', (code) => end(`exited with code ${code} before it was done`));
  }
  try {
    const caller = options.analyzer;
    if (caller) {
      caller.addFiles(files);
      for (let chunk = Atomics.add(next, 0, 1); chunk < chunks; chunk = Atomics.add(next, 0, 1)) {
        answers[chunk] = caller.analyzeAll(files.slice(chunk * chunkSize, (chunk + 1) * chunkSize), optionsFor);
        answered += 1;
      }
    }
    if (answered < chunks && running > 0) await settled;
  } finally {
    for (const worker of started) void worker.terminate();
  }
  // Chunks no thread answered (a worker that failed, or none could start): analysed here.
  let fallback: Analyzer | undefined;
  for (let chunk = 0; chunk < chunks; chunk++) {
    if (answers[chunk]) continue;
    fallback ??= options.analyzer ?? fresh(options);
    answers[chunk] = fallback.analyzeAll(files.slice(chunk * chunkSize, (chunk + 1) * chunkSize), optionsFor);
  }
  options.report?.({ files: files.length, chunks, workers: started.length, byWorkers, failures, ms: performance.now() - began });
  return answers.flatMap((analyses) => analyses!);
}

/** A worker thread's part: takes chunks until none is left, posting each chunk's analyses. */
export function serveAnalysisThread(data: AnalysisThreadData, post: (message: AnalysisThreadMessage) => void): void {
  const analyzer = new Analyzer();
  analyzer.enforceTypeAnnotations = data.enforceTypeAnnotations;
  for (const [file, text] of data.documents) analyzer.setDocument(file, text);
  analyzer.addFiles(data.files);
  const next = new Int32Array(data.nextChunk);
  const chunks = Math.ceil(data.files.length / data.chunkSize);
  for (let chunk = Atomics.add(next, 0, 1); chunk < chunks; chunk = Atomics.add(next, 0, 1)) {
    const from = chunk * data.chunkSize;
    const part = data.files.slice(from, from + data.chunkSize);
    post({ chunk, analyses: part.map((file, i) => analyzer.analyze(file, data.options[from + i])) });
  }
  post({ done: true });
}

function fresh(options: ThreadedAnalysisOptions): Analyzer {
  const analyzer = new Analyzer();
  analyzer.enforceTypeAnnotations = options.enforceTypeAnnotations ?? false;
  for (const [file, text] of options.documents ?? []) analyzer.setDocument(file, text);
  return analyzer;
}
