/**
 * @trellis/artifacts — the artifact store (local filesystem or S3-compatible), content digests,
 * content-addressed storage of files and directories, and materialization to local paths.
 * No database access: the worker and the API record Artifact rows themselves.
 */
export { ArtifactNotFoundError, ArtifactRangeError, type ArtifactStore, type ByteRange } from "./store.js";
export { LocalArtifactStore } from "./local-store.js";
export { S3ArtifactStore, type S3ArtifactStoreOptions, type S3Credentials } from "./s3-store.js";
export { artifactStoreFromEnv, ArtifactStoreConfigError, defaultArtifactRoot } from "./config.js";
export {
  ArtifactContentError,
  digestDirectory,
  digestFile,
  manifestBytes,
  normalizeMode,
  sha256Hex,
  type DirectoryDigest,
  type FileDigest,
  type ManifestEntry,
} from "./digest.js";
export {
  ArtifactIntegrityError,
  blobKey,
  ensureStored,
  evictMaterialized,
  manifestKey,
  materializeArtifact,
  openArtifactFile,
  readManifest,
  removeTree,
  storageKeyOf,
  storeArtifact,
  type ArtifactKind,
  type ArtifactLocation,
  type OpenedArtifactFile,
  type StoredArtifact,
} from "./content.js";
export { describeArtifact, mediaTypeOfFileName, ROW_COUNT_MAX_BYTES, type ArtifactMetadata } from "./describe.js";
