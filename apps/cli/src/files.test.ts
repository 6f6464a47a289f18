import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkLimits, collectSnapshot, findSpecFile, isSkipped, LIMITS, PushError, uploadMode } from "./files.js";

const MiB = 1024 * 1024;

describe("file collection rules", () => {
  it("skips VCS, dependency, cache and virtualenv directories", () => {
    for (const dir of [".git", "node_modules", "__pycache__", ".venv"]) expect(isSkipped(dir, true)).toBe(true);
    for (const dir of ["src", "data", ".github", "venv"]) expect(isSkipped(dir, false)).toBe(false);
  });

  it("skips compiled Python files but not other files named like the skipped directories", () => {
    expect(isSkipped("model.pyc", false)).toBe(true);
    expect(isSkipped("train.py", false)).toBe(false);
    expect(isSkipped("node_modules", false)).toBe(false);
  });

  it("sends 0644 or 0755", () => {
    expect(uploadMode(0o100644)).toBe(420);
    expect(uploadMode(0o100600)).toBe(420);
    expect(uploadMode(0o100755)).toBe(493);
    expect(uploadMode(0o100700)).toBe(493);
  });

  it("refuses a file over 10 MiB, naming it", () => {
    expect(() => checkLimits([{ path: "data/big.csv", size: 10 * MiB + 1 }])).toThrow(PushError);
    expect(() => checkLimits([{ path: "data/big.csv", size: 10 * MiB + 1 }])).toThrow(/data\/big\.csv is 10\.0 MiB; files larger than 10\.0 MiB/);
    expect(() => checkLimits([{ path: "ok.bin", size: 10 * MiB }])).not.toThrow();
  });

  it("refuses a snapshot over 50 MiB, listing the largest files", () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ path: `part-${i}.bin`, size: 9 * MiB + i }));
    expect(() => checkLimits(entries)).toThrow(/snapshot is 54\.0 MiB; the limit is 50\.0 MiB\. Largest files: part-5\.bin/);
    expect(() => checkLimits(entries.slice(0, 5))).not.toThrow();
  });

  it("refuses more files than the server takes", () => {
    const entries = Array.from({ length: LIMITS.maxFiles + 1 }, (_, i) => ({ path: `f${i}`, size: 1 }));
    expect(() => checkLimits(entries)).toThrow(/at most 5000/);
  });
});

describe("collectSnapshot / findSpecFile", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "trellis-cli-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("collects files as sorted relative POSIX paths with base64 content, skipping the spec and ignored entries", async () => {
    await writeFile(path.join(dir, "pipeline.yaml"), "name: x\n");
    await writeFile(path.join(dir, "train.py"), "print('hi')\n");
    await mkdir(path.join(dir, "lib", "nested"), { recursive: true });
    await writeFile(path.join(dir, "lib", "nested", "util.py"), "x = 1\n");
    await writeFile(path.join(dir, "lib", "util.pyc"), "junk");
    await writeFile(path.join(dir, "run.sh"), "#!/bin/sh\necho hi\n");
    await chmod(path.join(dir, "run.sh"), 0o755);
    for (const skipped of [".git", "node_modules", "__pycache__", ".venv", "lib/__pycache__"]) {
      await mkdir(path.join(dir, skipped), { recursive: true });
      await writeFile(path.join(dir, skipped, "file"), "skip me");
    }
    await symlink(path.join(dir, "lib"), path.join(dir, "lib-link"));
    await symlink(path.join(dir, "train.py"), path.join(dir, "train-link.py"));

    expect(path.basename(findSpecFile(dir))).toBe("pipeline.yaml");
    const snapshot = await collectSnapshot(dir, ["pipeline.yaml"]);
    expect(snapshot.files.map((f) => [f.path, f.mode])).toEqual([
      ["lib/nested/util.py", 420],
      ["run.sh", 493],
      ["train-link.py", 420],
      ["train.py", 420],
    ]);
    expect(Buffer.from(snapshot.files[3]!.content, "base64").toString()).toBe("print('hi')\n");
    expect(snapshot.totalBytes).toBe(6 + 18 + 12 + 12);
    expect(snapshot.notes).toEqual(["skipped lib-link: symbolic link to a directory"]);
  });

  it("finds pipeline.yml and pipeline.json, and rejects none or several", async () => {
    await expect(async () => findSpecFile(dir)).rejects.toThrow(/has no pipeline\.yaml, pipeline\.yml, pipeline\.json/);
    await writeFile(path.join(dir, "pipeline.json"), "{}");
    expect(path.basename(findSpecFile(dir))).toBe("pipeline.json");
    await writeFile(path.join(dir, "pipeline.yml"), "name: x");
    expect(() => findSpecFile(dir)).toThrow(/more than one spec file \(pipeline\.yml, pipeline\.json\)/);
  });

  it("refuses an oversized file before reading everything", async () => {
    await writeFile(path.join(dir, "big.bin"), Buffer.alloc(LIMITS.maxFileBytes + 1));
    await expect(collectSnapshot(dir)).rejects.toThrow(/big\.bin is 10\.0 MiB/);
  });
});
