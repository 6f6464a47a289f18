import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startS3Server, type S3TestServer } from "../../../test/s3-server.js";
import {
  ArtifactIntegrityError,
  blobKey,
  manifestKey,
  materializeArtifact,
  openArtifactFile,
  readManifest,
  removeTree,
  storeArtifact,
} from "./content.js";
import { digestDirectory, digestFile } from "./digest.js";
import { LocalArtifactStore } from "./local-store.js";
import { ArtifactNotFoundError, ArtifactRangeError, type ArtifactStore } from "./store.js";

/**
 * One contract, two backends: every test below runs against the local filesystem store and
 * against the S3 store talking to a real S3-protocol server (s3rver).
 */
let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

const MiB = 1024 * 1024;

const backends: { name: string; create(root: string): ArtifactStore }[] = [
  { name: "local", create: (root) => new LocalArtifactStore(path.join(root, "store")) },
  // Small parts so that the large-file test goes through a multipart upload.
  { name: "s3", create: (root) => s3.store({ prefix: `run-${path.basename(root)}/`, multipartThreshold: 8 * MiB, partSize: 5 * MiB }) },
];

const bytes = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};
const text = async (stream: Readable) => (await bytes(stream)).toString("utf8");
const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

describe.each(backends)("$name artifact store", ({ create }) => {
  let tmp: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "trellis-store-"));
    store = create(tmp);
  });
  afterEach(async () => {
    await removeTree(tmp);
  });

  it("puts, checks, gets, reads and deletes objects", async () => {
    const src = path.join(tmp, "src.txt");
    await writeFile(src, "hello artifacts\n");
    expect(await store.has("a/b/c")).toBe(false);
    await store.putFile("a/b/c", src);
    expect(await store.has("a/b/c")).toBe(true);
    await store.putBytes("a/bytes", Buffer.from("in memory"));

    const dest = path.join(tmp, "out", "copy.txt");
    await store.getFile("a/b/c", dest);
    expect(await readFile(dest, "utf8")).toBe("hello artifacts\n");
    expect(await text(await store.read("a/b/c"))).toBe("hello artifacts\n");
    expect(await text(await store.read("a/bytes"))).toBe("in memory");
    expect(await text(await store.read("a/b/c", { start: 6, end: 14 }))).toBe("artifacts");
    expect(await text(await store.read("a/b/c", { start: 6 }))).toBe("artifacts\n");
    await expect(store.read("a/b/c", { start: 100 })).rejects.toThrow(ArtifactRangeError);

    await store.delete(["a/b/c", "never/existed"]);
    expect(await store.has("a/b/c")).toBe(false);
    expect(await store.has("a/bytes")).toBe(true);
    await expect(store.read("a/b/c")).rejects.toThrow(ArtifactNotFoundError);
    await expect(store.getFile("a/b/c", path.join(tmp, "missing"))).rejects.toThrow(ArtifactNotFoundError);
    await store.delete([]);
  });

  it("overwrites idempotently: the same key put twice holds the content once", async () => {
    const src = path.join(tmp, "src");
    await writeFile(src, "same");
    await store.putFile("k", src);
    await store.putFile("k", src);
    expect(await text(await store.read("k"))).toBe("same");
  });

  it("refuses keys that could leave the store's root", async () => {
    for (const key of ["../x", "/abs", "a//b", "a/./b", ""]) await expect(store.has(key)).rejects.toThrow(/invalid artifact store key/);
  });

  it("streams a large file in and out without changing a byte", async () => {
    const src = path.join(tmp, "large.bin");
    // 21 MiB + a bit: several multipart parts on S3, with a short last one.
    const data = randomBytes(21 * MiB + 4321);
    await writeFile(src, data);
    const expected = sha(data);
    await store.putFile("large", src);
    const dest = path.join(tmp, "large.out");
    await store.getFile("large", dest);
    expect((await digestFile(dest)).digest).toBe(expected);
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of (await store.read("large")) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    expect({ digest: hash.digest("hex"), size }).toEqual({ digest: expected, size: data.length });
    expect(await bytes(await store.read("large", { start: data.length - 10 }))).toEqual(data.subarray(data.length - 10));
    expect(await bytes(await store.read("large", { start: 9 * MiB, end: 9 * MiB + 99 }))).toEqual(data.subarray(9 * MiB, 9 * MiB + 100));
  });

  it("stores a file artifact content-addressed, once", async () => {
    const src = path.join(tmp, "rows.csv");
    await writeFile(src, "a,b\n1,2\n");
    const first = await storeArtifact(store, src);
    expect(first).toEqual({ digest: sha("a,b\n1,2\n"), kind: "file", size: 8, fileCount: 1, storageKey: blobKey(sha("a,b\n1,2\n")), uploadedBytes: 8 });
    expect(first.storageKey).toBe(`blobs/sha256/${first.digest.slice(0, 2)}/${first.digest}`);
    const again = await storeArtifact(store, src);
    expect(again).toEqual({ ...first, uploadedBytes: 0 });
  });

  it("round-trips a directory artifact: manifest, blobs once per content, read-only materialized tree", async () => {
    const dir = path.join(tmp, "model");
    await mkdir(path.join(dir, "weights", "deep"), { recursive: true });
    await writeFile(path.join(dir, "config.json"), '{"layers": 3}');
    await writeFile(path.join(dir, "weights", "a.bin"), randomBytes(100_000));
    await writeFile(path.join(dir, "weights", "deep", "same1"), "duplicate");
    await writeFile(path.join(dir, "weights", "deep", "same2"), "duplicate");
    await writeFile(path.join(dir, "run.sh"), "#!/bin/sh\necho hi\n");
    await chmod(path.join(dir, "run.sh"), 0o755);
    await writeFile(path.join(tmp, "target.txt"), "linked content");
    await symlink(path.join(tmp, "target.txt"), path.join(dir, "link.txt"));

    const stored = await storeArtifact(store, dir);
    const local = await digestDirectory(dir);
    expect(stored).toMatchObject({ digest: local.digest, kind: "directory", size: local.size, fileCount: 6, storageKey: manifestKey(local.digest) });
    // The duplicate content is uploaded once.
    expect(stored.uploadedBytes).toBe(local.size - "duplicate".length);
    expect(await store.has(manifestKey(local.digest))).toBe(true);
    for (const entry of local.manifest) expect(await store.has(blobKey(entry.digest))).toBe(true);
    expect(await readManifest(store, stored)).toEqual(local.manifest);
    expect((await storeArtifact(store, dir)).uploadedBytes).toBe(0);

    const cache = path.join(tmp, "cache");
    const materialized = await materializeArtifact(store, stored, cache);
    expect(materialized).toBe(path.join(cache, stored.digest));
    expect((await digestDirectory(materialized)).digest).toBe(stored.digest);
    expect(await readFile(path.join(materialized, "link.txt"), "utf8")).toBe("linked content");
    expect((await stat(path.join(materialized, "config.json"))).mode & 0o777).toBe(0o444);
    expect((await stat(path.join(materialized, "run.sh"))).mode & 0o777).toBe(0o555);
    expect((await stat(path.join(materialized, "weights"))).mode & 0o777).toBe(0o555);
    expect((await stat(materialized)).mode & 0o777).toBe(0o555);
    // No temporary leftovers.
    expect(await readdir(cache)).toEqual([stored.digest]);

    const inner = await openArtifactFile(store, stored, "weights/deep/same2");
    expect({ path: inner.path, size: inner.size, digest: inner.digest, text: await text(inner.stream) }).toEqual({
      path: "weights/deep/same2",
      size: 9,
      digest: sha("duplicate"),
      text: "duplicate",
    });
    expect(await text((await openArtifactFile(store, stored, "config.json", { start: 1, end: 8 })).stream)).toBe('"layers"');
    await expect(openArtifactFile(store, stored, "nope.txt")).rejects.toThrow(ArtifactNotFoundError);
    await expect(openArtifactFile(store, stored)).rejects.toThrow(ArtifactNotFoundError);
  });

  it("materializes a file once per digest, also when steps ask concurrently, and verifies its content", async () => {
    const src = path.join(tmp, "data.csv");
    await writeFile(src, "x\n1\n");
    const stored = await storeArtifact(store, src);
    const cache = path.join(tmp, "cache");
    const paths = await Promise.all(Array.from({ length: 5 }, () => materializeArtifact(store, stored, cache)));
    expect(new Set(paths)).toEqual(new Set([path.join(cache, stored.digest)]));
    expect(await readFile(paths[0]!, "utf8")).toBe("x\n1\n");
    expect((await stat(paths[0]!)).mode & 0o777).toBe(0o444);
    expect(await readdir(cache)).toEqual([stored.digest]);

    const file = await openArtifactFile(store, { ...stored, size: 4 });
    expect({ size: file.size, path: file.path, text: await text(file.stream) }).toEqual({ size: 4, path: null, text: "x\n1\n" });

    // Different bytes under the digest's key are detected and nothing is left in the cache.
    const other = path.join(tmp, "other");
    await writeFile(other, "tampered");
    await store.putFile(stored.storageKey, other);
    const fresh = path.join(tmp, "cache2");
    await expect(materializeArtifact(store, stored, fresh)).rejects.toThrow(ArtifactIntegrityError);
    expect(await readdir(fresh)).toEqual([]);
    // A missing artifact is reported as such.
    await expect(materializeArtifact(store, { digest: sha("nothing"), kind: "file" }, fresh)).rejects.toThrow(ArtifactNotFoundError);
  });

  it("replaces a materialized copy that a step changed (read-only modes do not stop root)", async () => {
    const src = path.join(tmp, "data.csv");
    await writeFile(src, "x\n1\n");
    const file = await storeArtifact(store, src);
    const dir = path.join(tmp, "model");
    await mkdir(path.join(dir, "sub"), { recursive: true });
    await writeFile(path.join(dir, "sub", "w"), "weights");
    const tree = await storeArtifact(store, dir);
    const cache = path.join(tmp, "cache");
    const filePath = await materializeArtifact(store, file, cache);
    const treePath = await materializeArtifact(store, tree, cache);

    // Unchanged copies are reused as they are.
    const before = await stat(filePath);
    expect(await materializeArtifact(store, file, cache)).toBe(filePath);
    expect((await stat(filePath)).ino).toBe(before.ino);

    await chmod(filePath, 0o644);
    await appendFile(filePath, "corrupted\n");
    expect(await materializeArtifact(store, file, cache)).toBe(filePath);
    expect(await readFile(filePath, "utf8")).toBe("x\n1\n");

    await chmod(path.join(treePath, "sub"), 0o755);
    await writeFile(path.join(treePath, "sub", "extra"), "added by a step");
    expect(await materializeArtifact(store, tree, cache)).toBe(treePath);
    expect(await readdir(path.join(treePath, "sub"))).toEqual(["w"]);
    expect((await digestDirectory(treePath)).digest).toBe(tree.digest);
  });

  it("reads what was stored from a fresh cache (nothing local is reused)", async () => {
    const dir = path.join(tmp, "d");
    await mkdir(dir);
    await writeFile(path.join(dir, "f"), "content");
    const stored = await storeArtifact(store, dir);
    await rm(dir, { recursive: true });
    const out = await materializeArtifact(store, { digest: stored.digest, kind: "directory" }, path.join(tmp, "fresh-cache"));
    expect(await readFile(path.join(out, "f"), "utf8")).toBe("content");
    const streamed = await text(createReadStream(path.join(out, "f")));
    expect(streamed).toBe("content");
  });
});
