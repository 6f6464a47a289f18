import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { artifactStoreFromEnv, blobKey, digestDirectory, LocalArtifactStore, manifestKey, removeTree, type ArtifactStore } from "@trellis/artifacts";
import { ARTIFACTS_LOCK_KEY, claimSteps, completeSucceededSteps } from "@trellis/engine";
import { canonicalJson, isArtifactRef, type ArtifactRef } from "@trellis/spec";
import { createHarness, type Harness } from "../../../test/harness.js";
import { startS3Server, type S3TestServer } from "../../../test/s3-server.js";
import { recordOutputArtifacts, storeOutputArtifacts } from "./artifacts.js";
import { startStepWorker, type StepWorkerHandle } from "./step-worker.js";

let h: Harness;
let workers: StepWorkerHandle[] = [];
let s3: S3TestServer | null = null;
const cleanup: string[] = [];

beforeEach(async () => {
  h = await createHarness();
  workers = [];
});

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await h.close();
  await s3?.close();
  s3 = null;
  for (const dir of cleanup.splice(0)) await removeTree(dir);
});

async function startWorker(options: { artifactStore?: ArtifactStore; artifactCacheDir?: string } = {}) {
  const w = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 4, ...options });
  workers.push(w);
  return w;
}

const sha = (data: string) => createHash("sha256").update(data).digest("hex");

const CSV = "id,feature,label\n1,0.5,0\n2,0.7,1\n3,0.1,0\n";

/**
 * prepare writes a dataset file; train writes a model directory (two files, one in a
 * subdirectory) and a scalar; check reads both through templates and prints what it finds,
 * writing nothing (so its log proves that it saw the content through local paths).
 */
const pipeline = (name: string) => ({
  name,
  steps: {
    prepare: {
      run: `printf '${CSV.replace(/\n/g, "\\n")}' > "\${{ outputs.rows }}"`,
      outputs: { rows: { type: "dataset" } },
    },
    train: {
      run: [
        'mkdir -p "${{ outputs.model }}/weights"',
        'wc -l < "${{ steps.prepare.outputs.rows }}" | tr -d " " > "${{ outputs.model }}/rows-seen"',
        'printf "w=0.42" > "${{ outputs.model }}/weights/layer0"',
        'echo 0.9 > "${{ outputs.acc }}"',
      ].join("\n"),
      outputs: { model: { type: "model" }, acc: { type: "number" } },
    },
    check: {
      run: [
        'echo "rows-path=${{ steps.prepare.outputs.rows }}"',
        'echo "model-path=${{ steps.train.outputs.model }}"',
        'echo "acc=${{ steps.train.outputs.acc }}"',
        'echo "header=$(head -1 "${{ steps.prepare.outputs.rows }}")"',
        'echo "rows-seen=$(cat "${{ steps.train.outputs.model }}/rows-seen")"',
        'echo "weights=$(cat "${{ steps.train.outputs.model }}/weights/layer0")"',
        // The inputs are read-only: writing to one fails, and the step carries on.
        'if (echo x >> "${{ steps.prepare.outputs.rows }}") 2>/dev/null; then echo "input=writable"; else echo "input=read-only"; fi',
      ].join("\n"),
    },
  },
});

