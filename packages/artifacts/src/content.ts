import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, copyFile, lstat, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  ArtifactContentError,
  checkManifest,
  DIGEST_RE,
  digestDirectory,
  digestFile,
  manifestBytes,
  mapLimit,
  sha256Hex,
  type ManifestEntry,
} from "./digest.js";
import { ArtifactNotFoundError, type ArtifactStore, type ByteRange } from "./store.js";

export type ArtifactKind = "file" | "directory";

/** Store layout: file contents once per digest; a directory as its manifest plus its files' blobs. */
export const blobKey = (digest: string) => `blobs/sha256/${checkDigest(digest).slice(0, 2)}/${digest}`;
export const manifestKey = (digest: string) => `manifests/${checkDigest(digest)}.json`;
export const storageKeyOf = (digest: string, kind: ArtifactKind) => (kind === "file" ? blobKey(digest) : manifestKey(digest));

function checkDigest(digest: string): string {
  if (!DIGEST_RE.test(digest)) throw new Error(`invalid sha256 digest ${JSON.stringify(digest)}`);
  return digest;
}

/** What storeArtifact stored: the columns of an Artifact row. */
export interface StoredArtifact {
  digest: string;
  kind: ArtifactKind;
  size: number;
  fileCount: number;
  storageKey: string;
  /** Directories only. */
  manifest?: ManifestEntry[];
  /** Bytes uploaded by this call (0 when the store already had everything). */
  uploadedBytes: number;
}

/** Where an artifact's bytes are, as recorded in an Artifact row or an ArtifactRef. */
export interface ArtifactLocation {
  digest: string;
  kind: ArtifactKind;
  /** Default: derived from digest and kind (storageKeyOf). */
  storageKey?: string;
  /** Total bytes, when known: materializeArtifact checks a cached copy against it. */
  size?: number | bigint;
}

/** Downloaded content does not match its digest: the store holds corrupt or foreign bytes. */
export class ArtifactIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactIntegrityError";
  }
}

/** Uploads in flight per directory artifact. */
const CONCURRENCY = 8;

/**
 * Stores a local file or directory content-addressed and returns its digest and store key.
 * Blobs the store already has are not uploaded again. A directory's manifest is written only
 * after all of its blobs, so a present manifest means the whole directory is present: storing
 * the same directory again costs one existence check. (Whoever deletes content must keep that
 * true: delete a directory's manifest before any of its blobs.)
 */
export async function storeArtifact(store: ArtifactStore, localPath: string): Promise<StoredArtifact> {
  const info = await stat(localPath).catch(() => null);
  if (!info) throw new ArtifactContentError(`${localPath} does not exist (or is a dangling symbolic link)`);
  let digested: Omit<StoredArtifact, "uploadedBytes">;
  if (info.isFile()) {
    const { digest, size } = await digestFile(localPath);
    digested = { digest, kind: "file", size, fileCount: 1, storageKey: blobKey(digest) };
  } else if (info.isDirectory()) {
    const dir = await digestDirectory(localPath);
    digested = { digest: dir.digest, kind: "directory", size: dir.size, fileCount: dir.fileCount, storageKey: manifestKey(dir.digest), manifest: dir.manifest };
  } else {
    throw new ArtifactContentError(`${localPath} is neither a regular file nor a directory`);
  }
  return { ...digested, uploadedBytes: await ensureStored(store, localPath, digested) };
}

/**
 * Makes sure the store holds an artifact already digested from `localPath` (by storeArtifact),
 * uploading whatever is missing, without reading the local content again unless it must be
 * uploaded. Returns the bytes uploaded. Normally one existence check: writers call it again
 * under the lock that retention takes, right before recording the Artifact row, so that
 * content deleted in the meantime is put back.
 */
export async function ensureStored(
  store: ArtifactStore,
  localPath: string,
  artifact: Pick<StoredArtifact, "digest" | "kind" | "size"> & { manifest?: ManifestEntry[] },
): Promise<number> {
  if (artifact.kind === "file") {
    const key = blobKey(artifact.digest);
    if (await store.has(key)) return 0;
    await store.putFile(key, localPath);
    return artifact.size;
  }
  const key = manifestKey(artifact.digest);
  if (await store.has(key)) return 0;
  if (!artifact.manifest) throw new Error(`ensureStored: the manifest of directory ${artifact.digest} is needed to upload it`);
  const firstByDigest = new Map<string, ManifestEntry>();
  for (const entry of artifact.manifest) if (!firstByDigest.has(entry.digest)) firstByDigest.set(entry.digest, entry);
  let uploadedBytes = 0;
  await mapLimit([...firstByDigest.values()], CONCURRENCY, async (entry) => {
    const blob = blobKey(entry.digest);
    if (await store.has(blob)) return;
    await store.putFile(blob, path.join(localPath, ...entry.path.split("/")));
    uploadedBytes += entry.size;
  });
  await store.putBytes(key, manifestBytes(artifact.manifest));
  return uploadedBytes;
}

