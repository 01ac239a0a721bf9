/**
 * The artifact layer: content-addressed storage of step outputs, the built-in and custom
 * materializers, and the safe structured encoding they rely on.
 */
export { ArtifactStore, ArtifactIntegrityError } from './artifactStore';
export type { ArtifactRef } from './artifactStore';
export { registerMaterializer, getMaterializer, materializerFor, ensureMaterializerKnown } from './materializers';
export type { Materializer, MaterializableType } from './materializers';
export { encodeStructured, decodeStructured, isPlainJson, ArtifactEncodingError } from './structured';
export { typeNameOf } from './valueKinds';
