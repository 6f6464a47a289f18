import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalArtifactStore, blobKey, manifestBytes, readManifest, storeArtifact, type StoredArtifact } from "@trellis/artifacts";
import { createHarness, type Harness } from "../../../test/harness.js";
import { ensureExperiment } from "./experiments.js";
import { deleteRuns, planRetention } from "./retention.js";

/**
 * Retention against hand-made rows: each artifact is kept alive by exactly one kind of
 * reference, so every rule is tested on its own. Content is real (a local store in a temp dir).
 */
let h: Harness;
let store: LocalArtifactStore;
const tmp = mkdtempSync(path.join(os.tmpdir(), "trellis-retention-"));

function file(name: string, content: string): string {
  const p = path.join(tmp, "src", randomUUID(), name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

function dir(files: Record<string, string>): string {
  const root = path.join(tmp, "src", randomUUID());
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

async function artifact(localPath: string): Promise<{ id: string; stored: StoredArtifact }> {
  const stored = await storeArtifact(store, localPath);
  const row = await h.db.artifact.create({
    data: { digest: stored.digest, kind: stored.kind, size: BigInt(stored.size), fileCount: stored.fileCount, storageKey: stored.storageKey },
  });
  return { id: row.id, stored };
}

async function run(status: "succeeded" | "running", steps: { name: string; outputs?: Record<string, unknown>; cachedFromRunId?: string }[] = [{ name: "s" }]) {
  const experiment = await ensureExperiment(h.db, h.projectId, "retention");
  const created = await h.db.run.create({
    data: {
      projectId: h.projectId,
      experimentId: experiment.id,
      params: {},
      status,
      finishedAt: status === "succeeded" ? new Date(Date.now() - 60_000) : null,
      steps: {
        create: steps.map((s) => ({
          name: s.name,
          template: s.name,
          needs: [],
          dependents: [],
          status: status === "succeeded" ? ("succeeded" as const) : ("running" as const),
          outputs: (s.outputs ?? {}) as object,
          ...(s.cachedFromRunId ? { cachedFromRunId: s.cachedFromRunId, cachedFromStep: s.name } : {}),
        })),
      },
    },
    include: { steps: true },
  });
  return { id: created.id, step: created.steps[0]!.id };
}

async function link(r: { id: string; step: string }, artifactId: string, direction: "output" | "input", name = "out") {
  await h.db.artifactLink.create({ data: { artifactId, runId: r.id, stepId: r.step, stepName: "s", direction, name, type: "file" } });
}

const ref = (a: { id: string; stored: StoredArtifact }) => ({ artifactId: a.id, digest: a.stored.digest, type: "file", kind: a.stored.kind, size: a.stored.size });

beforeAll(async () => {
  h = await createHarness();
  store = new LocalArtifactStore(path.join(tmp, "store"));
});

afterAll(async () => {
  // The hand-made "running" steps have no worker: left behind, every reconciler would try to fail them.
  await h.db.run.deleteMany({ where: { projectId: h.projectId } });
  await h.close();
});

describe("deleteRuns", () => {
  it("frees only what nothing else refers to, content included, and the dry run says the same", async () => {
    const doomed = await run("succeeded");
    const other = await run("succeeded");

    const alone = await artifact(file("alone.txt", `only the doomed run ${randomUUID()}`));
    await link(doomed, alone.id, "output", "alone");
    const sharedCsv = `a,b\n1,${randomUUID()}\n`;
    const consumedElsewhere = await artifact(file("shared.csv", sharedCsv));
    await link(doomed, consumedElsewhere.id, "output", "shared");
    await link(other, consumedElsewhere.id, "input", "s.shared");
    const cached = await artifact(file("cached.txt", `kept by a cache entry ${randomUUID()}`));
    await link(doomed, cached.id, "output", "cached");
    await h.db.cacheEntry.create({ data: { key: randomUUID(), projectId: h.projectId, outputs: {}, artifactIds: [cached.id], runId: doomed.id, stepName: "s" } });
    const copied = await artifact(file("copied.txt", `kept by a cache hit's outputs ${randomUUID()}`));
    await link(doomed, copied.id, "output", "copied");
    await run("succeeded", [{ name: "s", outputs: { copied: ref(copied) }, cachedFromRunId: doomed.id }]);

    // A freed directory sharing one file with a surviving file artifact and one with a surviving directory.
    const sharedLine = `shared by two directories ${randomUUID()}\n`;
    const keptDir = await artifact(dir({ "a.txt": sharedLine, "b.txt": `kept dir only ${randomUUID()}` }));
    await link(other, keptDir.id, "output", "keptDir");
    const unique = `only in the freed directory ${randomUUID()}`;
    const freedDir = await artifact(dir({ "x/nested.txt": `nested ${randomUUID()}`, "same-as-file.csv": sharedCsv, "also.txt": sharedLine, "unique.txt": unique }));
    await link(doomed, freedDir.id, "output", "freedDir");
    const freedManifest = await readManifest(store, { digest: freedDir.stored.digest, kind: "directory" });

    const plan = await planRetention(h.db, { projectId: h.projectId, runIds: [doomed.id] });
    expect(plan.artifacts.map((a) => a.id).sort()).toEqual([alone.id, freedDir.id].sort());

    const dry = await deleteRuns(h.db, store, { projectId: h.projectId, runIds: [doomed.id], dryRun: true });
    // alone's blob, the freed directory's manifest, and its blobs that no survivor needs:
    // x/nested.txt and unique.txt; not also.txt (keptDir lists it) nor same-as-file.csv (the
    // surviving file artifact is that blob).
    const freedBlobs = freedManifest.filter((f) => f.path === "x/nested.txt" || f.path === "unique.txt");
    expect(dry).toEqual({
      dryRun: true,
      runIds: [doomed.id],
      more: false,
      artifacts: 2,
      keys: 2 + freedBlobs.length,
      bytes: alone.stored.size + manifestBytes(freedManifest).length + freedBlobs.reduce((n, f) => n + f.size, 0),
    });
    expect(await h.db.run.count({ where: { id: doomed.id } })).toBe(1);

    const real = await deleteRuns(h.db, store, { projectId: h.projectId, runIds: [doomed.id] });
    expect(real).toEqual({ ...dry, dryRun: false });
    expect(await h.db.run.count({ where: { id: doomed.id } })).toBe(0);
    expect(await h.db.artifact.count({ where: { id: { in: [alone.id, freedDir.id] } } })).toBe(0);
    expect(await h.db.artifact.count({ where: { id: { in: [consumedElsewhere.id, cached.id, copied.id, keptDir.id] } } })).toBe(4);
    expect(await store.has(alone.stored.storageKey)).toBe(false);
    expect(await store.has(freedDir.stored.storageKey)).toBe(false);
    for (const f of freedBlobs) expect(await store.has(blobKey(f.digest)), f.path).toBe(false);
    for (const a of [consumedElsewhere, cached, copied, keptDir]) expect(await store.has(a.stored.storageKey)).toBe(true);
    // The blobs the freed directory shared with survivors are still there.
    for (const name of ["also.txt", "same-as-file.csv"]) expect(await store.has(blobKey(freedManifest.find((f) => f.path === name)!.digest)), name).toBe(true);
  });

  it("keeps an artifact registered as a model version, with its content, when the run that produced it is deleted", async () => {
    const trainer = await run("succeeded");
    const sharedLine = `in the model and in a freed directory ${randomUUID()}\n`;
    const model = await artifact(dir({ "weights.bin": `weights ${randomUUID()}`, "config.json": sharedLine }));
    await link(trainer, model.id, "output", "model");
    const scratch = await artifact(dir({ "copy.json": sharedLine, "log.txt": `scratch ${randomUUID()}` }));
    await link(trainer, scratch.id, "output", "scratch");
    const registered = await h.db.registeredModel.create({ data: { projectId: h.projectId, name: `retained-${randomUUID().slice(0, 8)}`, latestVersion: 1 } });
    await h.db.modelVersion.create({
      data: {
        modelId: registered.id,
        version: 1,
        runId: trainer.id,
        stepName: "s",
        outputName: "model",
        artifactId: model.id,
        digest: model.stored.digest,
        source: `trellis-artifact:${model.stored.digest}`,
        createdBy: "test",
      },
    });
    const modelManifest = await readManifest(store, { digest: model.stored.digest, kind: "directory" });
    const scratchManifest = await readManifest(store, { digest: scratch.stored.digest, kind: "directory" });

    const plan = await planRetention(h.db, { projectId: h.projectId, runIds: [trainer.id] });
    expect(plan.artifacts.map((a) => a.id)).toEqual([scratch.id]);
    const result = await deleteRuns(h.db, store, { projectId: h.projectId, runIds: [trainer.id] });
    expect(result).toMatchObject({ runIds: [trainer.id], artifacts: 1 });
    expect(await h.db.run.count({ where: { id: trainer.id } })).toBe(0);
    // The version still names its artifact and run; the artifact row and every byte of it are kept.
    expect(await h.db.modelVersion.findFirstOrThrow({ where: { modelId: registered.id } })).toMatchObject({ artifactId: model.id, runId: trainer.id });
    expect(await h.db.artifact.count({ where: { id: model.id } })).toBe(1);
    expect(await store.has(model.stored.storageKey)).toBe(true);
    for (const f of modelManifest) expect(await store.has(blobKey(f.digest)), f.path).toBe(true);
    // The freed directory's own blob went; the one it shared with the model's directory did not.
    expect(await store.has(scratch.stored.storageKey)).toBe(false);
    expect(await store.has(blobKey(scratchManifest.find((f) => f.path === "log.txt")!.digest))).toBe(false);
    expect(await store.has(blobKey(scratchManifest.find((f) => f.path === "copy.json")!.digest))).toBe(true);
  });

  it("refuses unfinished runs it is told to delete, and unknown ones; selects by finish time", async () => {
    const busy = await run("running");
    const done = await run("succeeded");
    await expect(deleteRuns(h.db, store, { projectId: h.projectId, runIds: [done.id, busy.id], dryRun: true })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(busy.id),
    });
    const unknown = randomUUID();
    await expect(deleteRuns(h.db, store, { projectId: h.projectId, runIds: [unknown] })).rejects.toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining(unknown) });
    await expect(deleteRuns(h.db, store, { projectId: h.projectId })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    // finishedBefore picks finished runs only; the running one is left alone.
    const byAge = await deleteRuns(h.db, store, { projectId: h.projectId, finishedBefore: new Date(), dryRun: true });
    expect(byAge.runIds).toContain(done.id);
    expect(byAge.runIds).not.toContain(busy.id);
    // Named runs that finished after finishedBefore are not deleted.
    const none = await deleteRuns(h.db, store, { projectId: h.projectId, runIds: [done.id], finishedBefore: new Date(0) });
    expect(none).toMatchObject({ runIds: [], artifacts: 0 });
    expect(await h.db.run.count({ where: { id: done.id } })).toBe(1);
  });
});
