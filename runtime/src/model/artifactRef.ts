/** Where a stored value lives and how to read it back. */
export interface ArtifactRef {
  /** sha256 hex of `materializer + "\0" + bytes`. */
  hash: string;
  /** Name of the materializer that wrote the bytes. */
  materializer: string;
  /** Size of the stored bytes. */
  size: number;
  /** The stored value's type for humans, e.g. "number", "Array", "Map", "Buffer" or a class name. */
  typeName: string;
}

/** Bytes of artifacts, by hash, each checked against it: on their way to a store that does not hold them yet. */
export type CarriedBytes = ReadonlyMap<string, Buffer>;
