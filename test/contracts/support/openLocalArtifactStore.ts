// Opens a local artifact store in another process (for the contract's two-process test).
import { LocalArtifactStore, type ArtifactStore } from '../../../runtime/src/artifacts';

export function openArtifactStore(spec: { rootDir: string }): ArtifactStore {
  return new LocalArtifactStore(spec.rootDir);
}
