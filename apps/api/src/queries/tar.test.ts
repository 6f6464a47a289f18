import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { tarSize, tarStream, type TarEntry } from "./tar.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "trellis-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (p: string, content: string | Buffer, mode = 0o644): TarEntry => {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { path: p, size: bytes.length, mode, open: async () => Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]) };
};

async function collect(entries: TarEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarStream(entries, 1_700_000_000)) chunks.push(c);
  return Buffer.concat(chunks);
}

describe("tar", () => {
  it("writes an archive that tar extracts, of exactly the announced size", async () => {
    const long = `model/${"deep/".repeat(30)}weights.bin`;
    const entries = [
      entry("model/config.json", '{"layers": 3}\n'),
      entry("model/run.sh", "#!/bin/sh\necho hi\n", 0o755),
      entry("model/empty.txt", ""),
      entry(long, Buffer.alloc(1500, 7)),
      entry("model/naïve.txt", "unicode name\n"),
    ];
    const archive = await collect(entries);
    expect(archive.length).toBe(tarSize(entries));
    const file = path.join(dir, "a.tar");
    writeFileSync(file, archive);
    const out = path.join(dir, "out");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xf", file, "-C", out]);
    expect(readFileSync(path.join(out, "model/config.json"), "utf8")).toBe('{"layers": 3}\n');
    expect(statSync(path.join(out, "model/run.sh")).mode & 0o111).not.toBe(0);
    expect(readFileSync(path.join(out, "model/empty.txt"), "utf8")).toBe("");
    expect(readFileSync(path.join(out, long))).toEqual(Buffer.alloc(1500, 7));
    expect(readFileSync(path.join(out, "model/naïve.txt"), "utf8")).toBe("unicode name\n");
  });

  it("fails when a file's content does not match its recorded size", async () => {
    const lying: TarEntry = { path: "x", size: 10, mode: 0o644, open: async () => Readable.from([Buffer.from("short")]) };
    await expect(collect([lying])).rejects.toThrow(/5 bytes, not its recorded 10/);
  });
});
