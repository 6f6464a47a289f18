import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { createRun, loadEngineConfig, pushPipeline } from "@trellis/engine";
import { createApiServer, type ApiServer } from "./server.js";
import { bearer, fetchJson, type Json } from "../../../test/http.js";

/**
 * The MLflow-compatible tracking API over raw HTTP, as MLflow's Python client calls it
 * (mlflow/store/tracking/rest_store.py): JSON bodies for POST, query strings for GET, int64 as
 * numbers, doubles as numbers or "NaN"/"Infinity" strings. Bad input must always come back in
 * MLflow's error shape with a 4xx status.
 */

let server: ApiServer;
let db: PrismaClient;
let base: string;
let projectId: string;
const project = `mlflow-${randomUUID().slice(0, 8)}`;
const queueName = `mlflow-test-${randomUUID()}`;

type Res = Awaited<ReturnType<typeof fetchJson>>;

const mlflowRoot = () => `${base}/projects/${project}/api/2.0/mlflow`;


/** POST a JSON body (an object, or raw text sent as is) to an endpoint of the project's MLflow API. */
function post(endpoint: string, body: unknown, root = mlflowRoot()): Promise<Res> {
  return fetchJson(`${root}/${endpoint}`, {
    method: "POST",
    headers: { ...bearer(), "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** GET with a query string, as the Python client sends GET requests (repeated keys for lists). */
function get(endpoint: string, query: Record<string, string | number | string[]> = {}, root = mlflowRoot()): Promise<Res> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return fetchJson(`${root}/${endpoint}${qs ? `?${qs}` : ""}`);
}

/** MLflow's error body and nothing else, with the code and a 4xx status. */
function expectError(res: Res, status: number, code: string, message?: RegExp | string) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body ?? {}).sort(), res.text).toEqual(["error_code", "message"]);
  expect(res.body.error_code).toBe(code);
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(0);
  if (message !== undefined) expect(res.body.message).toMatch(message);
}

/** MLflow's set_experiment: get-by-name, create when it does not exist. */
async function setExperiment(name: string): Promise<string> {
  const found = await get("experiments/get-by-name", { experiment_name: name });
  if (found.status === 200) return found.body.experiment.experiment_id;
  expectError(found, 404, "RESOURCE_DOES_NOT_EXIST");
  const created = await post("experiments/create", { name });
  expect(created.status, created.text).toBe(200);
  return created.body.experiment_id;
}

/** MLflow's start_run: runs/create as the Python client sends it. */
async function startRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<Json> {
  const res = await post("runs/create", {
    experiment_id: experimentId,
    user_id: "alice",
    start_time: Date.now(),
    tags: [
      { key: "mlflow.user", value: "alice" },
      { key: "mlflow.source.name", value: "/home/alice/train.py" },
      { key: "mlflow.source.type", value: "LOCAL" },
    ],
    ...extra,
  });
  expect(res.status, res.text).toBe(200);
  return res.body.run;
}

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-mlflow-")) });
  server = await createApiServer({ db, config, queueName });
  base = await server.app.listen({ port: 0, host: "127.0.0.1" });
  projectId = (await db.project.create({ data: { name: project } })).id;
});

