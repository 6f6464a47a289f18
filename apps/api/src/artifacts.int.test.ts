import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobKey, manifestBytes, manifestKey, readManifest } from "@trellis/artifacts";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "./server.js";
import { bearer } from "../../../test/http.js";

let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
const project = `art-${randomUUID().slice(0, 8)}`;
const otherProject = `art-other-${randomUUID().slice(0, 8)}`;
const queueName = `artifacts-test-${randomUUID()}`;

// Response bodies are checked field by field against the API contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function api(method: string, url: string, body?: unknown, headers?: Record<string, string>) {
  const res = await server.app.inject({ method: method as "GET", url: `/api/v1${url}`, ...(body !== undefined ? { payload: body as object } : {}), headers: { ...bearer(), ...headers } });
  const type = String(res.headers["content-type"] ?? "");
  return { status: res.statusCode, body: (type.includes("application/json") && !url.includes("/content") ? res.json() : null) as Json, raw: res.rawPayload, headers: res.headers };
}

async function waitForRun(id: string): Promise<Json> {
  for (;;) {
    const { body } = await api("GET", `/projects/${project}/runs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const CSV = "id,x,label\n1,0.5,1\n2,0.7,0\n3,0.1,1\n";

// prepare writes a raw dataset (a CSV file); train a model directory from it; evaluate reads the
// model and writes metrics; report (never cached, its content unique per run) a directory that
// shares one file with the dataset.
const spec = `name: lineage
params:
  lr: { type: number, default: 0.1 }
steps:
  prepare:
    run: |
      printf '${CSV.replace(/\n/g, "\\n")}' > "\${{ outputs.data }}"
      echo "prepared 3 rows"
    outputs: { data: { type: dataset } }
  train:
    run: |
      mkdir -p "\${{ outputs.model }}"
      cp "\${{ steps.prepare.outputs.data }}" "\${{ outputs.model }}/train.csv"
      bash scripts/config.sh \${{ params.lr }} > "\${{ outputs.model }}/config.json"
    outputs: { model: { type: model } }
  evaluate:
    run: |
      python3 -c 'import json,sys; c=json.load(open(sys.argv[1] + "/config.json")); json.dump({"accuracy": 0.5 + c["lr"]}, open(sys.argv[2], "w"))' "\${{ steps.train.outputs.model }}" "\${{ outputs.metrics }}"
    outputs: { metrics: { type: metrics } }
  report:
    cache: false
    run: |
      mkdir -p "\${{ outputs.report }}"
      echo "report of run \${{ run.id }}" > "\${{ outputs.report }}/summary.txt"
      cp "\${{ steps.prepare.outputs.data }}" "\${{ outputs.report }}/data.csv"
      cat "\${{ steps.evaluate.outputs.metrics }}" > /dev/null
    outputs: { report: { type: directory } }
`;
const code = { files: [{ path: "scripts/config.sh", content: Buffer.from('echo "{\\"lr\\": $1}"\n').toString("base64"), mode: 0o755 }] };

let runA: Json;
let runB: Json;
let runC: Json;

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-artifacts-")), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  worker = await startStepWorker({ db, config, queueName, concurrency: 4 });
  await db.project.create({ data: { name: project } });
  await db.project.create({ data: { name: otherProject } });
  expect((await api("POST", `/projects/${project}/pipelines`, { spec, code })).status).toBe(201);
  // A: everything runs. B: a new learning rate; prepare comes from the cache, train runs on the cached dataset.
  runA = await waitForRun((await api("POST", `/projects/${project}/runs`, { pipeline: "lineage", params: { lr: 0.1 } })).body.id);
  runB = await waitForRun((await api("POST", `/projects/${project}/runs`, { pipeline: "lineage", params: { lr: 0.2 } })).body.id);
  // C: A again; everything but report (never cached) comes from A.
  runC = await waitForRun((await api("POST", `/projects/${project}/runs`, { pipeline: "lineage", params: { lr: 0.1 } })).body.id);
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

const step = (run: Json, name: string) => run.steps.find((s: Json) => s.name === name);
const output = (list: Json, stepName: string, name: string) => list.outputs.find((a: Json) => a.step === stepName && a.name === name);

describe("artifacts API", () => {
  it("runs record cache hits and why the other steps ran", () => {
    expect(runA.status).toBe("succeeded");
    expect(runB.status).toBe("succeeded");
    expect(step(runA, "prepare")).toMatchObject({ cache: { hit: false, fromRunId: null }, runReason: { reason: "first-execution" } });
    expect(step(runA, "prepare").cache.key).toMatch(/^[0-9a-f]{64}$/);
    expect(step(runA, "report")).toMatchObject({ cache: { key: null, hit: false }, runReason: { reason: "cache-disabled" } });
    expect(step(runB, "prepare")).toMatchObject({ status: "succeeded", attempt: 0, cache: { hit: true, fromRunId: runA.id, fromStep: "prepare" }, runReason: null });
    expect(step(runB, "train").runReason).toMatchObject({
      reason: "changed",
      comparedWith: { runId: runA.id, stepName: "train" },
      changes: [{ part: "params.lr", before: 0.1, after: 0.2 }],
    });
    expect(runB.noCache).toBe(false);
    for (const name of ["prepare", "train", "evaluate"]) expect(step(runC, name).cache).toMatchObject({ hit: true, fromRunId: runA.id, fromStep: name });
    expect(step(runC, "report").cache.hit).toBe(false);
  });

  it("lists a run's artifacts, cached steps' outputs included, with the step that produced them", async () => {
    const a = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    expect(a.status).toBe(200);
    expect(a.body.outputs.map((o: Json) => `${o.step}.${o.name}`)).toEqual(["prepare.data", "train.model", "evaluate.metrics", "report.report"]);
    expect(output(a.body, "prepare", "data")).toMatchObject({
      type: "dataset",
      kind: "file",
      size: CSV.length,
      fileCount: 1,
      metadata: { fileName: "data", mediaType: "text/csv", columns: ["id", "x", "label"], rows: 3 },
      producedBy: { runId: runA.id, stepName: "prepare" },
      cached: false,
    });
    expect(output(a.body, "train", "model")).toMatchObject({ type: "model", kind: "directory", fileCount: 2 });
    expect(a.body.inputs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: "train", name: "prepare.data", id: output(a.body, "prepare", "data").id, producedBy: { runId: runA.id, stepName: "prepare" } }),
        expect.objectContaining({ step: "evaluate", name: "train.model", id: output(a.body, "train", "model").id }),
      ]),
    );

    const b = await api("GET", `/projects/${project}/runs/${runB.id}/artifacts`);
    const cachedData = output(b.body, "prepare", "data");
    expect(cachedData).toMatchObject({ id: output(a.body, "prepare", "data").id, cached: true, producedBy: { runId: runA.id, stepName: "prepare" } });
    // Described by the producer's metadata although this run recorded no link for it.
    expect(cachedData.metadata.columns).toEqual(["id", "x", "label"]);
    expect(output(b.body, "train", "model").id).not.toBe(output(a.body, "train", "model").id);
  });

  it("previews a CSV, a directory, a JSON file inside it and metrics; downloads content", async () => {
    const { body: list } = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    const data = output(list, "prepare", "data");
    const model = output(list, "train", "model");

    const csv = await api("GET", `/projects/${project}/artifacts/${data.id}/preview`);
    expect(csv.body).toEqual({
      format: "csv",
      path: null,
      size: CSV.length,
      mediaType: "text/csv",
      columns: ["id", "x", "label"],
      rows: [
        ["1", "0.5", "1"],
        ["2", "0.7", "0"],
        ["3", "0.1", "1"],
      ],
      totalRows: 3,
      truncated: false,
    });
    const dir = await api("GET", `/projects/${project}/artifacts/${model.id}/preview`);
    expect(dir.body).toMatchObject({ format: "directory", fileCount: 2, files: [{ path: "config.json" }, { path: "train.csv", size: CSV.length }] });
    const config = await api("GET", `/projects/${project}/artifacts/${model.id}/preview?path=config.json`);
    expect(config.body).toMatchObject({ format: "json", path: "config.json", value: { lr: 0.1 } });
    const metrics = await api("GET", `/projects/${project}/artifacts/${output(list, "evaluate", "metrics").id}/preview`);
    expect(metrics.body).toMatchObject({ format: "json", value: { accuracy: expect.closeTo(0.6, 5) } });

    const download = await api("GET", `/projects/${project}/artifacts/${data.id}/content`);
    expect(download.status).toBe(200);
    expect(download.raw.toString()).toBe(CSV);
    expect(download.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(download.headers["content-length"]).toBe(String(CSV.length));
    expect(download.headers["content-disposition"]).toContain('filename="data.csv"');
    const range = await api("GET", `/projects/${project}/artifacts/${data.id}/content`, undefined, { range: "bytes=0-1" });
    expect(range.status).toBe(206);
    expect(range.raw.toString()).toBe("id");
    expect(range.headers["content-range"]).toBe(`bytes 0-1/${CSV.length}`);
    expect((await api("GET", `/projects/${project}/artifacts/${data.id}/content`, undefined, { range: "bytes=999-" })).status).toBe(416);

    const inner = await api("GET", `/projects/${project}/artifacts/${model.id}/content?path=train.csv`);
    expect(inner.raw.toString()).toBe(CSV);
    const tar = await api("GET", `/projects/${project}/artifacts/${model.id}/content`);
    expect(tar.headers["content-type"]).toBe("application/x-tar");
    expect(tar.raw.length).toBe(Number(tar.headers["content-length"]));
    expect(tar.raw.toString("latin1")).toContain("model/train.csv");

    const detail = await api("GET", `/projects/${project}/artifacts/${model.id}`);
    expect(detail.body).toMatchObject({
      kind: "directory",
      type: "model",
      name: "model",
      producerCount: 1,
      producers: [{ runId: runA.id, stepName: "train", name: "model", pipeline: "lineage", version: 1, cached: false }],
      // C's evaluate reused A's result: it consumed the same model.
      consumerCount: 2,
      consumers: [
        { runId: runC.id, stepName: "evaluate", name: "train.model", cached: true },
        { runId: runA.id, stepName: "evaluate", name: "train.model", cached: false },
      ],
      cacheEntries: 1,
      files: [{ path: "config.json" }, { path: "train.csv", size: CSV.length }],
      filesTruncated: false,
    });
  });

  it("traces a model upstream to the raw dataset and the code version that produced it", async () => {
    const { body: list } = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    const model = output(list, "train", "model");
    const data = output(list, "prepare", "data");
    const { body: graph } = await api("GET", `/projects/${project}/artifacts/${model.id}/lineage?direction=upstream`);
    expect(graph.truncated).toBe(false);
    expect(graph.root).toBe(`artifact:${model.id}`);
    const byId = new Map(graph.nodes.map((n: Json) => [n.id, n]));
    const dataset = byId.get(`artifact:${data.id}`) as Json;
    expect(dataset).toMatchObject({ kind: "artifact", type: "dataset", name: "data", raw: true });
    expect(byId.get(`artifact:${model.id}`)).toMatchObject({ raw: false, storage: "directory" });
    const steps = graph.nodes.filter((n: Json) => n.kind === "step");
    expect(steps.map((s: Json) => `${s.runId === runA.id ? "A" : "?"}.${s.stepName}`).sort()).toEqual(["A.prepare", "A.train"]);
    const codes = graph.nodes.filter((n: Json) => n.kind === "code");
    expect(codes).toEqual([expect.objectContaining({ pipeline: "lineage", version: 1, codeDigest: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    // model ← train ← dataset ← prepare, each step ← code.
    const edge = (kind: string, source: string, target: string) => graph.edges.some((e: Json) => e.kind === kind && e.source === source && e.target === target);
    const train = steps.find((s: Json) => s.stepName === "train").id;
    const prepare = steps.find((s: Json) => s.stepName === "prepare").id;
    expect(edge("produced", train, `artifact:${model.id}`)).toBe(true);
    expect(edge("consumed", `artifact:${data.id}`, train)).toBe(true);
    expect(edge("produced", prepare, `artifact:${data.id}`)).toBe(true);
    expect(edge("code", codes[0].id, train) && edge("code", codes[0].id, prepare)).toBe(true);

    // depth 1 stops at train and says the graph goes on.
    const shallow = await api("GET", `/projects/${project}/artifacts/${model.id}/lineage?direction=upstream&depth=1`);
    expect(shallow.body.truncated).toBe(true);
    expect(shallow.body.nodes.some((n: Json) => n.kind === "step" && n.stepName === "prepare")).toBe(false);
  });

  it("follows a dataset downstream to the steps of every run that consumed it, cache hits included", async () => {
    const { body: list } = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    const data = output(list, "prepare", "data");
    const { body: graph } = await api("GET", `/projects/${project}/artifacts/${data.id}/lineage?direction=downstream`);
    const label = (s: Json) => `${s.runId === runA.id ? "A" : s.runId === runB.id ? "B" : s.runId === runC.id ? "C" : "?"}.${s.stepName}${s.cached ? " (cached)" : ""}`;
    const steps = graph.nodes.filter((n: Json) => n.kind === "step");
    expect(steps.map(label).sort()).toEqual([
      "A.evaluate",
      "A.report",
      "A.train",
      "B.evaluate",
      "B.report",
      "B.train",
      "C.evaluate (cached)",
      "C.report",
      "C.train (cached)",
    ]);
    // C's train reused A's: it consumed the same dataset.
    const cTrain = steps.find((s: Json) => s.runId === runC.id && s.stepName === "train");
    expect(cTrain.cachedFrom).toEqual({ runId: runA.id, stepName: "train" });
    expect(graph.edges).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "consumed", source: `artifact:${data.id}`, target: cTrain.id, label: "prepare.data" })]));
    expect(graph.nodes.filter((n: Json) => n.kind === "artifact" && n.type === "model")).toHaveLength(2);
    expect(graph.truncated).toBe(false);

    // The run's own graph: a cached step still shows its output and what consumed it.
    const { body: run } = await api("GET", `/projects/${project}/runs/${runB.id}/lineage`);
    const prepare = run.nodes.find((n: Json) => n.kind === "step" && n.stepName === "prepare");
    expect(prepare).toMatchObject({ cached: true, cachedFrom: { runId: runA.id, stepName: "prepare" } });
    expect(run.edges).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "produced", source: prepare.id, target: `artifact:${data.id}` })]));
    expect(run.nodes.filter((n: Json) => n.kind === "step")).toHaveLength(4);
    expect(run.nodes.filter((n: Json) => n.kind === "code")).toHaveLength(1);
  });

  it("answers bad ids and bad parameters with 4xx", async () => {
    const { body: list } = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    const data = output(list, "prepare", "data");
    const model = output(list, "train", "model");
    expect((await api("GET", `/projects/${project}/artifacts/not-a-uuid`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/artifacts/${randomUUID()}`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/artifacts/${randomUUID()}/content`)).status).toBe(404);
    // Another project does not see this project's artifacts.
    expect((await api("GET", `/projects/${otherProject}/artifacts/${data.id}`)).status).toBe(404);
    expect((await api("GET", `/projects/${otherProject}/artifacts/${data.id}/lineage`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/runs/${randomUUID()}/artifacts`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/runs/nope/lineage`)).status).toBe(400);
    const filePath = await api("GET", `/projects/${project}/artifacts/${data.id}/preview?path=x.csv`);
    expect(filePath.status).toBe(400);
    expect(filePath.body.error.issues[0].path).toBe("query.path");
    expect((await api("GET", `/projects/${project}/artifacts/${model.id}/preview?path=missing.bin`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/artifacts/${model.id}/lineage?direction=sideways`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/artifacts/${model.id}/lineage?depth=0`)).status).toBe(400);
    const nothing = await api("POST", `/projects/${project}/runs/delete`, { dryRun: true });
    expect(nothing.status).toBe(400);
    expect(nothing.body.error.code).toBe("VALIDATION_FAILED");
    expect((await api("POST", `/projects/${project}/runs/delete`, { finishedBefore: "yesterday" })).status).toBe(400);
    expect((await api("POST", `/projects/${project}/runs/delete`, { runIds: ["x"] })).status).toBe(400);
    const unknown = randomUUID();
    const missing = await api("POST", `/projects/${project}/runs/delete`, { runIds: [unknown] });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain(unknown);
  });

  it("refuses to delete a run that is still running, naming it", async () => {
    await api("POST", `/projects/${project}/pipelines`, { spec: "name: slow\nsteps:\n  wait:\n    run: sleep 30\n    cache: false\n" });
    const { body: slow } = await api("POST", `/projects/${project}/runs`, { pipeline: "slow" });
    const refused = await api("POST", `/projects/${project}/runs/delete`, { runIds: [runA.id, slow.id] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(slow.id);
    expect(refused.body.error.message).not.toContain(runA.id);
    await api("POST", `/projects/${project}/runs/${slow.id}/cancel`);
    await waitForRun(slow.id);
  });

  it("deletes a run and only the artifacts nothing else refers to; the dry run says the same", async () => {
    const { body: list } = await api("GET", `/projects/${project}/runs/${runA.id}/artifacts`);
    const ids = Object.fromEntries(list.outputs.map((o: Json) => [`${o.step}.${o.name}`, o]));
    const report = ids["report.report"];
    const store = server.deps.artifacts;

    const dry = await api("POST", `/projects/${project}/runs/delete`, { runIds: [runA.id], dryRun: true });
    expect(dry.status).toBe(200);
    // Only A's report is A's alone: the dataset is consumed by B (and cached), A's model and
    // metrics are cache entries. Of the report, its manifest and summary.txt are freed, not
    // data.csv, which is the dataset's blob too.
    const manifest = await readManifest(store, { digest: report.digest, kind: "directory" });
    expect(manifest.map((f) => f.path)).toEqual(["data.csv", "summary.txt"]);
    const summaryBytes = `report of run ${runA.id}\n`.length;
    expect(dry.body).toEqual({ dryRun: true, runs: 1, runIds: [runA.id], artifacts: 1, more: false, bytes: manifestBytes(manifest).length + summaryBytes });
    expect((await api("GET", `/projects/${project}/runs/${runA.id}`)).status).toBe(200);
    expect(await store.has(manifestKey(report.digest))).toBe(true);

    const stepIds = (await db.step.findMany({ where: { runId: runA.id }, select: { id: true } })).map((s) => s.id);
    expect(await db.logLine.count({ where: { stepId: { in: stepIds } } })).toBeGreaterThan(0);
    const real = await api("POST", `/projects/${project}/runs/delete`, { runIds: [runA.id] });
    expect(real.body).toEqual({ ...dry.body, dryRun: false });
    expect((await api("GET", `/projects/${project}/runs/${runA.id}`)).status).toBe(404);
    expect(await db.artifact.findUnique({ where: { id: report.id } })).toBeNull();
    expect(await store.has(manifestKey(report.digest))).toBe(false);
    expect(await db.logLine.count({ where: { stepId: { in: stepIds } } })).toBe(0);
    // Shared content survives and still downloads.
    expect(await store.has(blobKey(ids["prepare.data"].digest))).toBe(true);
    expect((await api("GET", `/projects/${project}/artifacts/${ids["prepare.data"].id}/content`)).raw.toString()).toBe(CSV);
    expect((await api("GET", `/projects/${project}/artifacts/${ids["train.model"].id}/content?path=train.csv`)).raw.toString()).toBe(CSV);
    expect((await api("GET", `/projects/${project}/artifacts/${ids["evaluate.metrics"].id}/preview`)).body.format).toBe("json");
    // B's cached prepare still points at A, which is gone; its artifacts are intact.
    const b = await api("GET", `/projects/${project}/runs/${runB.id}/artifacts`);
    expect(output(b.body, "prepare", "data")).toMatchObject({ id: ids["prepare.data"].id, producedBy: { runId: runA.id } });

    // Deleting it again: nothing left to delete.
    expect((await api("POST", `/projects/${project}/runs/delete`, { runIds: [runA.id] })).status).toBe(404);
    const none = await api("POST", `/projects/${project}/runs/delete`, { finishedBefore: "2000-01-01T00:00:00Z", dryRun: true });
    expect(none.body).toMatchObject({ runs: 0, artifacts: 0, bytes: 0 });
  });
});
