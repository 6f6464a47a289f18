import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig, logToRun, runTokenFor } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "./server.js";
import { bearer } from "../../../test/http.js";

let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
const project = `trk-${randomUUID().slice(0, 8)}`;
const queueName = `trk-test-${randomUUID()}`;
const gateDir = mkdtempSync(path.join(os.tmpdir(), "trellis-gates-"));

// Response bodies are checked field by field against the API contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await server.app.inject({ method: method as "GET", url: `/api/v1${url}`, headers: { ...bearer(), ...headers }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function waitForRun(id: string): Promise<Json> {
  for (;;) {
    const { body } = await api("GET", `/projects/${project}/runs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

// `train` fails while its gate file exists: the retry test removes it between runs.
const sweep = `name: sweep
params:
  lr: { type: number, default: 0.1 }
  epochs: { type: integer, default: 2 }
  gate: { type: string, default: none }
steps:
  prepare:
    run: echo "::metric name=rows value=100" && echo rows > \${{ outputs.rows }}
    outputs: { rows: { type: string } }
  train:
    needs: [prepare]
    run: echo "::metric name=epochs_done value=1" && test ! -e "\${{ params.gate }}" && echo "trained on \${{ steps.prepare.outputs.rows }}"
  report:
    needs: [train]
    run: echo done
`;

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-trk-")), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  worker = await startStepWorker({ db, config, queueName, concurrency: 4 });
  await db.project.create({ data: { name: project } });
  expect((await api("POST", `/projects/${project}/pipelines`, { spec: sweep })).status).toBe(201);
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
  rmSync(gateDir, { recursive: true, force: true });
});

async function startRun(params: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await api("POST", `/projects/${project}/runs`, { pipeline: "sweep", params, ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

let experimentId: number;
const runs: string[] = [];

describe("experiments and metrics", () => {
  it("puts runs in an experiment named after the pipeline unless one is named", async () => {
    for (const [lr, epochs] of [
      [0.01, 2],
      [0.1, 2],
      [0.01, 5],
    ] as const) {
      runs.push(await startRun({ lr, epochs }));
    }
    // First runs of an experiment started together all land in the one experiment.
    const racing = await Promise.all(Array.from({ length: 4 }, () => api("POST", `/projects/${project}/runs`, { pipeline: "sweep", experiment: "ablation" })));
    expect(racing.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(racing.map((r) => r.body.experiment.id)).size).toBe(1);
    for (const r of racing) await waitForRun(r.body.id);
    const other = await startRun({}, { experiment: "ablation", name: "baseline" });
    const list = await api("GET", `/projects/${project}/experiments`);
    expect(list.body.items.map((e: Json) => [e.name, e.runCount]).sort()).toEqual([
      ["ablation", 5],
      ["sweep", 3],
    ]);
    experimentId = list.body.items.find((e: Json) => e.name === "sweep").id;
    const detail = (await api("GET", `/projects/${project}/runs/${other}`)).body;
    expect(detail).toMatchObject({ name: "baseline", experiment: { name: "ablation" }, source: "pipeline", origin: null });
    for (const id of [...runs, other]) await waitForRun(id);
  });

  it("logs metrics through the token-authorised batch endpoint while a run is active", async () => {
    const runId = runs[0]!;
    const token = await runTokenFor(db, runId);
    const auth = { authorization: `Bearer ${token}` };
    const batch = {
      metrics: [
        { key: "accuracy", value: 0.5, step: 0 },
        { key: "accuracy", value: 0.95, step: 1 },
        { key: "loss", value: 0.3, step: 1 },
      ],
      params: { optimizer: "sgd" },
      tags: { team: "vision" },
    };
    // The run has finished by now: the endpoint refuses, and says why.
    const finished = await api("POST", `/runs/${runId}/log-batch`, batch, auth);
    expect(finished.status).toBe(409);
    expect(finished.body.error.message).toContain("has succeeded");

    const active = await db.run.create({
      data: { projectId: (await db.project.findUniqueOrThrow({ where: { name: project } })).id, experimentId, params: {}, status: "running", source: "mlflow" },
    });
    const activeAuth = { authorization: `Bearer ${await runTokenFor(db, active.id)}` };
    expect((await api("POST", `/runs/${active.id}/log-batch`, batch)).status).toBe(401);
    expect((await api("POST", `/runs/${active.id}/log-batch`, batch, auth)).status).toBe(401); // another run's token
    expect((await api("POST", `/runs/${active.id}/log-batch`, batch, { authorization: `Bearer ${token.slice(0, -2)}xx` })).status).toBe(401);
    expect((await api("POST", `/runs/${active.id}/log-batch`, batch, activeAuth)).status).toBe(204);

    const badKey = await api("POST", `/runs/${active.id}/log-batch`, { metrics: [{ key: "a|b", value: 1 }] }, activeAuth);
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.issues[0].path).toBe("metrics[0].key");
    const badValue = await api("POST", `/runs/${active.id}/log-batch`, { metrics: [{ key: "a", value: "high" }] }, activeAuth);
    expect(badValue.status).toBe(400);
    expect(badValue.body.error.issues[0].path).toBe("metrics[0].value");
    const changed = await api("POST", `/runs/${active.id}/log-batch`, { params: { optimizer: "adam" } }, activeAuth);
    expect(changed.status).toBe(400);
    expect(changed.body.error.issues[0]).toMatchObject({ path: "params.optimizer", message: expect.stringContaining('"sgd"') });
    const tooMany = await api("POST", `/runs/${active.id}/log-batch`, { metrics: Array.from({ length: 1001 }, () => ({ key: "a", value: 1 })) }, activeAuth);
    expect(tooMany.status).toBe(400);

    const detail = (await api("GET", `/projects/${project}/runs/${active.id}`)).body;
    expect(detail.params).toEqual({ optimizer: "sgd" });
    expect(detail.tags).toEqual({ team: "vision" });
    expect(detail.metrics).toEqual([
      expect.objectContaining({ key: "accuracy", last: 0.95, min: 0.5, max: 0.95, step: 1, count: 2 }),
      expect.objectContaining({ key: "loss", last: 0.3, count: 1 }),
    ]);
    await db.run.delete({ where: { id: active.id } });
  });

  it("keeps summaries right when batches for a new key race", async () => {
    const runId = runs[1]!;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => logToRun(db, runId, { metrics: Array.from({ length: 50 }, (_, j) => ({ key: "race", value: i * 50 + j, step: i * 50 + j })) })),
    );
    const summary = await db.metricSummary.findUniqueOrThrow({ where: { runId_key: { runId, key: "race" } } });
    expect(summary).toMatchObject({ count: 400, min: 0, max: 399, last: 399 });
    expect(await db.metricPoint.count({ where: { runId, key: "race" } })).toBe(400);
  });

  it("searches an experiment's runs with filters, sorts and pages on params and metrics", async () => {
    const [a, b, c] = runs as [string, string, string];
    await logToRun(db, a, { metrics: [{ key: "accuracy", value: 0.91 }] });
    await logToRun(db, b, { metrics: [{ key: "accuracy", value: 0.97 }] });
    await logToRun(db, c, { metrics: [{ key: "accuracy", value: 0.85 }] });
    const search = (query: string) => api("GET", `/projects/${project}/experiments/${experimentId}/runs?${query}`);

    const filtered = await search(`filter=${encodeURIComponent("metrics.accuracy > 0.9 and params.lr = 0.01")}`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.items.map((r: Json) => r.id)).toEqual([a]);
    expect(filtered.body.total).toBe(1);
    expect(filtered.body.items[0].metrics.accuracy).toMatchObject({ last: 0.91, count: 1 });

    const byAccuracy = await search(`orderBy=${encodeURIComponent("metrics.accuracy DESC")}`);
    expect(byAccuracy.body.items.map((r: Json) => r.id)).toEqual([b, a, c]);
    const byEpochs = await search(`orderBy=${encodeURIComponent("params.epochs DESC")}&orderBy=${encodeURIComponent("params.lr")}`);
    expect(byEpochs.body.items.map((r: Json) => r.id)).toEqual([c, a, b]);
    const page = await search("limit=2&offset=2");
    expect(page.body).toMatchObject({ total: 3, offset: 2 });
    expect(page.body.items).toHaveLength(1);
    expect((await search(`filter=${encodeURIComponent("attributes.status = 'FINISHED' and params.epochs >= 5")}`)).body.items.map((r: Json) => r.id)).toEqual([c]);

    // A param too large for float8 neither matches nor breaks numeric filters and sorts.
    await logToRun(db, c, { params: { huge: "1e999" } });
    expect((await search(`filter=${encodeURIComponent("params.huge > 5")}`)).body.items.map((r: Json) => r.id)).toEqual([c]);
    expect((await search(`orderBy=${encodeURIComponent("params.huge DESC")}`)).status).toBe(200);

    const bad = await search(`filter=${encodeURIComponent("metrics.accuracy >> 0.9")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0]).toMatchObject({ path: "query.filter", message: expect.stringMatching(/at character \d+/) });
    const badStatus = await search(`filter=${encodeURIComponent("attributes.status = 'DONE'")}`);
    expect(badStatus.status).toBe(400);
    expect((await search(`orderBy=${encodeURIComponent("colour DESC")}`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/experiments/999999/runs`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/experiments/abc/runs`)).status).toBe(400);

    const columns = await api("GET", `/projects/${project}/experiments/${experimentId}/columns`);
    expect(columns.body).toEqual({ params: ["epochs", "gate", "huge", "lr"], metrics: ["accuracy", "epochs_done", "race", "rows"], tags: [] });
  });

  it("compares runs and serves downsampled histories", async () => {
    const [a, b] = runs as [string, string];
    const points = Array.from({ length: 1000 }, (_, i) => ({ key: "curve", value: Math.sin(i / 50), step: i }));
    for (let i = 0; i < 10; i++) await logToRun(db, a, { metrics: points.map((p) => ({ ...p, step: p.step + i * 1000 })) });
    await logToRun(db, b, { metrics: [{ key: "curve", value: NaN, step: 0 }, { key: "curve", value: 1, step: 1 }] });

    const compare = await api("GET", `/projects/${project}/compare?runs=${b},${a}`);
    expect(compare.status).toBe(200);
    expect(compare.body.runs.map((r: Json) => r.id)).toEqual([b, a]);
    expect(compare.body.paramKeys).toEqual(["epochs", "gate", "lr"]);
    expect(compare.body.runs[1].steps.map((s: Json) => [s.name, s.status])).toEqual([
      ["prepare", "succeeded"],
      ["train", "succeeded"],
      ["report", "succeeded"],
    ]);
    expect(compare.body.runs[1].steps[1].command).toContain("trained on");

    const history = await api("GET", `/projects/${project}/metrics/history?runs=${a},${b}&keys=curve&maxPoints=200&envelope=true`);
    expect(history.status).toBe(200);
    const series = Object.fromEntries(history.body.series.map((s: Json) => [s.runId, s]));
    expect(series[a].count).toBe(10_000);
    expect(series[a].steps.length).toBeLessThanOrEqual(200);
    expect(series[a].steps.at(-1)).toBe(9999);
    expect(Math.max(...series[a].max)).toBeCloseTo(1, 2);
    expect(series[b].values).toEqual([null, 1]);

    const missing = randomUUID();
    expect((await api("GET", `/projects/${project}/compare?runs=${a},${missing}`)).body.error.message).toContain(missing);
    expect((await api("GET", `/projects/${project}/compare?runs=nope`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/metrics/history?runs=${a}&keys=`)).status).toBe(400);
  });
});

describe("rerun and retry", () => {
  it("reruns with edited params in the same experiment, once per idempotency key", async () => {
    const origin = await startRun({ lr: 0.05 }, { experiment: "reruns" });
    await waitForRun(origin);
    const key = randomUUID();
    const [first, second] = await Promise.all([
      api("POST", `/projects/${project}/runs/${origin}/rerun`, { params: { lr: 0.5, epochs: 3 }, idempotencyKey: key }),
      api("POST", `/projects/${project}/runs/${origin}/rerun`, { params: { lr: 0.5, epochs: 3 }, idempotencyKey: key }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.id).toBe(second.body.id);
    expect(first.body).toMatchObject({ params: { lr: 0.5, epochs: 3, gate: "none" }, experiment: { name: "reruns" }, origin: { runId: origin, kind: "rerun" } });
    expect((await waitForRun(first.body.id)).status).toBe("succeeded");

    const header = await api("POST", `/projects/${project}/runs/${origin}/rerun`, {}, { "idempotency-key": key });
    expect(header).toMatchObject({ status: 200, body: { id: first.body.id } });
    const same = await api("POST", `/projects/${project}/runs/${origin}/rerun`, {});
    expect(same.status).toBe(201);
    expect(same.body.params).toEqual({ lr: 0.05, epochs: 2, gate: "none" });

    const bad = await api("POST", `/projects/${project}/runs/${origin}/rerun`, { params: { lr: "fast" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("params.lr");
    expect((await api("POST", `/projects/${project}/runs/${randomUUID()}/rerun`, {})).status).toBe(404);
    await waitForRun(same.body.id);
  });

  it("retries only failed and skipped steps, reusing succeeded ones and naming the run they came from", async () => {
    const gate = path.join(gateDir, "fail-train");
    writeFileSync(gate, "");
    const origin = await startRun({ gate }, { name: "flaky" });
    const failed = await waitForRun(origin);
    expect(failed.status).toBe("failed");
    expect(Object.fromEntries(failed.steps.map((s: Json) => [s.name, s.status]))).toEqual({ prepare: "succeeded", train: "failed", report: "skipped" });

    rmSync(gate);
    const key = randomUUID();
    const [retry, again] = await Promise.all([
      api("POST", `/projects/${project}/runs/${origin}/retry`, { idempotencyKey: key }),
      api("POST", `/projects/${project}/runs/${origin}/retry`, { idempotencyKey: key }),
    ]);
    expect([retry.status, again.status].sort()).toEqual([200, 201]);
    expect(retry.body.id).toBe(again.body.id);
    expect(retry.body).toMatchObject({ name: "flaky", origin: { runId: origin, kind: "retry" }, experiment: { name: "sweep" } });
    const done = await waitForRun(retry.body.id);
    expect(done.status).toBe("succeeded");
    const steps = Object.fromEntries(done.steps.map((s: Json) => [s.name, s]));
    expect(steps.prepare).toMatchObject({ status: "succeeded", reusedFromRunId: origin, attempt: 0, outputs: { rows: "rows" } });
    expect(steps.train).toMatchObject({ status: "succeeded", reusedFromRunId: null, attempt: 1 });
    expect(steps.report.reusedFromRunId).toBeNull();
    // The reused step's metrics come along; the failed step's do not (it logged them again).
    expect(Object.fromEntries(done.metrics.map((m: Json) => [m.key, m.count]))).toEqual({ rows: 1, epochs_done: 1 });
    expect(await db.metricPoint.count({ where: { runId: origin, stepName: "train" } })).toBe(1);

    expect((await api("POST", `/projects/${project}/runs/${retry.body.id}/retry`, {})).status).toBe(409); // nothing failed
    const running = await startRun({}, { noCache: true });
    const early = await api("POST", `/projects/${project}/runs/${running}/retry`, {});
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/still (queued|running)/);
    await waitForRun(running);
  });

  it("follows reused steps back to the run that produced them across retries", async () => {
    const gate = path.join(gateDir, "fail-report");
    writeFileSync(gate, "");
    const spec = sweep
      .replace("name: sweep", "name: chain")
      .replace('test ! -e "${{ params.gate }}" && echo "trained', 'echo "trained')
      .replace("run: echo done", 'run: test ! -e "${{ params.gate }}"');
    await api("POST", `/projects/${project}/pipelines`, { spec });
    const first = (await api("POST", `/projects/${project}/runs`, { pipeline: "chain", params: { gate } })).body.id;
    expect((await waitForRun(first)).status).toBe("failed");
    const second = (await api("POST", `/projects/${project}/runs/${first}/retry`, {})).body.id;
    expect((await waitForRun(second)).status).toBe("failed");
    rmSync(gate);
    const third = (await api("POST", `/projects/${project}/runs/${second}/retry`, {})).body.id;
    const done = await waitForRun(third);
    expect(done.status).toBe("succeeded");
    const from = Object.fromEntries(done.steps.map((s: Json) => [s.name, s.reusedFromRunId]));
    expect(from).toEqual({ prepare: first, train: first, report: null });
  });

  it("edits a run's name, note and tags", async () => {
    const id = runs[2]!;
    const res = await api("PATCH", `/projects/${project}/runs/${id}`, { name: "best so far", note: "try a smaller lr next", tags: { stage: "candidate" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "best so far", note: "try a smaller lr next", tags: { stage: "candidate" } });
    expect((await api("PATCH", `/projects/${project}/runs/${id}`, { tags: { stage: null } })).body.tags).toEqual({});
    const bad = await api("PATCH", `/projects/${project}/runs/${id}`, { tags: { "bad|key": "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("tags.bad|key");
  });
});
