/**
 * The bytes of outputs a remote worker's result carried (OutputCommit.carried), kept in an
 * artifact store before a commit, by a store that cannot write them in its commit itself.
 */
import type { ArtifactKey, ArtifactStore } from '../artifacts/artifactStore';
import type { CarriedBytes } from '../model/artifactRef';

export async function keepCarriedFirst(artifacts: ArtifactStore, refs: readonly ArtifactKey[], carried: CarriedBytes | undefined): Promise<void> {
  if (!carried) return;
  for (const ref of refs) {
    const bytes = carried.get(ref.hash);
    if (bytes !== undefined) await artifacts.putBytes(ref, bytes);
  }
}
