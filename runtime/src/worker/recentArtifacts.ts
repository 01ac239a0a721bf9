/**
 * The small artifacts a worker made or was sent lately, in memory, by hash: handed to its
 * runners with the next jobs that read them (no file made, none read), up to a bound on their
 * bytes, the oldest forgotten first. What is forgotten is downloaded again when a job needs it.
 */
export class RecentArtifacts {
  private readonly byHash = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(hash: string): Buffer | undefined {
    return this.byHash.get(hash);
  }

  /** Keeps `bytes` (checked against `hash` already) as the newest. */
  keep(hash: string, bytes: Buffer): void {
    if (bytes.byteLength > this.maxBytes) return;
    const known = this.byHash.get(hash);
    if (known) {
      this.byHash.delete(hash);
      this.byHash.set(hash, known);
      return;
    }
    this.byHash.set(hash, bytes);
    this.bytes += bytes.byteLength;
    for (const [oldest, dropped] of this.byHash) {
      if (this.bytes <= this.maxBytes) break;
      this.byHash.delete(oldest);
      this.bytes -= dropped.byteLength;
    }
  }
}
