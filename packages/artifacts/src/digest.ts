import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { canonicalJson } from "@trellis/spec";

/** One file of a directory artifact. The manifest lists every regular file, sorted by path. */
export interface ManifestEntry {
  /** Relative POSIX path inside the directory ("data/train.csv"). */
  path: string;
  /** sha256 hex of the file's bytes. */
  digest: string;
  size: number;
  /** 0o755 when any execute bit is set, else 0o644 (as git does), so the umask does not change digests. */
  mode: number;
}

export interface FileDigest {
  digest: string;
  size: number;
}

export interface DirectoryDigest {
  /** sha256 hex of canonicalJson(manifest). */
  digest: string;
  /** Total bytes of all files. */
  size: number;
  fileCount: number;
  manifest: ManifestEntry[];
}

/** A local output cannot be turned into an artifact (special file, dangling link, …); retrying would not help. */
export class ArtifactContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactContentError";
  }
}

export const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

export const DIGEST_RE = /^[0-9a-f]{64}$/;

/** Streaming sha256 of a file (memory does not grow with its size); symlinks are followed. */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: hash.digest("hex"), size };
}

export const normalizeMode = (mode: number) => (mode & 0o111 ? 0o755 : 0o644);

/** The manifest's canonical bytes: what a directory's digest is taken of and what the store keeps. */
export const manifestBytes = (manifest: ManifestEntry[]) => Buffer.from(canonicalJson(manifest), "utf8");

const comparePaths = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** The regular files under `root` as [relative POSIX path, absolute path, mode]. */
async function listFiles(root: string): Promise<{ rel: string; abs: string; mode: number }[]> {
  const files: { rel: string; abs: string; mode: number }[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(abs, relPath);
      } else if (entry.isFile()) {
        files.push({ rel: relPath, abs, mode: (await lstat(abs)).mode });
      } else if (entry.isSymbolicLink()) {
        // A link to a file is stored as the file it points to (a step may link an input into
        // its output instead of copying it; the content is stored once anyway). Links to
        // directories are refused: following them could loop or pull in a whole tree.
        const target = await stat(abs).catch(() => null);
        if (!target) throw new ArtifactContentError(`${relPath} is a symbolic link to a missing file`);
        if (!target.isFile()) throw new ArtifactContentError(`${relPath} is a symbolic link to a directory or special file; directory artifacts may only link to regular files`);
        files.push({ rel: relPath, abs, mode: target.mode });
      } else {
        throw new ArtifactContentError(`${relPath} is not a regular file, directory or symbolic link (socket, FIFO or device)`);
      }
    }
  };
  await walk(root, "");
  return files;
}

/**
 * Digest of a directory: its canonical manifest (every regular file's path, sha256, size and
 * normalised mode, sorted by path) hashed with sha256. It depends only on paths, contents and
 * execute bits, not on creation order, timestamps or owners. Empty directories are not part of
 * it (and are not recreated when the artifact is materialized).
 */
export async function digestDirectory(dir: string): Promise<DirectoryDigest> {
  const info = await stat(dir);
  if (!info.isDirectory()) throw new ArtifactContentError(`${dir} is not a directory`);
  const files = await listFiles(dir);
  const manifest = await mapLimit(files, 8, async (f) => {
    const { digest, size } = await digestFile(f.abs);
    return { path: f.rel, digest, size, mode: normalizeMode(f.mode) };
  });
  manifest.sort(comparePaths);
  return {
    digest: sha256Hex(manifestBytes(manifest)),
    size: manifest.reduce((n, f) => n + f.size, 0),
    fileCount: manifest.length,
    manifest,
  };
}

/**
 * Checks a manifest read back from a store: paths must stay inside the directory, be unique and
 * sorted, digests must be sha256 hex. (Its own digest is checked by the caller.)
 */
export function checkManifest(value: unknown): ManifestEntry[] {
  if (!Array.isArray(value)) throw new ArtifactContentError("a directory manifest must be a JSON array");
  let previous: string | null = null;
  return value.map((raw: unknown, i) => {
    const e = raw as Partial<ManifestEntry> | null;
    const p = e?.path;
    const valid =
      typeof p === "string" &&
      p !== "" &&
      !p.startsWith("/") &&
      !p.includes("\0") &&
      !p.split("/").some((part) => part === "" || part === "." || part === "..") &&
      typeof e?.digest === "string" &&
      DIGEST_RE.test(e.digest) &&
      Number.isSafeInteger(e.size) &&
      (e.size as number) >= 0 &&
      (e.mode === 0o644 || e.mode === 0o755);
    if (!valid) throw new ArtifactContentError(`directory manifest entry ${i} is malformed`);
    if (previous !== null && !(previous < p)) throw new ArtifactContentError(`directory manifest is not sorted by path at entry ${i}`);
    previous = p;
    return { path: p, digest: e.digest!, size: e.size!, mode: e.mode! };
  });
}
