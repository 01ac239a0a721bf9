/**
 * The artifact layer: content-addressed storage of step outputs (the `ArtifactStore` seam and the
 * local folder behind it), the built-in and custom materializers, and the safe structured
 * encoding they rely on.
 */
export { ArtifactIntegrityError } from './artifactStore';
export type { ArtifactKey, ArtifactRef, ArtifactStore } from './artifactStore';
export { LocalArtifactStore } from './localArtifactStore';
export { registerMaterializer, getMaterializer, materializerFor, ensureMaterializerKnown } from './materializers';
export type { Materializer, MaterializableType } from './materializers';
export { encodeStructured, decodeStructured, isPlainJson, ArtifactEncodingError } from './structured';
export { typeNameOf } from './valueKinds';
