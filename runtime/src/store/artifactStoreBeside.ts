/**
 * An artifact store a run store keeps its outputs in instead of its own (an S3 bucket, given by
 * `openRunStore`): made from the store folder's `artifacts/`, which it keeps as copies and where
 * local runners write, and whether the run store is read-only (then reads leave no copy).
 */
import * as path from 'node:path';
import type { ArtifactStore } from '../artifacts/artifactStore';
import { LocalArtifactStore } from '../artifacts/localArtifactStore';

export type ArtifactStoreBeside = (folder: LocalArtifactStore, readOnly: boolean) => ArtifactStore;

/** The artifact store of a store folder: the one beside it, if any, else the folder's `artifacts/`. */
export function artifactStoreOf(dir: string, readOnly: boolean, beside?: ArtifactStoreBeside): ArtifactStore {
  const folder = new LocalArtifactStore(path.join(dir, 'artifacts'));
  return beside ? beside(folder, readOnly) : folder;
}
