import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "./server.js";
import { bearer, fetchJson, type Json } from "../../../test/http.js";
import { memberToken } from "../../../test/principals.js";

/**
 * MLflow's model registry REST API over raw HTTP, as MLflow's Python client calls it
 * (mlflow/store/model_registry/rest_store.py): JSON bodies for POST, PATCH and DELETE, query
 * strings for GET. Versions come from real runs with stored `model` artifacts and metrics; bad
 * input must always come back in MLflow's error shape with a 4xx status.
 */

let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
let base: string;
const project = `mlreg-${randomUUID().slice(0, 8)}`;
const queueName = `mlflow-registry-test-${randomUUID()}`;

type Res = Awaited<ReturnType<typeof fetchJson>>;

const root = () => `${base}/projects/${project}/api/2.0/mlflow`;


/** A JSON request (POST, PATCH, DELETE) as the Python client sends it. */
function call(method: string, endpoint: string, body: unknown, base = root(), headers: Record<string, string> = {}): Promise<Res> {
  return fetchJson(`${base}/${endpoint}`, { method, headers: { ...bearer(), "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}
const post = (endpoint: string, body: unknown, headers: Record<string, string> = {}) => call("POST", endpoint, body, root(), headers);

function get(endpoint: string, query: Record<string, string | number | string[]> = {}, base = root()): Promise<Res> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return fetchJson(`${base}/${endpoint}${qs ? `?${qs}` : ""}`);
}

function expectOk(res: Res): Json {
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** MLflow's error body and nothing else, with the code and a 4xx status. */
function expectError(res: Res, status: number, code: string, message?: RegExp | string) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body ?? {}).sort(), res.text).toEqual(["error_code", "message"]);
  expect(res.body.error_code).toBe(code);
  if (message !== undefined) expect(res.body.message).toMatch(message);
}

async function rest(method: string, url: string, body?: unknown) {
  const res = await server.app.inject({ method: method as "GET", url: `/api/v1/projects/${project}${url}`, headers: bearer(), ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: res.json() as Json };
}

async function trainedRun(acc: number): Promise<string> {
  const created = await rest("POST", "/runs", { pipeline: "trainer", params: { acc } });
  expect(created.status).toBe(201);
  for (;;) {
    const { body } = await rest("GET", `/runs/${created.body.id}`);
    if (["succeeded", "failed", "cancelled"].includes(body.status)) {
      expect(body.status).toBe("succeeded");
      return body.id;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const spec = `name: trainer
params:
  acc: { type: number }
steps:
  train:
    run: |
      echo "weights for \${{ params.acc }}" > "\${{ outputs.model }}"
      echo "::metric name=accuracy value=\${{ params.acc }}"
    outputs:
      model: { type: model }
`;

let r1: string;
let r2: string;
let r3: string;

/** Named members of the test project, each calling with a personal token. */
const tokens: Record<string, string> = {};
const as = {
  alice: () => bearer(tokens.alice!),
  bob: () => bearer(tokens.bob!),
};

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-mlflow-registry-")), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  base = await server.app.listen({ port: 0, host: "127.0.0.1" });
  worker = await startStepWorker({ db, config, queueName, concurrency: 4, docker: null });
  await db.project.create({ data: { name: project } });
  const { id: projectId } = await db.project.findUniqueOrThrow({ where: { name: project } });
  tokens.alice = await memberToken(db, { projectId, email: "alice@example.com", role: "editor" });
  tokens.bob = await memberToken(db, { projectId, email: "bob@example.com", role: "editor" });

  expect((await rest("POST", "/pipelines", { spec })).status).toBe(201);
  [r1, r2, r3] = await Promise.all([trainedRun(0.94), trainedRun(0.91), trainedRun(0.97)]);
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.deps.webhooks?.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

describe("MLflow model registry API", () => {
  it("creates, gets, updates and tags registered models", async () => {
    const created = expectOk(
      await post("registered-models/create", { name: "churn", description: "churn classifier", tags: [{ key: "team", value: "growth" }] }, as.alice()),
    );
    expect(created).toEqual({
      registered_model: {
        name: "churn",
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        description: "churn classifier",
        tags: [{ key: "team", value: "growth" }],
      },
    });
    expectError(await post("registered-models/create", { name: "churn" }), 400, "RESOURCE_ALREADY_EXISTS", "Registered Model (name=churn) already exists.");
    expectError(await post("registered-models/create", {}), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
    expectError(await post("registered-models/create", { name: "bad/name" }), 400, "INVALID_PARAMETER_VALUE", /name/);
    expectError(await post("registered-models/create", { name: "x", tags: [{ key: "", value: "v" }] }), 400, "INVALID_PARAMETER_VALUE", /tags\[0\]\.key/);

    expect(expectOk(await get("registered-models/get", { name: "churn" })).registered_model).toMatchObject({ name: "churn", description: "churn classifier" });
    expectError(await get("registered-models/get", { name: "nope" }), 404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=nope not found");
    expectError(await get("registered-models/get"), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");

    const updated = expectOk(await call("PATCH", "registered-models/update", { name: "churn", description: "predicts churn" }));
    expect(updated.registered_model.description).toBe("predicts churn");
    expectError(await call("PATCH", "registered-models/update", { name: "nope", description: "x" }), 404, "RESOURCE_DOES_NOT_EXIST");

    expect(expectOk(await post("registered-models/set-tag", { name: "churn", key: "owner", value: "alice" }))).toEqual({});
    expect(expectOk(await call("DELETE", "registered-models/delete-tag", { name: "churn", key: "team" }))).toEqual({});
    expect(expectOk(await get("registered-models/get", { name: "churn" })).registered_model.tags).toEqual([{ key: "owner", value: "alice" }]);
    expectError(await call("DELETE", "registered-models/delete-tag", { name: "churn", key: "team" }), 404, "RESOURCE_DOES_NOT_EXIST");

    // Trellis's audit trail has it all, with the actor.
    const events = (await rest("GET", "/models/churn/events")).body.items.map((e: Json) => [e.kind, e.actor]);
    expect(events.at(-1)).toEqual(["model_created", "alice@example.com"]);
    expect(events).toHaveLength(4);
  });

  it("creates versions: runs:/ sources link the Trellis artifact, other sources are kept as text", async () => {
    const v1 = expectOk(
      await post("model-versions/create", { name: "churn", source: `runs:/${r1}/train.model`, run_id: r1, description: "first", tags: [{ key: "k", value: "v" }] }),
    ).model_version;
    expect(v1).toEqual({
      name: "churn",
      version: "1",
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: 'token "bootstrap"',
      current_stage: "None",
      description: "first",
      source: `runs:/${r1}/train.model`,
      run_id: r1,
      status: "READY",
      tags: [{ key: "k", value: "v" }],
    });
    // runs:/RUN/OUTPUT (no step), and the artifact_uri form MLflow clients resolve runs:/ to.
    const v2 = expectOk(await post("model-versions/create", { name: "churn", source: `runs:/${r2}/model`, run_id: r2 })).model_version;
    expect(v2.version).toBe("2");
    const experimentId = (await rest("GET", `/runs/${r3}`)).body.experiment.id;
    const v3 = expectOk(await post("model-versions/create", { name: "churn", source: `trellis-artifacts:/${experimentId}/${r3.replace(/-/g, "")}/artifacts/model`, run_id: r3 }))
      .model_version;
    expect(v3).toMatchObject({ version: "3", source: `runs:/${r3}/model`, run_id: r3 });
    const external = expectOk(await post("model-versions/create", { name: "churn", source: "s3://bucket/churn/model" })).model_version;
    expect(external).toMatchObject({ version: "4", source: "s3://bucket/churn/model" });
    expect(external.run_id).toBeUndefined();

    const views = await Promise.all([1, 2, 3, 4].map((v) => rest("GET", `/models/churn/versions/${v}`)));
    expect(views.map((v) => [v.body.runId, v.body.outputName, v.body.artifact?.type ?? null])).toEqual([
      [r1, "model", "model"],
      [r2, "model", "model"],
      [r3, "model", "model"],
      [null, null, null],
    ]);
    expect(views[0]!.body.metrics).toEqual({ accuracy: 0.94 });

    expectError(await post("model-versions/create", { name: "nope", source: `runs:/${r1}/model` }), 404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=nope not found");
    expectError(await post("model-versions/create", { name: "churn" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'source'.");
    expectError(await post("model-versions/create", { name: "churn", source: "s3://x", run_id: "not-a-run" }), 400, "INVALID_PARAMETER_VALUE", /run_id/);
    expectError(await post("model-versions/create", { name: "churn", source: "s3://x", run_id: randomUUID() }), 400, "INVALID_PARAMETER_VALUE", /does not exist/);
    expectError(await post("model-versions/create", { name: "churn", source: `runs:/${"-".repeat(36)}/model` }), 400, "INVALID_PARAMETER_VALUE", /source/);
  });

  it("gets, updates, tags and gives download URIs of versions", async () => {
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "2" })).model_version).toMatchObject({ version: "2", run_id: r2 });
    expectError(await get("model-versions/get", { name: "churn", version: "99" }), 404, "RESOURCE_DOES_NOT_EXIST", "Model Version (name=churn, version=99) not found");
    expectError(await get("model-versions/get", { name: "churn", version: "one" }), 400, "INVALID_PARAMETER_VALUE", /version/);
    expectError(await get("model-versions/get", { name: "churn" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'version'.");

    const updated = expectOk(await call("PATCH", "model-versions/update", { name: "churn", version: "2", description: "second" })).model_version;
    expect(updated.description).toBe("second");
    expect(expectOk(await post("model-versions/set-tag", { name: "churn", version: "2", key: "validated", value: "yes" }))).toEqual({});
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "2" })).model_version.tags).toEqual([{ key: "validated", value: "yes" }]);
    expect(expectOk(await call("DELETE", "model-versions/delete-tag", { name: "churn", version: "2", key: "validated" }))).toEqual({});
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "2" })).model_version.tags).toBeUndefined();

    const artifactId = (await rest("GET", "/models/churn/versions/1")).body.artifact.id;
    const uri = expectOk(await get("model-versions/get-download-uri", { name: "churn", version: "1" })).artifact_uri;
    expect(uri).toBe(`${base}/api/v1/projects/${project}/artifacts/${artifactId}/content`);
    expect(await (await fetch(uri, { headers: bearer() })).text()).toBe("weights for 0.94\n");
    expect(expectOk(await get("model-versions/get-download-uri", { name: "churn", version: "4" }))).toEqual({ artifact_uri: "s3://bucket/churn/model" });
  });

  it("transitions stages (any case), archives on request, and refuses a promotion its gates block with INVALID_STATE", async () => {
    // Gates are Trellis's: set them through its API.
    expect((await rest("PATCH", "/models/churn", { gates: ["accuracy >= production.accuracy"] })).status).toBe(200);
    const first = expectOk(await post("model-versions/transition-stage", { name: "churn", version: "1", stage: "production", archive_existing_versions: false }));
    expect(first.model_version).toMatchObject({ version: "1", current_stage: "Production" });

    const blocked = await post("model-versions/transition-stage", { name: "churn", version: "2", stage: "Production", archive_existing_versions: true });
    expectError(blocked, 400, "INVALID_STATE", "accuracy >= production.accuracy: failed, accuracy is 0.91 against 0.94, short by 0.03");
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "2" })).model_version.current_stage).toBe("None");

    // archive_existing_versions defaults to false, as in MLflow: both stay in Production.
    expectOk(await post("model-versions/transition-stage", { name: "churn", version: "3", stage: "PRODUCTION" }));
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "1" })).model_version.current_stage).toBe("Production");
    // Moving a version to the stage it is in is not an error.
    expectOk(await post("model-versions/transition-stage", { name: "churn", version: "3", stage: "Production" }));

    // Staging with archive_existing_versions archives the other Staging versions.
    expectOk(await post("model-versions/transition-stage", { name: "churn", version: "2", stage: "staging" }));
    expectOk(await post("model-versions/transition-stage", { name: "churn", version: "4", stage: "Staging", archive_existing_versions: "true" }));
    expect(expectOk(await get("model-versions/get", { name: "churn", version: "2" })).model_version.current_stage).toBe("Archived");

    expectError(await post("model-versions/transition-stage", { name: "churn", version: "2", stage: "Prod" }), 400, "INVALID_PARAMETER_VALUE", /Invalid Model Version stage: Prod/);
    expectError(await post("model-versions/transition-stage", { name: "churn", version: "2", stage: "None", archive_existing_versions: true }), 400, "INVALID_PARAMETER_VALUE", /not an Active stage/);
    expectError(await post("model-versions/transition-stage", { name: "churn", version: "9", stage: "Staging" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(await post("model-versions/transition-stage", { name: "churn", version: "1" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'stage'.");

    const stages = (await rest("GET", "/models/churn")).body.versions.map((v: Json) => [v.version, v.stage]);
    expect(stages).toEqual([
      [4, "Staging"],
      [3, "Production"],
      [2, "Archived"],
      [1, "Production"],
    ]);
  });

  it("gets the latest version per stage (POST and GET)", async () => {
    const all = expectOk(await post("registered-models/get-latest-versions", { name: "churn" })).model_versions;
    expect(all.map((v: Json) => [v.current_stage, v.version])).toEqual([
      ["Staging", "4"],
      ["Production", "3"],
      ["Archived", "2"],
    ]);
    const some = expectOk(await get("registered-models/get-latest-versions", { name: "churn", stages: ["production", "None"] }));
    expect(some.model_versions.map((v: Json) => v.version)).toEqual(["3"]);
    expect(expectOk(await post("registered-models/get-latest-versions", { name: "churn", stages: ["None"] }))).toEqual({});
    expectError(await post("registered-models/get-latest-versions", { name: "churn", stages: ["Live"] }), 400, "INVALID_PARAMETER_VALUE", /stages\[0\]/);
    expectError(await post("registered-models/get-latest-versions", { name: "nope" }), 404, "RESOURCE_DOES_NOT_EXIST");
    const model = expectOk(await get("registered-models/get", { name: "churn" })).registered_model;
    expect(model.latest_versions.map((v: Json) => v.version)).toEqual(["4", "3", "2"]);
  });

  it("sets, gets and deletes aliases", async () => {
    expect(expectOk(await post("registered-models/alias", { name: "churn", alias: "champion", version: "3" }))).toEqual({});
    const got = expectOk(await get("registered-models/alias", { name: "churn", alias: "champion" })).model_version;
    expect(got).toMatchObject({ version: "3", aliases: ["champion"] });
    expect(expectOk(await get("registered-models/get", { name: "churn" })).registered_model.aliases).toEqual([{ alias: "champion", version: "3" }]);
    expectOk(await post("registered-models/alias", { name: "churn", alias: "champion", version: 1 }));
    expect(expectOk(await get("registered-models/alias", { name: "churn", alias: "champion" })).model_version.version).toBe("1");

    expectError(await post("registered-models/alias", { name: "churn", alias: "latest", version: "1" }), 400, "INVALID_PARAMETER_VALUE", /alias/);
    expectError(await post("registered-models/alias", { name: "churn", alias: "x", version: "99" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(await get("registered-models/alias", { name: "churn", alias: "nope" }), 404, "RESOURCE_DOES_NOT_EXIST", "Registered model alias nope not found.");

    // DELETE with the fields in the query string (as other clients send them), then in a JSON body.
    expect(expectOk(await fetchJson(`${root()}/registered-models/alias?name=churn&alias=champion`, { method: "DELETE" }))).toEqual({});
    expectError(await call("DELETE", "registered-models/alias", { name: "churn", alias: "champion" }), 404, "RESOURCE_DOES_NOT_EXIST", "Registered model alias champion not found.");
    expectError(await fetchJson(`${root()}/registered-models/alias?name=churn`, { method: "DELETE" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'alias'.");
  });

  it("searches versions by name and run_id, in pages", async () => {
    const byName = expectOk(await get("model-versions/search", { filter: "name='churn'", order_by: ["version_number ASC"] })).model_versions;
    expect(byName.map((v: Json) => v.version)).toEqual(["1", "2", "3", "4"]);
    const byRun = expectOk(await get("model-versions/search", { filter: `run_id = '${r2}'` })).model_versions;
    expect(byRun.map((v: Json) => v.version)).toEqual(["2"]);
    const byRunHex = expectOk(await post("model-versions/search", { filter: `run_id IN ('${r1.replace(/-/g, "")}', '${r3}')`, order_by: ["version_number DESC"] }));
    expect(byRunHex.model_versions.map((v: Json) => v.version)).toEqual(["3", "1"]);
    expect(expectOk(await get("model-versions/search", { filter: "name='nope'" }))).toEqual({});

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page: Json = expectOk(await get("model-versions/search", { filter: "name = 'churn'", max_results: 3, order_by: ["version_number"], ...(token ? { page_token: token } : {}) }));
      expect(page.model_versions.length).toBeLessThanOrEqual(3);
      seen.push(...page.model_versions.map((v: Json) => v.version));
      token = page.next_page_token;
    } while (token);
    expect(seen).toEqual(["1", "2", "3", "4"]);

    expectError(await get("model-versions/search", { filter: "name = churn" }), 400, "INVALID_PARAMETER_VALUE", /quoted string/);
    expectError(await get("model-versions/search", { filter: "stage = 'None'" }), 400, "INVALID_PARAMETER_VALUE", /invalid attribute key 'stage'/);
    expectError(await get("model-versions/search", { filter: "name = 'a' OR name = 'b'" }), 400, "INVALID_PARAMETER_VALUE", /OR is not supported/);
    expectError(await get("model-versions/search", { order_by: ["size DESC"] }), 400, "INVALID_PARAMETER_VALUE", /order_by/);
    expectError(await get("model-versions/search", { page_token: "%%%" }), 400, "INVALID_PARAMETER_VALUE", /page token/);
    expectError(await get("model-versions/search", { max_results: 0 }), 400, "INVALID_PARAMETER_VALUE", /max_results/);
  });

  it("searches registered models by name (LIKE, ILIKE, =) and tags, ordered, in pages (GET and POST)", async () => {
    for (const name of ["fraud-a", "fraud-b", "Fraud-C"]) expectOk(await post("registered-models/create", { name, tags: [{ key: "kind", value: name.slice(-1).toLowerCase() }] }));
    const like = expectOk(await get("registered-models/search", { filter: "name LIKE 'fraud-%'" })).registered_models;
    expect(like.map((m: Json) => m.name)).toEqual(["fraud-a", "fraud-b"]);
    const ilike = expectOk(await post("registered-models/search", { filter: "name ILIKE 'fraud-%'", order_by: ["name DESC"] })).registered_models;
    expect(ilike.map((m: Json) => m.name)).toEqual(["fraud-b", "fraud-a", "Fraud-C"]);
    const exact = expectOk(await get("registered-models/search", { filter: "name = 'churn'" })).registered_models;
    expect(exact).toHaveLength(1);
    expect(exact[0]).toMatchObject({ name: "churn", latest_versions: expect.any(Array) });
    const tagged = expectOk(await get("registered-models/search", { filter: "tags.kind = 'c'" })).registered_models;
    expect(tagged.map((m: Json) => m.name)).toEqual(["Fraud-C"]);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page: Json = expectOk(await post("registered-models/search", { max_results: 2, ...(token ? { page_token: token } : {}) }));
      seen.push(...page.registered_models.map((m: Json) => m.name));
      token = page.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(["Fraud-C", "churn", "fraud-a", "fraud-b"]);

    expectError(await get("registered-models/search", { filter: "run_id = 'x'" }), 400, "INVALID_PARAMETER_VALUE", /invalid attribute key 'run_id'/);
    expectError(await get("registered-models/search", { filter: "name LIKE 'a\\\\'" }), 400, "INVALID_PARAMETER_VALUE", /escape character/);
    expectError(await get("registered-models/search", { max_results: 1001 }), 400, "INVALID_PARAMETER_VALUE", /max_results/);
    expectError(await post("registered-models/search", { page_token: Buffer.from("[]").toString("base64") }), 400, "INVALID_PARAMETER_VALUE", /page token/);
  });

  it("renames a model, keeping its versions, aliases and webhooks", async () => {
    expectOk(await post("registered-models/alias", { name: "churn", alias: "champion", version: "3" }));
    const hook = await rest("POST", "/webhooks", { url: "http://127.0.0.1:9/hooks", events: ["alias_set"], modelName: "churn" });
    const renamed = expectOk(await post("registered-models/rename", { name: "churn", new_name: "churn-v2" }, as.bob())).registered_model;
    expect(renamed).toMatchObject({ name: "churn-v2", aliases: [{ alias: "champion", version: "3" }] });
    expect(renamed.latest_versions.every((v: Json) => v.name === "churn-v2")).toBe(true);
    expectError(await get("registered-models/get", { name: "churn" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await rest("GET", "/webhooks")).body.items.find((w: Json) => w.id === hook.body.id).modelName).toBe("churn-v2");
    expect((await rest("GET", "/models/churn-v2/events")).body.items[0]).toMatchObject({ kind: "model_renamed", actor: "bob@example.com", details: { previousName: "churn" } });
    expect((await rest("GET", "/models/churn/events")).body.items[0]).toMatchObject({ kind: "model_renamed", details: { newName: "churn-v2" } });

    expectError(await post("registered-models/rename", { name: "churn-v2", new_name: "fraud-a" }), 400, "RESOURCE_ALREADY_EXISTS", "Registered Model (name=fraud-a) already exists.");
    expectError(await post("registered-models/rename", { name: "churn-v2" }), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'new_name'.");
    expectError(await post("registered-models/rename", { name: "nope", new_name: "x" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(await post("registered-models/rename", { name: "churn-v2", new_name: "bad/name" }), 400, "INVALID_PARAMETER_VALUE", /new_name/);
  });

  it("deletes versions and models", async () => {
    expect(expectOk(await call("DELETE", "model-versions/delete", { name: "churn-v2", version: "4" }))).toEqual({});
    expectError(await get("model-versions/get", { name: "churn-v2", version: "4" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectError(await call("DELETE", "model-versions/delete", { name: "churn-v2", version: "4" }), 404, "RESOURCE_DOES_NOT_EXIST");
    expect(expectOk(await call("DELETE", "registered-models/delete", { name: "churn-v2" }))).toEqual({});
    expectError(await call("DELETE", "registered-models/delete", { name: "churn-v2" }), 404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=churn-v2 not found");
    expectError(await call("DELETE", "registered-models/delete", {}), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
  });

  it("serves the default project under /api/2.0/mlflow, and MLflow's errors for unknown endpoints and bodies", async () => {
    const name = `default-${randomUUID().slice(0, 8)}`;
    expectOk(await call("POST", "registered-models/create", { name }, `${base}/api/2.0/mlflow`));
    expect(expectOk(await get("registered-models/get", { name }, `${base}/api/2.0/mlflow`)).registered_model.name).toBe(name);
    expectError(await get("registered-models/get", { name }), 404, "RESOURCE_DOES_NOT_EXIST");
    expect(expectOk(await call("DELETE", "registered-models/delete", { name }, `${base}/api/2.0/mlflow`))).toEqual({});

    expectError(await get("registered-models/nothing"), 404, "ENDPOINT_NOT_FOUND");
    expectError(await fetchJson(`${root()}/registered-models/create`, { method: "POST", headers: { ...bearer(), "content-type": "application/json" }, body: "{bad" }), 400, "BAD_REQUEST");
    expectError(await fetchJson(`${root()}/registered-models/create`, { method: "POST", body: "name=x" }), 400, "INVALID_PARAMETER_VALUE", /Content-Type/);
    expectError(await get("registered-models/get", { name: "x" }, `${base}/projects/nope-${randomUUID()}/api/2.0/mlflow`), 404, "RESOURCE_DOES_NOT_EXIST");
  });
});