async function logOf(runId: string, stepName: string): Promise<Record<string, string>> {
  const step = await h.db.step.findFirstOrThrow({ where: { runId, name: stepName } });
  const lines = await h.db.logLine.findMany({ where: { stepId: step.id }, orderBy: { seq: "asc" } });
  return Object.fromEntries(lines.map((l) => l.text.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

const MODEL_FILES = [
  { path: "rows-seen", digest: sha("4\n"), size: 2, mode: 0o644 },
  { path: "weights/layer0", digest: sha("w=0.42"), size: 6, mode: 0o644 },
];

/** prepare's and train's outputs as recorded: refs, Artifact rows and output links. */
async function checkOutputs(runId: string) {
  const run = await h.waitForRun(runId);
  expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
  const rows = run.steps.prepare!.outputs.rows as ArtifactRef;
  const model = run.steps.train!.outputs.model as ArtifactRef;
  expect(isArtifactRef(rows) && isArtifactRef(model)).toBe(true);
  expect(run.steps.train!.outputs.acc).toBe(0.9);
  expect(rows).toEqual({ artifactId: expect.any(String), digest: sha(CSV), type: "dataset", kind: "file", size: CSV.length });

  const modelDigest = sha(canonicalJson(MODEL_FILES));
  expect(model).toEqual({ artifactId: expect.any(String), digest: modelDigest, type: "model", kind: "directory", size: 8 });

  const artifacts = await h.db.artifact.findMany({ where: { id: { in: [rows.artifactId, model.artifactId] } } });
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  expect(byId.get(rows.artifactId)).toMatchObject({ digest: sha(CSV), kind: "file", size: BigInt(CSV.length), fileCount: 1, storageKey: blobKey(sha(CSV)) });
  expect(byId.get(model.artifactId)).toMatchObject({ digest: modelDigest, kind: "directory", size: 8n, fileCount: 2, storageKey: manifestKey(modelDigest) });

  const links = await linksOf(runId, ["prepare", "train"]);
  expect(links.map((l) => [l.stepName, l.direction, l.name, l.type, l.artifactId])).toEqual([
    ["prepare", "output", "rows", "dataset", rows.artifactId],
    ["train", "input", "prepare.rows", "dataset", rows.artifactId],
    ["train", "output", "model", "model", model.artifactId],
  ]);
  expect(links.find((l) => l.direction === "output" && l.name === "rows")!.metadata).toEqual({
    fileName: "rows",
    mediaType: "text/csv",
    columns: ["id", "feature", "label"],
    rows: 3,
  });
  expect(links.find((l) => l.direction === "output" && l.name === "model")!.metadata).toEqual({ fileName: "model", fileCount: 2 });
  return { rows, model };
}

/**
 * Completes a step as a worker elsewhere would: claimed and reported with the given outputs.
 * A step the engine already completed (a cache hit on the same results) is left as it is.
 */
async function completeElsewhere(runId: string, name: string, outputs: Record<string, unknown>) {
  const step = await h.waitFor(async () => {
    const s = await h.db.step.findFirst({ where: { runId, name } });
    return s && (s.status === "queued" || s.status === "succeeded") ? s : null;
  }, `${name} to be ready`);
  if (step.status === "queued") {
    await claimSteps(h.ctx, "elsewhere", [{ stepId: step.id, attempt: step.attempt }]);
    await completeSucceededSteps(h.ctx, [{ stepId: step.id, attempt: step.attempt, workerId: "elsewhere", exitCode: 0, outputs, command: null }]);
  }
  expect((await h.steps(runId))[name]).toMatchObject({ status: "succeeded", outputs });
}

const linksOf = (runId: string, steps: string[]) =>
  h.db.artifactLink.findMany({ where: { runId, stepName: { in: steps } }, orderBy: [{ stepName: "asc" }, { direction: "asc" }, { name: "asc" }] });

/** check's view: its input links, and what it printed reading them through their local paths. */
async function checkInputs(runId: string, rows: ArtifactRef, model: ArtifactRef, cacheDir: string) {
  const run = await h.waitForRun(runId);
  expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
  const links = await linksOf(runId, ["check"]);
  expect(links.map((l) => [l.direction, l.name, l.type, l.artifactId])).toEqual([
    ["input", "prepare.rows", "dataset", rows.artifactId],
    ["input", "train.model", "model", model.artifactId],
  ]);
  const log = await logOf(runId, "check");
  expect(log).toEqual({
    "rows-path": path.join(cacheDir, rows.digest),
    "model-path": path.join(cacheDir, model.digest),
    acc: "0.9",
    header: "id,feature,label",
    "rows-seen": "4",
    weights: "w=0.42",
    input: expect.any(String),
  });
  // As root, file modes do not stop writes (and the cache notices the change, see materializeArtifact).
  if (process.getuid?.() !== 0) expect(log.input).toBe("read-only");
  expect((await digestDirectory(path.join(cacheDir, model.digest))).digest).toBe(model.digest);
}

describe("artifacts", () => {
  it("stores outputs content-addressed in the local store and hands downstream steps local paths", async () => {
    await startWorker();
    await h.push(pipeline("artifacts-local"));
    const runId = await h.startRun("artifacts-local");
    const { rows, model } = await checkOutputs(runId);
    await checkInputs(runId, rows, model, path.join(h.config.dataDir, "artifact-cache"));
    // The bytes are in the default local store under the data directory.
    const store = new LocalArtifactStore(path.join(h.config.dataDir, "artifacts"));
    expect(await store.has(blobKey(rows.digest))).toBe(true);
    expect(await store.has(manifestKey(model.digest))).toBe(true);
  });

  it("stores the same content once: a second run reuses the Artifact rows", async () => {
    await startWorker();
    await h.push({ name: "same-content", steps: { a: { run: 'echo same > "${{ outputs.f }}"', outputs: { f: { type: "file" } } }, b: { run: 'echo same > "${{ outputs.g }}"', outputs: { g: { type: "file" } } } } });
    const run = await h.waitForRun(await h.startRun("same-content"));
    expect(run.status).toBe("succeeded");
    const a = run.steps.a!.outputs.f as ArtifactRef;
    const b = run.steps.b!.outputs.g as ArtifactRef;
    expect(a.artifactId).toBe(b.artifactId);
    expect(await h.db.artifact.count({ where: { digest: sha("same\n") } })).toBe(1);
  });

  it("runs the pipeline with the S3 store: a step on another worker reads inputs that exist only in S3", async () => {
    s3 = await startS3Server();
    const producerCache = await mkdtemp(path.join(os.tmpdir(), "trellis-cache-a-"));
    const consumerCache = await mkdtemp(path.join(os.tmpdir(), "trellis-cache-b-"));
    cleanup.push(producerCache, consumerCache);

    // Producer: a worker configured for S3 runs prepare and train.
    const producerStore = artifactStoreFromEnv(h.config.dataDir, s3.env);
    expect(producerStore.kind).toBe("s3");
    const full = pipeline("artifacts-s3");
    await h.push({ name: "artifacts-s3-produce", steps: { prepare: full.steps.prepare, train: full.steps.train } });
    const producer = await startWorker({ artifactStore: producerStore, artifactCacheDir: producerCache });
    const { rows, model } = await checkOutputs(await h.startRun("artifacts-s3-produce"));
    await producer.stop();
    workers = workers.filter((w) => w !== producer);
    expect(await s3.store().has(blobKey(rows.digest))).toBe(true);
    expect(await s3.store().has(manifestKey(model.digest))).toBe(true);
    expect(await readdir(producerCache)).toEqual([rows.digest]);
    // Nothing went to the local store, and the producer's output directories are gone:
    // the only copy of the bytes is in S3.
    expect(await new LocalArtifactStore(path.join(h.config.dataDir, "artifacts")).has(blobKey(rows.digest))).toBe(false);
    await rm(path.join(h.config.dataDir, "runs"), { recursive: true, force: true });

    // Consumer: in a run of the full pipeline, prepare and train are reported with the
    // producer's results (as another host's worker would report them, or reused from the
    // cache), and check runs on a worker with an empty cache, fetching both inputs from S3.
    await h.push(full);
    const runId = await h.startRun("artifacts-s3");
    await completeElsewhere(runId, "prepare", { rows });
    await completeElsewhere(runId, "train", { model, acc: 0.9 });
    await startWorker({ artifactStore: artifactStoreFromEnv(h.config.dataDir, s3.env), artifactCacheDir: consumerCache });
    await checkInputs(runId, rows, model, consumerCache);
    expect((await readdir(consumerCache)).sort()).toEqual([model.digest, rows.digest].sort());
  });

  it("fails the step as retryable, saying so, when the store cannot take its outputs", async () => {
    s3 = await startS3Server();
    // A bucket that does not exist: every upload fails.
    await startWorker({ artifactStore: s3.store({ bucket: "no-such-bucket" }) });
    await h.push({ name: "store-down", steps: { a: { run: 'echo x > "${{ outputs.f }}"', outputs: { f: { type: "file" } }, retries: { limit: 1, delay: "100ms" } } } });
    const run = await h.waitForRun(await h.startRun("store-down"));
    expect(run.status).toBe("failed");
    expect(run.steps.a).toMatchObject({ status: "failed", failureKind: "retryable", attempt: 2, exitCode: 0 });
    expect(run.steps.a!.error).toMatch(/^output "f" \(file\) could not be stored in s3:\/\/no-such-bucket\/ at http:\/\/127\.0\.0\.1:\d+: .*\(retryable: the artifact store may be unavailable\)/);
  });

  it("fails a step as retryable, saying so, when an input cannot be fetched", async () => {
    await h.push(pipeline("input-missing"));
    const runId = await h.startRun("input-missing");
    // prepare's result names content that this worker's store does not have.
    const missing: ArtifactRef = { artifactId: randomUUID(), digest: sha("gone"), type: "dataset", kind: "file", size: 4 };
    await completeElsewhere(runId, "prepare", { rows: missing });
    await startWorker();
    await h.waitFor(async () => (await h.steps(runId)).train?.status === "failed", "train to fail");
    const train = (await h.steps(runId)).train!;
    expect(train).toMatchObject({ failureKind: "retryable", exitCode: null });
    expect(train.error).toMatch(/^input steps\.prepare\.outputs\.rows \(artifact [0-9a-f]{12}\) could not be fetched from local .*: no object blobs\/sha256\/.* \(retryable\)/);
  });

  it("keeps passing plain paths of runs recorded before artifacts were stored", async () => {
    await h.push({
      name: "legacy",
      steps: {
        old: { run: 'echo new > "${{ outputs.f }}"', outputs: { f: { type: "file" } } },
        next: { run: 'echo "path=${{ steps.old.outputs.f }}"; echo "content=$(cat "${{ steps.old.outputs.f }}")"' },
      },
    });
    const runId = await h.startRun("legacy");
    // "old" completes as a worker of an earlier version reported it: the output is a path.
    const legacyFile = path.join(h.config.dataDir, "legacy-output");
    await writeFile(legacyFile, "from an old run");
    const old = await h.db.step.findFirstOrThrow({ where: { runId, name: "old" } });
    await claimSteps(h.ctx, "old-worker", [{ stepId: old.id, attempt: 1 }]);
    await completeSucceededSteps(h.ctx, [{ stepId: old.id, attempt: 1, workerId: "old-worker", exitCode: 0, outputs: { f: legacyFile }, command: null }]);
    await startWorker();
    const run = await h.waitForRun(runId);
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
    expect(await logOf(runId, "next")).toEqual({ path: legacyFile, content: "from an old run" });
    expect(await h.db.artifactLink.count({ where: { runId } })).toBe(0);
  });

  it("steps without artifact outputs or inputs record no artifacts", async () => {
    await startWorker();
    await h.push({ name: "scalars", steps: { a: { run: 'echo 3 > "${{ outputs.n }}"', outputs: { n: { type: "number" } } }, b: { run: 'echo "${{ steps.a.outputs.n }}"' } } });
    const runId = await h.startRun("scalars");
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    expect(await h.db.artifactLink.count({ where: { runId } })).toBe(0);
  });

  it("runs examples/churn-training: train receives the prepared rows as a local CSV file", async () => {
    const dir = path.resolve("examples/churn-training");
    const files = (await readdir(dir)).filter((f) => f !== "pipeline.yaml").map((f) => ({ path: f, content: readFileSync(path.join(dir, f)).toString("base64") }));
    await h.push(readFileSync(path.join(dir, "pipeline.yaml"), "utf8"), files);
    await startWorker();
    const runId = await h.startRun("churn-training", { day: "2024-01-01" });
    const run = await h.waitForRun(runId);
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
    const rows = run.steps.prepare!.outputs.rows as ArtifactRef;
    expect(rows).toMatchObject({ type: "dataset", kind: "file" });
    const link = await h.db.artifactLink.findFirstOrThrow({ where: { runId, direction: "output", name: "rows" } });
    expect(link.metadata).toMatchObject({ mediaType: "text/csv", columns: ["customer_id", "day", "tenure_months", "monthly_spend", "support_tickets", "churned"], rows: run.steps.prepare!.outputs.count });
    const train = await h.db.step.findFirstOrThrow({ where: { runId, name: "train" } });
    const lines = await h.db.logLine.findMany({ where: { stepId: train.id } });
    expect(lines.map((l) => l.text)).toEqual([`training on ${path.join(h.config.dataDir, "artifact-cache", rows.digest)}`]);
  });

  it("records outputs under retention's lock and puts back content deleted after the upload", async () => {
    await h.push({ name: "race", steps: { a: { run: "true" } } });
    const runId = await h.startRun("race");
    const step = await h.db.step.findFirstOrThrow({ where: { runId, name: "a" } });
    const store = new LocalArtifactStore(path.join(h.config.dataDir, "artifacts"));
    const file = path.join(h.config.dataDir, "out.txt");
    await writeFile(file, "raced");
    const stored = await storeOutputArtifacts(store, [{ name: "f", type: "file", path: file }]);
    // Retention deleted the content after the upload (no row claimed it yet) ...
    await store.delete([blobKey(sha("raced"))]);
    // ... and is now holding its exclusive lock: recording must wait for it.
    const lockRequests = async (granted: boolean) => {
      const rows = await h.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted = ${granted}
          AND classid = ${Number(ARTIFACTS_LOCK_KEY >> 32n)}::oid AND objid = ${Number(ARTIFACTS_LOCK_KEY & 0xffffffffn)}::oid`;
      return rows[0]!.n > 0;
    };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let released = 0;
    const retention = h.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ARTIFACTS_LOCK_KEY})`;
        await held;
        released = Date.now();
      },
      { timeout: 30_000 },
    );
    await h.waitFor(() => lockRequests(true), "retention to hold the artifacts lock");
    const recording = recordOutputArtifacts(h.db, store, { id: step.id, runId, name: "a" }, stored);
    await h.waitFor(() => lockRequests(false), "recording to queue behind retention's lock");
    release();
    const refs = await recording;
    const recorded = Date.now();
    await retention;
    expect(recorded).toBeGreaterThanOrEqual(released);
    expect(refs.f).toMatchObject({ digest: sha("raced"), kind: "file", type: "file", size: 5 });
    expect(await store.has(blobKey(sha("raced")))).toBe(true);
    expect(await h.db.artifactLink.findMany({ where: { stepId: step.id }, select: { direction: true, name: true, artifactId: true } })).toEqual([
      { direction: "output", name: "f", artifactId: refs.f!.artifactId },
    ]);
  });
});
