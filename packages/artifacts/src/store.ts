import type { Readable } from "node:stream";

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * Where artifact bytes live. Keys are relative POSIX paths ("blobs/sha256/ab/abcd…"); the
 * content-addressing layer (content.ts) decides them, so a key's content never changes once
 * written and every put is idempotent. Both backends implement the same contract (see
 * store.int.test.ts), so the worker and the API never check which one they have.
 */
export interface ArtifactStore {
  readonly kind: "local" | "s3";
  /** Where the bytes go, for logs and error messages ("local /data/artifacts", "s3://bucket/prefix/ at http://…"). No secrets. */
  describe(): string;
  has(key: string): Promise<boolean>;
  /** Uploads a local file; readers never see a partially written object. */
  putFile(key: string, localPath: string): Promise<void>;
  /** Stores small content held in memory (directory manifests). */
  putBytes(key: string, bytes: Uint8Array): Promise<void>;
  /** Downloads an object to `localPath` (written through a temporary sibling and renamed). */
  getFile(key: string, localPath: string): Promise<void>;
  /**
   * Streams an object, or a byte range of it (API downloads and previews). A missing key
   * rejects with ArtifactNotFoundError before any byte is produced.
   */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes objects; keys that do not exist are ignored. */
  delete(keys: string[]): Promise<void>;
  /** Releases connections (the S3 client's sockets); the store must not be used afterwards. */
  close(): void;
}

/** The object (or a file inside a directory artifact) does not exist. The API maps it to 404. */
export class ArtifactNotFoundError extends Error {
  readonly code = "ARTIFACT_NOT_FOUND";
  constructor(message: string) {
    super(message);
    this.name = "ArtifactNotFoundError";
  }
}

/** A requested byte range lies outside the object (HTTP 416). */
export class ArtifactRangeError extends Error {
  readonly code = "ARTIFACT_RANGE_NOT_SATISFIABLE";
  constructor(message: string) {
    super(message);
    this.name = "ArtifactRangeError";
  }
}

/**
 * Keys come from the content layer, but the API passes user-supplied paths through
 * openArtifactFile; a key must never escape the store's root or prefix.
 */
export function checkKey(key: string): string {
  if (key === "" || key.startsWith("/") || key.includes("\\") || key.includes("\0") || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new Error(`invalid artifact store key ${JSON.stringify(key)}`);
  }
  return key;
}

export function checkRange(range: ByteRange | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new ArtifactRangeError(`invalid byte range ${start}-${end ?? ""}`);
  }
}