afterAll(async () => {
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

describe("MLflow tracking API", () => {
  it("walks the MLflow client's flow: set experiment, start run, log, end, read back", async () => {
    const name = `train-${randomUUID().slice(0, 6)}`;
    const missing = await get("experiments/get-by-name", { experiment_name: name });
    expectError(missing, 404, "RESOURCE_DOES_NOT_EXIST", `Could not find experiment with name '${name}'`);
    const created = await post("experiments/create", { name, tags: [{ key: "team", value: "vision" }] });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ experiment_id: expect.stringMatching(/^\d+$/) });
    const experimentId: string = created.body.experiment_id;
    const experiment = {
      experiment_id: experimentId,
      name,
      artifact_location: `trellis-artifacts:/${experimentId}`,
      lifecycle_stage: "active",
      last_update_time: expect.any(Number),
      creation_time: expect.any(Number),
      tags: [{ key: "team", value: "vision" }],
    };
    expect((await get("experiments/get-by-name", { experiment_name: name })).body).toEqual({ experiment });
    expect((await get("experiments/get", { experiment_id: experimentId })).body).toEqual({ experiment });
    expectError(await post("experiments/create", { name }), 400, "RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);

    const startTime = Date.now() - 60_000;
    const run = await startRun(experimentId, { start_time: startTime });
    const runId: string = run.info.run_id;
    expect(run).toEqual({
      info: {
        run_uuid: runId,
        experiment_id: experimentId,
        run_name: expect.stringMatching(/^[a-z]+-[a-z]+-\d{1,3}$/),
        user_id: "alice",
        status: "RUNNING",
        start_time: startTime,
        artifact_uri: `trellis-artifacts:/${experimentId}/${runId}/artifacts`,
        lifecycle_stage: "active",
        run_id: runId,
      },
      data: {
        tags: [
          { key: "mlflow.runName", value: run.info.run_name },
          { key: "mlflow.source.name", value: "/home/alice/train.py" },
          { key: "mlflow.source.type", value: "LOCAL" },
          { key: "mlflow.user", value: "alice" },
        ],
      },
      inputs: {},
    });

    const ref = { run_id: runId, run_uuid: runId };
    const t = Date.now();
    expect(await post("runs/log-parameter", { ...ref, key: "lr", value: "0.01" })).toMatchObject({ status: 200, body: {} });
    // Logging the same value again is fine, as in MLflow.
    expect((await post("runs/log-parameter", { ...ref, key: "lr", value: "0.01" })).status).toBe(200);
    // The Python client sends NaN as the string "NaN" (protobuf's JSON); json.dumps elsewhere writes a bare NaN.
    expect((await post("runs/log-metric", { ...ref, key: "grad_norm", value: "NaN", timestamp: t, step: 0 })).status).toBe(200);
    const bare = await post("runs/log-metric", `{"run_id": "${runId}", "key": "grad_norm", "value": NaN, "timestamp": ${t + 1}, "step": 1}`);
    expect(bare.status, bare.text).toBe(200);
    for (let step = 0; step < 3; step++) {
      expect((await post("runs/log-metric", { ...ref, key: "acc", value: 0.5 + step / 10, timestamp: t + step, step })).status).toBe(200);
    }
    const batch = await post(
      "runs/log-batch",
      `{"run_id": "${runId}",
        "metrics": [${[0, 1, 2, 3, 4].map((s) => `{"key": "loss", "value": ${1 / (s + 1)}, "timestamp": ${t + s}, "step": ${s}}`).join(", ")},
                    {"key": "overflow", "value": Infinity, "timestamp": ${t}, "step": 0},
                    {"key": "underflow", "value": "-Infinity", "timestamp": ${t}}],
        "params": [{"key": "epochs", "value": "5"}, {"key": "optimizer", "value": "adam"}],
        "tags": [{"key": "stage", "value": "dev"}]}`,
    );
    expect(batch.status, batch.text).toBe(200);
    expect(batch.body).toEqual({});
    expect((await post("runs/set-tag", { ...ref, key: "mlflow.note.content", value: "first try" })).status).toBe(200);
    expect((await post("runs/set-tag", { ...ref, key: "stage", value: "review" })).status).toBe(200);

    const endTime = Date.now();
    const ended = await post("runs/update", { ...ref, status: "FINISHED", end_time: endTime });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toEqual({ run_info: { ...run.info, status: "FINISHED", end_time: endTime } });

    const fetched = await get("runs/get", { run_id: runId });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({
      run: {
        info: { ...run.info, status: "FINISHED", end_time: endTime },
        data: {
          metrics: [
            { key: "acc", value: 0.7, timestamp: t + 2, step: 2 },
            { key: "grad_norm", value: "NaN", timestamp: t + 1, step: 1 },
            { key: "loss", value: 0.2, timestamp: t + 4, step: 4 },
            { key: "overflow", value: "Infinity", timestamp: t, step: 0 },
            { key: "underflow", value: "-Infinity", timestamp: t, step: 0 },
          ],
          params: [
            { key: "epochs", value: "5" },
            { key: "lr", value: "0.01" },
            { key: "optimizer", value: "adam" },
          ],
          tags: [
            { key: "mlflow.note.content", value: "first try" },
            { key: "mlflow.runName", value: run.info.run_name },
            { key: "mlflow.source.name", value: "/home/alice/train.py" },
            { key: "mlflow.source.type", value: "LOCAL" },
            { key: "mlflow.user", value: "alice" },
            { key: "stage", value: "review" },
          ],
        },
        inputs: {},
      },
    });
    // Non-finite values are written as MLflow's server writes them: strings, not bare tokens.
    expect(fetched.text).toContain('"value":"NaN"');
    expect((await get("runs/get", { run_uuid: runId })).body).toEqual(fetched.body);

    // The run shows on the experiment page of the Trellis API, with its metrics and params.
    const page = await fetchJson(`${base}/api/v1/projects/${project}/experiments/${experimentId}/runs`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(1);
    expect(page.body.items[0]).toMatchObject({
      id: runId,
      name: run.info.run_name,
      source: "mlflow",
      status: "succeeded",
      params: { lr: "0.01", epochs: "5", optimizer: "adam" },
      tags: { stage: "review", "mlflow.user": "alice" },
      note: "first try",
      metrics: { acc: { last: 0.7, step: 2 }, loss: { last: 0.2, count: 5 }, grad_norm: { last: null } },
    });
  });

  it("names runs from run_name or the mlflow.runName tag, and rejects the two disagreeing", async () => {
    const experimentId = await setExperiment(`names-${randomUUID().slice(0, 6)}`);
    expect((await startRun(experimentId, { run_name: "baseline" })).info.run_name).toBe("baseline");
    expect((await startRun(experimentId, { tags: [{ key: "mlflow.runName", value: "from-tag" }] })).info.run_name).toBe("from-tag");
    const both = await post("runs/create", { experiment_id: experimentId, run_name: "a", tags: [{ key: "mlflow.runName", value: "b" }] });
    expectError(both, 400, "INVALID_PARAMETER_VALUE", /Both 'run_name' argument and 'mlflow.runName' tag are specified/);
    const run = await startRun(experimentId, { run_name: "old" });
    const renamed = await post("runs/update", { run_id: run.info.run_id, run_name: "new" });
    expect(renamed.body.run_info).toMatchObject({ run_name: "new", status: "RUNNING" });
    expect(renamed.body.run_info.end_time).toBeUndefined();
  });

  it("searches runs with MLflow's filter, order_by and page tokens", async () => {
    const experimentId = await setExperiment(`search-${randomUUID().slice(0, 6)}`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = await startRun(experimentId, { run_name: `r${i}`, start_time: 1_700_000_000_000 + i });
      ids.push(run.info.run_id);
      const batch = {
        run_id: run.info.run_id,
        metrics: [{ key: "acc", value: i / 10, timestamp: Date.now(), step: 0 }],
        params: [{ key: "model", value: i % 2 === 0 ? "cnn" : "mlp" }],
      };
      expect((await post("runs/log-batch", batch)).status).toBe(200);
      if (i < 2) await post("runs/update", { run_id: run.info.run_id, status: "FAILED", end_time: Date.now() });
    }

    // Default order: start_time DESC.
    const all = await post("runs/search", { experiment_ids: [experimentId], run_view_type: "ACTIVE_ONLY" });
    expect(all.status).toBe(200);
    expect(all.body.runs.map((r: Json) => r.info.run_name)).toEqual(["r4", "r3", "r2", "r1", "r0"]);
    expect(all.body.next_page_token).toBeUndefined();
    expect(all.body.runs[0].data.metrics).toEqual([{ key: "acc", value: 0.4, timestamp: expect.any(Number), step: 0 }]);

    // Filter and order, two runs a page.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await post("runs/search", {
        experiment_ids: [experimentId],
        filter: "metrics.acc >= 0.1 and params.model = 'cnn'",
        order_by: ["metrics.acc DESC"],
        max_results: 1,
        ...(token ? { page_token: token } : {}),
      });
      expect(res.status, res.text).toBe(200);
      seen.push(...(res.body.runs ?? []).map((r: Json) => r.info.run_name));
      token = res.body.next_page_token;
      pages++;
    } while (token);
    expect(seen).toEqual(["r4", "r2"]);
    expect(pages).toBe(2);

    const failed = await post("runs/search", { experiment_ids: [experimentId], filter: "attributes.status = 'FAILED'", order_by: ["attributes.run_name ASC"] });
    expect(failed.body.runs.map((r: Json) => r.info.run_name)).toEqual(["r0", "r1"]);
    expect(failed.body.runs[0].info.status).toBe("FAILED");
    expect((await post("runs/search", { experiment_ids: [experimentId], filter: "params.model = 'rnn'" })).body).toEqual({});
    expect((await post("runs/search", { experiment_ids: [experimentId], run_view_type: "DELETED_ONLY" })).body).toEqual({});
    // Experiments of other projects are not searched.
    expect((await post("runs/search", { experiment_ids: [experimentId] }, `${base}/api/2.0/mlflow`)).body).toEqual({});
  });

  it("pages a metric's full history with max_results and page_token", async () => {
    const experimentId = await setExperiment(`history-${randomUUID().slice(0, 6)}`);
    const run = await startRun(experimentId);
    const t = Date.now();
    const metrics = [4, 0, 3, 1, 2].map((step) => ({ key: "loss", value: step === 3 ? "NaN" : step / 10, timestamp: t + step, step }));
    expect((await post("runs/log-batch", { run_id: run.info.run_id, metrics })).status).toBe(200);

    const points: Json[] = [];
    let token: string | undefined;
    const pageSizes: number[] = [];
    do {
      const res = await get("metrics/get-history", { run_id: run.info.run_id, metric_key: "loss", max_results: 2, ...(token ? { page_token: token } : {}) });
      expect(res.status, res.text).toBe(200);
      pageSizes.push(res.body.metrics.length);
      points.push(...res.body.metrics);
      token = res.body.next_page_token;
    } while (token);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(points).toEqual([0, 1, 2, 3, 4].map((step) => ({ key: "loss", value: step === 3 ? "NaN" : step / 10, timestamp: t + step, step })));

    const whole = await get("metrics/get-history", { run_uuid: run.info.run_id, metric_key: "loss" });
    expect(whole.body.metrics).toHaveLength(5);
    expect(whole.body.next_page_token).toBeUndefined();
    expect((await get("metrics/get-history", { run_id: run.info.run_id, metric_key: "never-logged" })).body).toEqual({});
  });

  it("maps experiment 0 to the project's Default experiment", async () => {
    const run = await startRun("0");
    const byName = await get("experiments/get-by-name", { experiment_name: "Default" });
    expect(byName.status).toBe(200);
    const defaultId = byName.body.experiment.experiment_id;
    expect(defaultId).not.toBe("0");
    expect(run.info.experiment_id).toBe(defaultId);
    expect((await get("experiments/get", { experiment_id: "0" })).body.experiment).toMatchObject({ experiment_id: defaultId, name: "Default" });
    // No experiment_id at all is MLflow's default experiment too.
    const noExperiment = await post("runs/create", { start_time: Date.now() });
    expect(noExperiment.body.run.info.experiment_id).toBe(defaultId);
    const found = await post("runs/search", { experiment_ids: ["0"] });
    expect(found.body.runs.map((r: Json) => r.info.run_id)).toEqual(expect.arrayContaining([run.info.run_id, noExperiment.body.run.info.run_id]));
  });

  it("searches experiments by name, tags and times, ordered and paged, over POST and GET", async () => {
    const prefix = `exp-${randomUUID().slice(0, 6)}`;
    const a = (await post("experiments/create", { name: `${prefix}-a`, tags: [{ key: "team", value: "cv" }] })).body.experiment_id;
    const b = (await post("experiments/create", { name: `${prefix}-b`, tags: [{ key: "team", value: "nlp" }, { key: "mlflow.note.content", value: "notes" }] })).body.experiment_id;
    const c = (await post("experiments/create", { name: `${prefix}-c`, tags: [{ key: "team", value: "cv" }] })).body.experiment_id;

    const like = await post("experiments/search", { filter: `name LIKE '${prefix}-%'`, order_by: ["name DESC"], max_results: 1000 });
    expect(like.body.experiments.map((e: Json) => e.experiment_id)).toEqual([c, b, a]);
    expect(like.body.experiments[1].tags).toEqual([
      { key: "mlflow.note.content", value: "notes" },
      { key: "team", value: "nlp" },
    ]);
    const exact = await post("experiments/search", { filter: `name = '${prefix}-b'` });
    expect(exact.body.experiments.map((e: Json) => e.name)).toEqual([`${prefix}-b`]);
    const tagged = await get("experiments/search", { filter: `name LIKE '${prefix}%' AND tags.team = 'cv'`, order_by: "name ASC" });
    expect(tagged.status, tagged.text).toBe(200);
    expect(tagged.body.experiments.map((e: Json) => e.experiment_id)).toEqual([a, c]);
    const recent = await post("experiments/search", { filter: `name ILIKE '${prefix.toUpperCase()}%' and creation_time > 0` });
    // MLflow's default order: newest first.
    expect(recent.body.experiments.map((e: Json) => e.experiment_id)).toEqual([c, b, a]);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await post("experiments/search", { filter: `name LIKE '${prefix}%'`, order_by: ["experiment_id ASC"], max_results: 2, ...(token ? { page_token: token } : {}) });
      seen.push(...res.body.experiments.map((e: Json) => e.experiment_id));
      token = res.body.next_page_token;
    } while (token);
    expect(seen).toEqual([a, b, c]);
    expect((await post("experiments/search", { filter: `name = 'nothing-${prefix}'` })).body).toEqual({});
  });

  it("serves the default project at /api/2.0/mlflow and 404s an unknown project", async () => {
    const root = `${base}/api/2.0/mlflow`;
    const name = `default-${randomUUID().slice(0, 6)}`;
    const created = await post("experiments/create", { name }, root);
    expect(created.status, created.text).toBe(200);
    const row = await db.experiment.findUniqueOrThrow({ where: { id: Number(created.body.experiment_id) }, include: { project: true } });
    expect(row.project.name).toBe("default");
    // Not visible from another project.
    expectError(await get("experiments/get", { experiment_id: created.body.experiment_id }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(await get("experiments/get", { experiment_id: "1" }, `${base}/projects/nope-${randomUUID()}/api/2.0/mlflow`), 404, "RESOURCE_DOES_NOT_EXIST", /Project .* not found/);
  });

  it("leaves a pipeline run's status and times to the engine on runs/update, but lets it be renamed and logged to", async () => {
    await pushPipeline(db, { projectId, spec: "name: fit\nsteps:\n  train:\n    run: echo training\n" });
    const { runId } = await createRun(server.deps, { projectId, pipeline: "fit" });
    const ref = { run_id: runId, run_uuid: runId };
    const ended = await post("runs/update", { ...ref, status: "FINISHED", end_time: Date.now(), run_name: "tuned" });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body.run_info).toMatchObject({ run_id: runId, status: "SCHEDULED", run_name: "tuned" });
    expect(ended.body.run_info.end_time).toBeUndefined();
    const row = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(row).toMatchObject({ status: "queued", finishedAt: null, name: "tuned", source: "pipeline" });
    // A step using MLFLOW_RUN_ID logs to the pipeline run.
    expect((await post("runs/log-metric", { ...ref, key: "val_loss", value: 0.3, timestamp: Date.now(), step: 1 })).status).toBe(200);
    const fetched = await get("runs/get", { run_id: runId });
    expect(fetched.body.run.data.metrics).toEqual([{ key: "val_loss", value: 0.3, timestamp: expect.any(Number), step: 1 }]);
    expect(fetched.body.run.info.status).toBe("SCHEDULED");
  });

  describe("bad input: MLflow's error shape and a 4xx, never a 500", () => {
    let runId: string;
    let experimentId: string;

    beforeAll(async () => {
      experimentId = await setExperiment(`bad-${randomUUID().slice(0, 6)}`);
      runId = (await startRun(experimentId)).info.run_id;
      expect((await post("runs/log-parameter", { run_id: runId, key: "lr", value: "0.1" })).status).toBe(200);
    });

    it("unknown run and experiment ids", async () => {
      const unknown = randomUUID();
      expectError(await get("runs/get", { run_id: unknown }), 404, "RESOURCE_DOES_NOT_EXIST", `Run with id=${unknown} not found`);
      expectError(await get("runs/get", { run_id: "not-a-uuid" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await post("runs/log-metric", { run_id: unknown, key: "a", value: 1, timestamp: 1 }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await post("runs/log-batch", { run_id: unknown, params: [{ key: "a", value: "1" }] }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await post("runs/update", { run_id: unknown, status: "FINISHED" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await get("metrics/get-history", { run_id: unknown, metric_key: "a" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await get("experiments/get", { experiment_id: "999999999" }), 404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=999999999 exists");
      expectError(await get("experiments/get", { experiment_id: "abc" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await get("experiments/get", { experiment_id: "99999999999999999999" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expectError(await post("runs/create", { experiment_id: "999999999" }), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("malformed JSON and wrong content types", async () => {
      expectError(await post("runs/log-metric", "{not json"), 400, "BAD_REQUEST", /^Malformed JSON request body/);
      expectError(await post("runs/log-metric", `{"run_id": "${runId}", "key": "a", "value": nan, "timestamp": 1}`), 400, "BAD_REQUEST");
      const text = await fetchJson(`${mlflowRoot()}/runs/log-metric`, { method: "POST", headers: { ...bearer(), "content-type": "text/plain" }, body: "hello" });
      expectError(text, 400, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type must be one of ['application/json'].");
      const none = await fetchJson(`${mlflowRoot()}/runs/log-metric`, { method: "POST" });
      expectError(none, 400, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type header is missing.");
      const array = await post("runs/log-metric", "[1, 2]");
      expectError(array, 400, "INVALID_PARAMETER_VALUE");
      const huge = await post("runs/log-parameter", { run_id: runId, key: "big", value: "x".repeat(2 * 1024 * 1024) });
      expectError(huge, 400, "INVALID_PARAMETER_VALUE", /too large/);
    });

    it("missing required fields", async () => {
      expectError(await post("runs/log-metric", { run_id: runId, value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'key'.");
      expectError(await post("runs/log-metric", { run_id: runId, key: "a", value: 1 }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'timestamp'.");
      expectError(await post("runs/log-metric", { key: "a", value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'.");
      expectError(await post("runs/log-metric", {}), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("runs/log-batch", { metrics: [] }), 400, "INVALID_PARAMETER_VALUE", /'run_id'/);
      expectError(await post("runs/log-batch", { run_id: runId, metrics: [{ key: "a", value: 1 }] }), 400, "INVALID_PARAMETER_VALUE", /'metrics\[0\]\.timestamp'/);
      expectError(await post("experiments/create", { name: "" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
      expectError(await get("metrics/get-history", { run_id: runId }), 400, "INVALID_PARAMETER_VALUE", /'metric_key'/);
      expectError(await get("experiments/get"), 400, "INVALID_PARAMETER_VALUE", /'experiment_id'/);
      expectError(await get("runs/get"), 400, "INVALID_PARAMETER_VALUE", /'run_id'/);
    });

    it("wrong types", async () => {
      expectError(await post("runs/log-metric", { run_id: runId, key: "a", value: "abc", timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", /Invalid value "abc" for parameter 'value'/);
      expectError(await post("runs/log-metric", { run_id: runId, key: "a", value: 1, timestamp: 1, step: 1.5 }), 400, "INVALID_PARAMETER_VALUE", /'step'/);
      expectError(await post("runs/log-metric", { run_id: runId, key: 123, value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", /Invalid value 123 for parameter 'key'/);
      expectError(await post("runs/log-metric", { run_id: runId, key: "a", value: true, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("runs/log-parameter", { run_id: runId, key: "p", value: 0.5 }), 400, "INVALID_PARAMETER_VALUE", /'value'/);
      expectError(await post("runs/create", { experiment_id: experimentId, tags: { a: "b" } }), 400, "INVALID_PARAMETER_VALUE", /'tags'/);
      expectError(await post("runs/update", { run_id: runId, status: "DONE" }), 400, "INVALID_PARAMETER_VALUE", /'status'/);
      expectError(await post("runs/search", { experiment_ids: experimentId }), 400, "INVALID_PARAMETER_VALUE", /'experiment_ids'/);
      expectError(await get("metrics/get-history", { run_id: runId, metric_key: "a", max_results: "many" }), 400, "INVALID_PARAMETER_VALUE", /'max_results'/);
      expectError(await post("runs/log-metric", { run_id: runId, key: "a", value: 1, timestamp: -5 }), 400, "INVALID_PARAMETER_VALUE", /nonnegative/);
      expectError(await post("runs/create", { experiment_id: experimentId, start_time: 9e15 }), 400, "INVALID_PARAMETER_VALUE", /'start_time'/);
      // Postgres text cannot hold NUL: refused up front instead of failing in the database.
      expectError(await post("runs/set-tag", { run_id: runId, key: "t", value: "a\u0000b" }), 400, "INVALID_PARAMETER_VALUE", /NUL/);
    });

    it("too-long keys and values, and invalid key characters", async () => {
      const long = "k".repeat(251);
      expectError(await post("runs/log-metric", { run_id: runId, key: long, value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", /at most 250 characters/);
      expectError(await post("runs/log-parameter", { run_id: runId, key: long, value: "1" }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("runs/set-tag", { run_id: runId, key: long, value: "1" }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("runs/log-parameter", { run_id: runId, key: "p", value: "v".repeat(6001) }), 400, "INVALID_PARAMETER_VALUE", /exceeded length limit of 6000/);
      expectError(await post("runs/log-metric", { run_id: runId, key: "a|b", value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE", /invalid metric name "a\|b"/);
      expectError(await post("runs/log-batch", { run_id: runId, params: [{ key: "../up", value: "1" }] }), 400, "INVALID_PARAMETER_VALUE", /params\[0\]\.key/);
      expectError(await post("runs/set-tag", { run_id: runId, key: "a=b", value: "1" }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("experiments/create", { name: "n".repeat(501) }), 400, "INVALID_PARAMETER_VALUE", /maximum length of 500/);
    });

    it("batches over MLflow's limits", async () => {
      const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: i, timestamp: 1, step: i }));
      expectError(await post("runs/log-batch", { run_id: runId, metrics }), 400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.");
      const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" }));
      expectError(await post("runs/log-batch", { run_id: runId, params }), 400, "INVALID_PARAMETER_VALUE", /at most 100 params/);
      const total = { run_id: runId, metrics: metrics.slice(0, 950), params: params.slice(0, 51) };
      expectError(await post("runs/log-batch", total), 400, "INVALID_PARAMETER_VALUE", /at most 1000 metrics, params, and tags/);
      const dup = { run_id: runId, params: [{ key: "x", value: "1" }, { key: "x", value: "2" }] };
      expectError(await post("runs/log-batch", dup), 400, "INVALID_PARAMETER_VALUE", /Duplicate parameter keys/);
      // Nothing of a rejected batch was recorded.
      expect(await db.metricPoint.count({ where: { runId } })).toBe(0);
    });

    it("changing a param", async () => {
      expectError(await post("runs/log-parameter", { run_id: runId, key: "lr", value: "0.2" }), 400, "INVALID_PARAMETER_VALUE", /lr/);
      expectError(await post("runs/log-batch", { run_id: runId, params: [{ key: "lr", value: "0.3" }] }), 400, "INVALID_PARAMETER_VALUE", /cannot change/);
      expect((await get("runs/get", { run_id: runId })).body.run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    });

    it("bad filters, orderings, page tokens and max_results", async () => {
      expectError(await post("runs/search", { experiment_ids: [experimentId], filter: "metrics.acc >" }), 400, "INVALID_PARAMETER_VALUE", /^Invalid filter/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], filter: "metrics.acc > 1 OR params.a = 'b'" }), 400, "INVALID_PARAMETER_VALUE", /OR is not supported/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], filter: "attributes.status = 'DONE'" }), 400, "INVALID_PARAMETER_VALUE", /status/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], order_by: ["metrics.acc SIDEWAYS"] }), 400, "INVALID_PARAMETER_VALUE", /order_by/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], filter: "params.lr LIKE '0.1\\\\'" }), 400, "INVALID_PARAMETER_VALUE", /escape character/);
      expectError(await post("experiments/search", { filter: "name LIKE 'x\\\\'" }), 400, "INVALID_PARAMETER_VALUE", /escape character/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], page_token: "garbage!" }), 400, "INVALID_PARAMETER_VALUE", /page token/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], max_results: 50001 }), 400, "INVALID_PARAMETER_VALUE", /at most 50000/);
      expectError(await post("runs/search", { experiment_ids: [experimentId], max_results: 0 }), 400, "INVALID_PARAMETER_VALUE", /positive integer/);
      expectError(await post("experiments/search", { filter: "name = 'a' OR name = 'b'" }), 400, "INVALID_PARAMETER_VALUE", /OR is not supported/);
      expectError(await post("experiments/search", { filter: "metrics.x > 1" }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await post("experiments/search", { order_by: ["tags.team"] }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await get("experiments/search", { page_token: Buffer.from("nope").toString("base64") }), 400, "INVALID_PARAMETER_VALUE", /page token/);
      expectError(await get("metrics/get-history", { run_id: runId, metric_key: "a", page_token: "%%%" }), 400, "INVALID_PARAMETER_VALUE");
      expectError(await get("metrics/get-history", { run_id: runId, metric_key: "a", max_results: 0 }), 400, "INVALID_PARAMETER_VALUE");
    });

    it("unknown endpoints and methods", async () => {
      expectError(await post("runs/delete-everything", { run_id: runId }), 404, "ENDPOINT_NOT_FOUND");
      expectError(await get("runs/create"), 404, "ENDPOINT_NOT_FOUND");
      expectError(await fetchJson(`${base}/api/2.0/mlflow/nothing`), 404, "ENDPOINT_NOT_FOUND");
      // Even a malformed body to an unknown endpoint is a 404 in MLflow's shape.
      expectError(await post("nothing/here", "{oops"), 404, "ENDPOINT_NOT_FOUND");
    });
  });
});