async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw new ArtifactContentError(`${what} is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** Manifests are immutable (addressed by their digest), so the API's repeated reads of one are served from memory. */
const manifestCache = new Map<string, ManifestEntry[]>();
const MANIFEST_CACHE_ENTRIES = 64;
const MANIFEST_CACHE_MAX_FILES = 10_000;

/** The file list of a directory artifact, verified against its digest. The result must not be modified. */
export async function readManifest(store: ArtifactStore, artifact: ArtifactLocation): Promise<ManifestEntry[]> {
  if (artifact.kind !== "directory") throw new Error(`artifact ${artifact.digest} is a file, not a directory`);
  const cacheKey = `${store.describe()}\0${artifact.digest}`;
  const cached = manifestCache.get(cacheKey);
  if (cached) return cached;
  const bytes = await readAll(await store.read(artifact.storageKey ?? manifestKey(artifact.digest)), MAX_MANIFEST_BYTES, `the manifest of ${artifact.digest}`);
  if (sha256Hex(bytes) !== artifact.digest) throw new ArtifactIntegrityError(`the stored manifest of directory artifact ${artifact.digest} does not match its digest`);
  const manifest = checkManifest(JSON.parse(bytes.toString("utf8")) as unknown);
  if (manifest.length <= MANIFEST_CACHE_MAX_FILES) {
    if (manifestCache.size >= MANIFEST_CACHE_ENTRIES) manifestCache.delete(manifestCache.keys().next().value as string);
    manifestCache.set(cacheKey, manifest);
  }
  return manifest;
}

/**
 * Every materialized file and directory gets this modification time (2000-01-01T00:00:00Z).
 * Writing to a file, or adding or removing a directory entry, moves it to "now", which is how a
 * later step notices that an earlier one changed a shared input (possible despite read-only
 * modes when steps run as root) and gets a fresh copy instead.
 */
const MATERIALIZED_MTIME_S = 946_684_800;
const hasMaterializedMtime = (mtimeMs: number) => Math.abs(mtimeMs - MATERIALIZED_MTIME_S * 1000) < 2000;

/** Streams a blob into `dest` (which must not exist), checking its sha256 on the way. */
async function downloadBlob(store: ArtifactStore, digest: string, dest: string, mode: number): Promise<void> {
  const hash = createHash("sha256");
  await pipeline(
    await store.read(blobKey(digest)),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(dest, { flags: "wx" }),
  );
  const actual = hash.digest("hex");
  if (actual !== digest) throw new ArtifactIntegrityError(`blob ${digest} read back from the store has digest ${actual}`);
  await seal(dest, mode);
}

async function seal(target: string, mode: number): Promise<void> {
  await utimes(target, MATERIALIZED_MTIME_S, MATERIALIZED_MTIME_S);
  await chmod(target, mode);
}

/**
 * Whether a materialized copy is still as it was written: every file and directory keeps the
 * materialization mtime, and the total size matches when it is known. Costs one lstat per
 * entry. A copy changed by a step fails this and is replaced.
 */
async function intact(target: string, kind: ArtifactKind, expectedSize: number | null): Promise<boolean> {
  let size = 0;
  const check = async (p: string, top: boolean): Promise<boolean> => {
    const info = await lstat(p);
    if (!hasMaterializedMtime(info.mtimeMs)) return false;
    if (info.isFile()) {
      size += info.size;
      return !top || kind === "file";
    }
    if (!info.isDirectory() || (top && kind !== "directory")) return false;
    for (const entry of await readdir(p)) if (!(await check(path.join(p, entry), false))) return false;
    return true;
  };
  if (!(await check(target, true))) return false;
  return expectedSize === null || size === expectedSize;
}

/** Removes a tree that materialization made read-only (directories need their write bit back first). */
export async function removeTree(target: string): Promise<void> {
  const info = await lstat(target).catch(() => null);
  if (!info) return;
  if (info.isDirectory()) {
    await chmod(target, 0o755);
    for (const entry of await readdir(target)) await removeTree(path.join(target, entry));
  }
  await rm(target, { recursive: true, force: true });
}

/** Removes a materialized artifact from a cache directory (cache eviction). */
export const evictMaterialized = (cacheDir: string, digest: string) => removeTree(path.join(cacheDir, checkDigest(digest)));

/** Read-only modes: a step must not be able to change an input that other steps share. */
const readOnly = (mode: number) => (mode & 0o111 ? 0o555 : 0o444);

const inFlight = new Map<string, Promise<string>>();

/**
 * Makes an artifact available as a local path, `<cacheDir>/<digest>` (a file, or a directory
 * tree), downloading it once: later calls, from any step of this worker or another worker
 * sharing the directory, find it there. The content is written under a temporary name,
 * verified against its digest, made read-only and renamed into place, so a path that exists was
 * complete and correct when it appeared; concurrent calls for one digest in this process share
 * one download (and one check), and between processes the first rename wins (the content is
 * identical). Read-only modes do not stop a step running as root, so each call also checks the
 * cached copy's modification times (and size when given) and replaces a copy that was changed.
 */
export async function materializeArtifact(store: ArtifactStore, artifact: ArtifactLocation, cacheDir: string): Promise<string> {
  const target = path.join(cacheDir, checkDigest(artifact.digest));
  const flightKey = `${path.resolve(cacheDir)}\0${artifact.digest}`;
  let pending = inFlight.get(flightKey);
  if (!pending) {
    pending = ensureMaterialized(store, artifact, cacheDir, target).finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, pending);
  }
  return pending;
}

async function ensureMaterialized(store: ArtifactStore, artifact: ArtifactLocation, cacheDir: string, target: string): Promise<string> {
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists) {
    if (await intact(target, artifact.kind, artifact.size === undefined ? null : Number(artifact.size)).catch(() => false)) return target;
    await removeTree(target);
  }
  return download(store, artifact, cacheDir, target);
}

async function download(store: ArtifactStore, artifact: ArtifactLocation, cacheDir: string, target: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${artifact.digest}-${randomUUID()}`);
  try {
    if (artifact.kind === "file") {
      await downloadBlob(store, artifact.digest, tmp, 0o444);
      await rename(tmp, target);
      return target;
    }
    // Directories: every entry is sealed (materialization mtime, read-only) after its content.
    const manifest = await readManifest(store, artifact);
    await mkdir(tmp);
    const dirs = new Set<string>();
    for (const entry of manifest) {
      for (let d = path.posix.dirname(entry.path); d !== "."; d = path.posix.dirname(d)) dirs.add(d);
    }
    // Parents before children, then each blob is fetched once; files with the same content are copied locally.
    for (const d of [...dirs].sort()) await mkdir(path.join(tmp, ...d.split("/")));
    const byDigest = new Map<string, ManifestEntry[]>();
    for (const entry of manifest) byDigest.set(entry.digest, [...(byDigest.get(entry.digest) ?? []), entry]);
    await mapLimit([...byDigest.values()], CONCURRENCY, async ([first, ...copies]) => {
      const firstPath = path.join(tmp, ...first!.path.split("/"));
      await downloadBlob(store, first!.digest, firstPath, readOnly(first!.mode));
      for (const copy of copies) {
        const copyPath = path.join(tmp, ...copy.path.split("/"));
        await copyFile(firstPath, copyPath);
        await seal(copyPath, readOnly(copy.mode));
      }
    });
    // Deepest directories first (sealing one is not a change to its parent), the root last;
    // renaming within cacheDir needs no write bit on tmp itself.
    for (const d of [...dirs].sort().reverse()) await seal(path.join(tmp, ...d.split("/")), 0o555);
    await seal(tmp, 0o555);
    await rename(tmp, target).catch((err: NodeJS.ErrnoException) => {
      // Another process materialized the same digest first; its tree is identical.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
    return target;
  } finally {
    await removeTree(tmp).catch(() => undefined);
  }
}

export interface OpenedArtifactFile {
  stream: Readable;
  /** Size of the whole file (not of the range); null for a file artifact when the caller did not pass its size. */
  size: number | null;
  /** Path inside a directory artifact; null for a file artifact. */
  path: string | null;
  /** sha256 of the file's bytes. */
  digest: string;
}

/**
 * Streams an artifact's content for the API (downloads, previews): a file artifact itself, or
 * one file of a directory artifact by its manifest path. A missing path rejects with
 * ArtifactNotFoundError. The bytes are not verified here (callers stream them straight out);
 * materializeArtifact is the verified path.
 */
export async function openArtifactFile(
  store: ArtifactStore,
  artifact: ArtifactLocation,
  innerPath?: string | null,
  range?: ByteRange,
): Promise<OpenedArtifactFile> {
  if (artifact.kind === "file") {
    if (innerPath) throw new ArtifactNotFoundError(`artifact ${artifact.digest} is a single file; it has no file "${innerPath}"`);
    const stream = await store.read(artifact.storageKey ?? blobKey(artifact.digest), range);
    return { stream, size: artifact.size === undefined ? null : Number(artifact.size), path: null, digest: artifact.digest };
  }
  if (!innerPath) throw new ArtifactNotFoundError(`artifact ${artifact.digest} is a directory; name one of its files`);
  const wanted = innerPath.replace(/^\/+/, "");
  const entry = (await readManifest(store, artifact)).find((e) => e.path === wanted);
  if (!entry) throw new ArtifactNotFoundError(`directory artifact ${artifact.digest} has no file "${wanted}"`);
  return { stream: await store.read(blobKey(entry.digest), range), size: entry.size, path: entry.path, digest: entry.digest };
}
