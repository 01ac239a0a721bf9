/**
 * Which input artifacts of a claimed job travel inside the claim's answer: those small enough
 * (the bounds of a result's inline outputs) that the claiming worker did not send itself (it
 * keeps what it made). The small outputs that came inside recent results are kept here, as they
 * came, so a chain's next step is handed its input without reading the store; others are read
 * from it. The rest the worker downloads, as before; so does a worker that was given none.
 */
import type { ArtifactStore } from '../artifacts/artifactStore';
import { INLINE_OUTPUT_BYTES, INLINE_RESULT_BYTES, type WorkerJob } from '../model/workerProtocol';
import { jobInputRefs } from './jobInputs';

/** How many outputs' senders are remembered (the oldest are forgotten first). */
const REMEMBERED = 4096;
/** How many characters of recent outputs' base64 are kept (the oldest are dropped first). */
const KEPT_CHARS = 16 * 1024 * 1024;

export class InlineInputs {
  /** Who sent each recent output, by its hash. */
  private readonly senders = new Map<string, string>();
  /** Recent small outputs as they came inside results (base64), by hash. */
  private readonly kept = new Map<string, string>();
  private keptChars = 0;

  constructor(private readonly artifacts: ArtifactStore) {}

  /** `workerId` sent these outputs (it holds copies of them); `base64`: those that came inside its result. */
  sentBy(workerId: string, hashes: Iterable<string>, base64: Record<string, string> = {}): void {
    for (const hash of hashes) {
      this.senders.delete(hash);
      this.senders.set(hash, workerId);
      if (this.senders.size > REMEMBERED) this.senders.delete(this.senders.keys().next().value as string);
      const text = base64[hash];
      if (text !== undefined && !this.kept.has(hash) && text.length <= KEPT_CHARS) this.keep(hash, text);
    }
  }

  /** The job's small inputs for `workerId`, by hash, base64; one the store cannot read now is left for the worker to download (whose error says why). */
  async for(job: WorkerJob, workerId: string): Promise<Record<string, string> | undefined> {
    const inline: Record<string, string> = {};
    let bytesInline = 0;
    for (const ref of jobInputRefs(job)) {
      if (ref.size > INLINE_OUTPUT_BYTES || bytesInline + ref.size > INLINE_RESULT_BYTES || this.senders.get(ref.hash) === workerId) continue;
      const text = this.kept.get(ref.hash) ?? (await this.artifacts.getBytes(ref).catch(() => undefined))?.toString('base64');
      if (text === undefined) continue;
      inline[ref.hash] = text;
      bytesInline += ref.size;
    }
    return Object.keys(inline).length > 0 ? inline : undefined;
  }

  private keep(hash: string, text: string): void {
    this.kept.set(hash, text);
    this.keptChars += text.length;
    for (const [oldest, dropped] of this.kept) {
      if (this.keptChars <= KEPT_CHARS) break;
      this.kept.delete(oldest);
      this.keptChars -= dropped.length;
    }
  }
}
