// Opens the S3 artifact store of a bucket in another process (for the contract's two-process test).
import * as path from 'node:path';
import { LocalArtifactStore } from '../../../runtime/src/artifacts';
import { S3ArtifactStore } from '../../../runtime/src/artifacts/s3ArtifactStore';
import type { S3Location } from '../../../runtime/src/model/artifactsUrl';

export function openArtifactStore(spec: { location: S3Location; cacheDir?: string }): S3ArtifactStore {
  return new S3ArtifactStore(spec.location, spec.cacheDir === undefined ? undefined : new LocalArtifactStore(path.resolve(spec.cacheDir)));
}
