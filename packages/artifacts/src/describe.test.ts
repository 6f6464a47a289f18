import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeArtifact } from "./describe.js";

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "trellis-describe-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const at = async (name: string, content: string | Buffer) => {
  const file = path.join(tmp, name);
  await writeFile(file, content);
  return file;
};

describe("describeArtifact", () => {
  it("reads the header and counts the rows of a CSV file", async () => {
    const file = await at("train.csv", '\uFEFFid,"name, full",score\r\n1,"a, b",0.5\r\n2,c,0.7\r\n');
    expect(await describeArtifact(file, "dataset")).toEqual({ fileName: "train.csv", mediaType: "text/csv", columns: ["id", "name, full", "score"], rows: 2 });
  });

  it("recognises a dataset without an extension as CSV or TSV by its first lines", async () => {
    expect(await describeArtifact(await at("rows", "a,b\n1,2\n3,4"), "dataset")).toEqual({ fileName: "rows", mediaType: "text/csv", columns: ["a", "b"], rows: 2 });
    expect(await describeArtifact(await at("tsv", "a\tb\tc\n1\t2\t3\n"), "dataset")).toMatchObject({ mediaType: "text/tab-separated-values", columns: ["a", "b", "c"], rows: 1 });
    // Prose is not a table; other output types are not sniffed as tables.
    expect(await describeArtifact(await at("notes", "hello, world\nno table here\n"), "dataset")).toEqual({ fileName: "notes", mediaType: "text/plain" });
    expect(await describeArtifact(await at("m", "a,b\n1,2\n"), "model")).toEqual({ fileName: "m", mediaType: "text/plain" });
  });

  it("guesses media types from the extension, else from the first bytes", async () => {
    expect(await describeArtifact(await at("metrics", '{"acc": 0.9}'), "metrics")).toEqual({ fileName: "metrics", mediaType: "application/json" });
    expect(await describeArtifact(await at("model.pkl", Buffer.from([0x80, 0x04, 0x95])), "model")).toMatchObject({ mediaType: "application/x-python-pickle" });
    expect(await describeArtifact(await at("model", Buffer.from([0x80, 0x04, 0x95, 0, 0])), "model")).toMatchObject({ mediaType: "application/x-python-pickle" });
    expect(await describeArtifact(await at("data", Buffer.from("PAR1\0\0")), "dataset")).toMatchObject({ mediaType: "application/vnd.apache.parquet" });
    expect(await describeArtifact(await at("blob", Buffer.from([1, 2, 0, 3])), "file")).toMatchObject({ mediaType: "application/octet-stream" });
    expect(await describeArtifact(await at("empty", ""), "file")).toEqual({ fileName: "empty", mediaType: "text/plain" });
  });

  it("counts the files of a directory", async () => {
    const dir = path.join(tmp, "model");
    await mkdir(path.join(dir, "sub"), { recursive: true });
    await writeFile(path.join(dir, "a"), "1");
    await writeFile(path.join(dir, "sub", "b"), "2");
    expect(await describeArtifact(dir, "model")).toEqual({ fileName: "model", fileCount: 2 });
  });
});
