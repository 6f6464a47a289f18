import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson } from "@trellis/spec";
import { ArtifactContentError, digestDirectory, digestFile } from "./digest.js";

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "trellis-digest-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function write(root: string, files: Record<string, string | Buffer>, order = Object.keys(files)) {
  for (const rel of order) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, files[rel]!);
  }
}

describe("digestFile", () => {
  it("gives the known sha256 of known content", async () => {
    const cases: [string, string][] = [
      ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
      ["hello\n", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"],
    ];
    for (const [content, digest] of cases) {
      await writeFile(path.join(tmp, "f"), content);
      expect(await digestFile(path.join(tmp, "f"))).toEqual({ digest, size: Buffer.byteLength(content) });
    }
  });

  it("streams a file larger than one read chunk and agrees with sha256sum", async () => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const file = path.join(tmp, "big");
    await writeFile(file, data);
    const expected = execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
    expect(await digestFile(file)).toEqual({ digest: expected, size: data.length });
  });
});

describe("digestDirectory", () => {
  const files = { "b.txt": "bee", "a/z.csv": "x,y\n1,2\n", "a/b/c.bin": Buffer.from([0, 1, 2, 255]), "empty": "" };

  it("is the sha256 of the canonical manifest sorted by path", async () => {
    await write(tmp, files);
    const result = await digestDirectory(tmp);
    const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
    const manifest = [
      { path: "a/b/c.bin", digest: sha(files["a/b/c.bin"]), size: 4, mode: 0o644 },
      { path: "a/z.csv", digest: sha(files["a/z.csv"]), size: 8, mode: 0o644 },
      { path: "b.txt", digest: sha("bee"), size: 3, mode: 0o644 },
      { path: "empty", digest: sha(""), size: 0, mode: 0o644 },
    ];
    expect(result).toEqual({ digest: sha(canonicalJson(manifest)), size: 15, fileCount: 4, manifest });
  });

  it("does not depend on creation order, timestamps or permission bits other than execute", async () => {
    const one = path.join(tmp, "one");
    const two = path.join(tmp, "two");
    await write(one, files);
    await write(two, files, Object.keys(files).reverse());
    await utimes(path.join(two, "b.txt"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    await chmod(path.join(two, "a/z.csv"), 0o600);
    expect((await digestDirectory(two)).digest).toBe((await digestDirectory(one)).digest);
    // Empty directories are not part of the content.
    await mkdir(path.join(two, "nothing/here"), { recursive: true });
    expect((await digestDirectory(two)).digest).toBe((await digestDirectory(one)).digest);
  });

  it("changes when a byte, a path or an execute bit changes", async () => {
    await write(tmp, files);
    const base = (await digestDirectory(tmp)).digest;
    await writeFile(path.join(tmp, "a/z.csv"), "x,y\n1,3\n");
    const byte = (await digestDirectory(tmp)).digest;
    expect(byte).not.toBe(base);
    await writeFile(path.join(tmp, "a/z.csv"), files["a/z.csv"]);
    expect((await digestDirectory(tmp)).digest).toBe(base);
    await mkdir(path.join(tmp, "c"));
    await write(tmp, { "c/z.csv": files["a/z.csv"] });
    await rm(path.join(tmp, "a/z.csv"));
    expect((await digestDirectory(tmp)).digest).not.toBe(base);
    await rm(path.join(tmp, "c"), { recursive: true });
    await write(tmp, { "a/z.csv": files["a/z.csv"] });
    expect((await digestDirectory(tmp)).digest).toBe(base);
    await chmod(path.join(tmp, "b.txt"), 0o755);
    const exec = await digestDirectory(tmp);
    expect(exec.digest).not.toBe(base);
    expect(exec.manifest.find((e) => e.path === "b.txt")!.mode).toBe(0o755);
  });

  it("stores a symbolic link to a file as the file's content, and rejects links to directories and dangling links", async () => {
    const outside = path.join(tmp, "outside");
    await write(outside, { "data.csv": "a\n1\n" });
    const dir = path.join(tmp, "out");
    await mkdir(dir);
    await symlink(path.join(outside, "data.csv"), path.join(dir, "data.csv"));
    const linked = await digestDirectory(dir);
    const copy = path.join(tmp, "copy");
    await write(copy, { "data.csv": "a\n1\n" });
    expect(linked.digest).toBe((await digestDirectory(copy)).digest);

    await symlink(outside, path.join(dir, "sub"));
    await expect(digestDirectory(dir)).rejects.toThrow(ArtifactContentError);
    await expect(digestDirectory(dir)).rejects.toThrow(/sub is a symbolic link to a directory/);
    await rm(path.join(dir, "sub"));
    await symlink(path.join(tmp, "missing"), path.join(dir, "gone"));
    await expect(digestDirectory(dir)).rejects.toThrow(/gone is a symbolic link to a missing file/);
  });

  it("rejects special files", async () => {
    execFileSync("mkfifo", [path.join(tmp, "pipe")]);
    await expect(digestDirectory(tmp)).rejects.toThrow(/pipe is not a regular file/);
  });

  it("digests an empty directory as the empty manifest", async () => {
    const result = await digestDirectory(tmp);
    expect(result).toMatchObject({ size: 0, fileCount: 0, manifest: [], digest: createHash("sha256").update("[]").digest("hex") });
  });
});
