import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile, chmod, stat } from "node:fs/promises";
import path from "node:path";
import { canonicalJson } from "@trellis/spec";
import type { PrismaClient } from "@trellis/db";
import type { Tx } from "./transitions.js";
import { validationFailed, type Issue } from "./errors.js";

export interface CodeFileInput {
  path: string;
  /** base64 */
  content: string;
  mode?: number;
}

export interface ManifestEntry {
  path: string;
  digest: string;
  size: number;
  mode: number;
}

export const CODE_LIMITS = { maxFileBytes: 10 * 1024 * 1024, maxTotalBytes: 50 * 1024 * 1024, maxFiles: 5000 };

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** Validates and decodes an uploaded directory snapshot; the digest covers paths, modes and contents. */
export function prepareSnapshot(files: CodeFileInput[]): { digest: string; manifest: ManifestEntry[]; blobs: Map<string, Buffer> } {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const blobs = new Map<string, Buffer>();
  const manifest: ManifestEntry[] = [];
  let total = 0;
  if (files.length > CODE_LIMITS.maxFiles) issues.push({ path: "code.files", message: `too many files (${files.length} > ${CODE_LIMITS.maxFiles})` });
  files.forEach((file, i) => {
    const where = `code.files[${i}]`;
    const normalized = path.posix.normalize(file.path);
    if (!file.path || file.path.startsWith("/") || normalized.startsWith("..") || normalized !== file.path || file.path.includes("\\")) {
      issues.push({ path: `${where}.path`, message: `invalid path "${file.path}": use a relative POSIX path without "..", "." or "//"` });
      return;
    }
    if (seen.has(file.path)) {
      issues.push({ path: `${where}.path`, message: `duplicate path "${file.path}"` });
      return;
    }
    seen.add(file.path);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file.content)) {
      issues.push({ path: `${where}.content`, message: "content must be base64" });
      return;
    }
    const content = Buffer.from(file.content, "base64");
    if (content.length > CODE_LIMITS.maxFileBytes) {
      issues.push({ path: `${where}.content`, message: `file "${file.path}" is ${content.length} bytes; the limit is ${CODE_LIMITS.maxFileBytes}` });
      return;
    }
    total += content.length;
    const digest = sha256(content);
    blobs.set(digest, content);
    manifest.push({ path: file.path, digest, size: content.length, mode: (file.mode ?? 0o644) & 0o777 });
  });
  if (total > CODE_LIMITS.maxTotalBytes) issues.push({ path: "code", message: `snapshot is ${total} bytes; the limit is ${CODE_LIMITS.maxTotalBytes}` });
  if (issues.length) throw validationFailed("invalid code snapshot", issues);
  manifest.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { digest: sha256(canonicalJson(manifest)), manifest, blobs };
}

export async function storeSnapshot(tx: Tx, snapshot: ReturnType<typeof prepareSnapshot>): Promise<void> {
  if (snapshot.blobs.size > 0) {
    await tx.blob.createMany({
      data: [...snapshot.blobs].map(([digest, content]) => ({ digest, size: content.length, content: new Uint8Array(content) })),
      skipDuplicates: true,
    });
  }
  await tx.codeSnapshot.createMany({
    data: [
      {
        digest: snapshot.digest,
        manifest: snapshot.manifest as unknown as object,
        fileCount: snapshot.manifest.length,
        totalSize: snapshot.manifest.reduce((n, f) => n + f.size, 0),
      },
    ],
    skipDuplicates: true,
  });
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a snapshot into `dir` (which must not exist) through a temporary sibling directory
 * and an atomic rename, so concurrent workers never see a half-written tree.
 */
export async function materializeSnapshot(db: PrismaClient, digest: string, dir: string): Promise<void> {
  if (await exists(dir)) return;
  const snapshot = await db.codeSnapshot.findUnique({ where: { digest } });
  if (!snapshot) throw new Error(`code snapshot ${digest} is missing from the database`);
  const manifest = snapshot.manifest as unknown as ManifestEntry[];
  const blobs = await db.blob.findMany({ where: { digest: { in: [...new Set(manifest.map((m) => m.digest))] } } });
  const byDigest = new Map(blobs.map((b) => [b.digest, b.content]));
  const tmp = `${dir}.tmp-${randomUUID()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const entry of manifest) {
      const content = byDigest.get(entry.digest);
      if (!content) throw new Error(`blob ${entry.digest} of ${entry.path} is missing`);
      const target = path.join(tmp, entry.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      await chmod(target, entry.mode);
    }
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another worker won the race; its tree is identical.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
