import http from "node:http";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { createModelVersion, loadEngineConfig } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "./server.js";
import { apiClient, bearer, type Json } from "../../../test/http.js";
import { memberToken } from "../../../test/principals.js";
import { waitFor } from "../../../test/harness.js";

/**
 * The model registry's REST API with a real worker: versions registered from runs' artifact
 * outputs, promotion gates (blocked, overridden), aliases, the audit trail, downloads,
 * webhooks delivered to a real receiver, and bad input answered with 4xx naming the field.
 */

let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
const project = `reg-${randomUUID().slice(0, 8)}`;
const queueName = `registry-test-${randomUUID()}`;

const api = apiClient(() => server.app);


async function trainedRun(acc: number, loss = 0.3): Promise<string> {
  const created = await api("POST", `/projects/${project}/runs`, { pipeline: "trainer", params: { acc, loss } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const run = await waitFor(async () => {
    const { body } = await api("GET", `/projects/${project}/runs/${created.body.id}`);
    return ["succeeded", "failed", "cancelled"].includes(body.status) && body;
  }, "the run to finish");
  expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");
  return run.id;
}

const spec = `name: trainer
params:
  acc: { type: number }
  loss: { type: number, default: 0.3 }
steps:
  train:
    run: |
      echo "weights for \${{ params.acc }}" > "\${{ outputs.model }}"
      echo "::metric name=accuracy value=\${{ params.acc }}"
      echo "::metric name=loss value=\${{ params.loss }}"
    outputs:
      model: { type: model }
`;

/** A webhook receiver that records the events it gets and answers 204. */
const received: { event: string; body: Json }[] = [];
let receiver: http.Server;
let receiverUrl: string;

let r1: string;
let r2: string;
const models = () => `/projects/${project}/models`;
const churn = () => `${models()}/churn`;

/** Named members of the test project, each calling with a personal token. */
const tokens: Record<string, string> = {};
const as = {
  alice: () => bearer(tokens.alice!),
  bob: () => bearer(tokens.bob!),
  carol: () => bearer(tokens.carol!),
  dave: () => bearer(tokens.dave!),
  erin: () => bearer(tokens.erin!),
};

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-registry-")), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  worker = await startStepWorker({ db, config, queueName, concurrency: 4, docker: null });
  await db.project.create({ data: { name: project } });
  const { id: projectId } = await db.project.findUniqueOrThrow({ where: { name: project } });
  tokens.alice = await memberToken(db, { projectId, email: "alice@example.com", role: "editor" });
  tokens.bob = await memberToken(db, { projectId, email: "bob@example.com", role: "admin" });
  tokens.carol = await memberToken(db, { projectId, email: "carol@example.com", role: "editor" });
  tokens.dave = await memberToken(db, { projectId, email: "dave@example.com", role: "editor" });
  tokens.erin = await memberToken(db, { projectId, email: "erin@example.com", role: "admin" });

  expect((await api("POST", `/projects/${project}/pipelines`, { spec })).status).toBe(201);
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ event: String(req.headers["x-trellis-event"]), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  [r1, r2] = await Promise.all([trainedRun(0.94), trainedRun(0.91)]);
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.deps.webhooks?.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
  await new Promise((r) => receiver.close(r));
});

describe("model registry API", () => {
  it("registers a model with gates, and refuses a taken name, a bad name and a bad gate naming its index", async () => {
    const created = await api("POST", models(), { name: "churn", description: "churn classifier", tags: { team: "growth" }, gates: ["accuracy >= production.accuracy", "loss <= 0.5"] }, as.alice());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      name: "churn",
      description: "churn classifier",
      latestVersion: 0,
      versionCount: 0,
      production: null,
      staging: [],
      aliases: [],
      updatedAt: expect.any(String),
      createdAt: expect.any(String),
      tags: { team: "growth" },
      policy: { gates: ["accuracy >= production.accuracy", "loss <= 0.5"] },
      versions: [],
    });
    const taken = await api("POST", models(), { name: "churn" });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "CONFLICT", message: 'registered model "churn" already exists' });

    const badGate = await api("POST", models(), { name: "other", gates: ["accuracy >= 0.9", "accuracy => 1"] });
    expect(badGate.status).toBe(400);
    expect(badGate.body.error.issues).toEqual([{ path: "gates[1]", message: expect.stringMatching(/^cannot read gate "accuracy => 1"/) }]);
    const badName = await api("POST", models(), { name: "-no good/" });
    expect(badName.status).toBe(400);
    expect(badName.body.error.issues[0].path).toBe("name");
    const noName = await api("POST", models(), { description: "x" });
    expect(noName.status).toBe(400);
    expect(noName.body.error.issues[0].path).toBe("name");
    const badTags = await api("POST", models(), { name: "other", tags: { a: 1 } });
    expect(badTags.status).toBe(400);
    expect(badTags.body.error.issues[0].path).toBe("tags.a");
    expect((await api("GET", `/projects/nope-${randomUUID()}/models`)).status).toBe(404);
  });

  it("registers versions from runs' artifact outputs, once per artifact of a run", async () => {
    const v1 = await api("POST", `${churn()}/versions`, { runId: r1, outputName: "model", description: "first", tags: { data: "2026-11" } }, as.alice());
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(v1.body).toEqual({
      version: 1,
      stage: "None",
      description: "first",
      tags: { data: "2026-11" },
      aliases: [],
      createdAt: expect.any(String),
      createdBy: "alice@example.com",
      source: `trellis-artifact:${v1.body.artifact.digest}`,
      runId: r1,
      run: { id: r1, name: null, status: "succeeded", experimentId: expect.any(Number), experimentName: "trainer" },
      stepName: "train",
      outputName: "model",
      artifact: { id: expect.any(String), digest: expect.stringMatching(/^[0-9a-f]{64}$/), size: "weights for 0.94\n".length, type: "model" },
      metrics: { accuracy: 0.94, loss: 0.3 },
    });
    // The same artifact of the same run again: the existing version, 200.
    const again = await api("POST", `${churn()}/versions`, { runId: r1, stepName: "train", outputName: "model" });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(1);
    const v2 = await api("POST", `${churn()}/versions`, { runId: r2, outputName: "model" });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, createdBy: 'token "bootstrap"', metrics: { accuracy: 0.91 } });

    const noOutput = await api("POST", `${churn()}/versions`, { runId: r1, outputName: "weights" });
    expect(noOutput.status).toBe(400);
    expect(noOutput.body.error.issues).toEqual([{ path: "outputName", message: `run "${r1}" has no artifact output "weights"` }]);
    const unknownRun = await api("POST", `${churn()}/versions`, { runId: randomUUID(), outputName: "model" });
    expect(unknownRun.status).toBe(400);
    expect(unknownRun.body.error.issues[0].path).toBe("runId");
    const badRunId = await api("POST", `${churn()}/versions`, { runId: "r1", outputName: "model" });
    expect(badRunId.status).toBe(400);
    expect(badRunId.body.error.issues[0].path).toBe("runId");
    const noModel = await api("POST", `${models()}/nope/versions`, { runId: r1, outputName: "model" });
    expect(noModel.status).toBe(404);
    const createdWithIt = await api("POST", `${models()}/scratch model/versions`, { runId: r1, outputName: "model", createModel: true });
    expect(createdWithIt.status).toBe(201);
    expect(createdWithIt.body.version).toBe(1);
  });

  it("lists models with their Production and Staging versions, filtered by part of the name", async () => {
    const list = await api("GET", models());
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: Json) => m.name)).toEqual(["churn", "scratch model"]);
    expect(list.body.items[0]).toEqual({
      name: "churn",
      description: "churn classifier",
      latestVersion: 2,
      versionCount: 2,
      production: null,
      staging: [],
      aliases: [],
      updatedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect((await api("GET", `${models()}?q=CHU`)).body.items.map((m: Json) => m.name)).toEqual(["churn"]);
    expect((await api("GET", `${models()}?q=${encodeURIComponent("%")}`)).body.items).toEqual([]);
    const detail = await api("GET", churn());
    expect(detail.body.versions.map((v: Json) => v.version)).toEqual([2, 1]);
  });

  it("promotes through the gates: passes with no Production version, blocks a worse one naming the gate and the gap, records an override", async () => {
    const dryRun = await api("GET", `${churn()}/versions/2/gates`);
    expect(dryRun.body.gateResults.map((g: Json) => g.passed)).toEqual([true, true]);

    const first = await api("POST", `${churn()}/versions/1/stage`, { stage: "Production", comment: "first release" }, as.alice());
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ fromStage: "None", toStage: "Production", overridden: false, archived: [], version: { version: 1, stage: "Production" } });
    expect(first.body.gateResults).toEqual([
      { gate: "accuracy >= production.accuracy", passed: true, left: 0.94, right: null, message: "accuracy >= production.accuracy: passed (no Production version to compare with)" },
      { gate: "loss <= 0.5", passed: true, left: 0.3, right: 0.5, message: "loss <= 0.5: passed (0.3 <= 0.5)" },
    ]);

    const check = await api("GET", `${churn()}/versions/2/gates`);
    expect(check.body.gateResults[0]).toMatchObject({ passed: false, left: 0.91, right: 0.94 });

    const blocked = await api("POST", `${churn()}/versions/2/stage`, { stage: "Production" }, as.bob());
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe("CONFLICT");
    expect(blocked.body.error.issues).toEqual([
      { path: "policy.gates[0]", message: "accuracy >= production.accuracy: failed, accuracy is 0.91 against 0.94, short by 0.03" },
    ]);
    expect(blocked.body.error.gateResults).toEqual([
      expect.objectContaining({ gate: "accuracy >= production.accuracy", passed: false }),
      expect.objectContaining({ gate: "loss <= 0.5", passed: true }),
    ]);
    expect((await api("GET", `${churn()}/versions/2`)).body.stage).toBe("None");

    const noReason = await api("POST", `${churn()}/versions/2/stage`, { stage: "Production", overrideReason: "  " }, as.bob());
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.issues).toEqual([{ path: "overrideReason", message: "write why the gates are overridden" }]);

    const forced = await api("POST", `${churn()}/versions/2/stage`, { stage: "Production", comment: "hotfix", overrideReason: "v1 leaks PII" }, as.bob());
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ fromStage: "None", toStage: "Production", overridden: true, archived: [1], version: { version: 2, stage: "Production" } });

    const staged = await api("POST", `${churn()}/versions/1/stage`, { stage: "Staging", expectedStage: "Archived" }, as.alice());
    expect(staged.body).toMatchObject({ fromStage: "Archived", toStage: "Staging", gateResults: [], archived: [] });
    const stale = await api("POST", `${churn()}/versions/1/stage`, { stage: "None", expectedStage: "Production" });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/is in Staging, not Production/);

    const detail = await api("GET", churn());
    expect(detail.body).toMatchObject({ production: { version: 2, runId: r2 }, staging: [1] });
    expect(detail.body.versions.map((v: Json) => [v.version, v.stage])).toEqual([
      [2, "Production"],
      [1, "Staging"],
    ]);
  });

  it("keeps an append-only audit trail, newest first, in pages", async () => {
    const { body } = await api("GET", `${churn()}/events?limit=100`);
    const trail = [...body.items].reverse().map((e: Json) => [e.kind, e.actor, e.version, e.fromStage, e.toStage, e.overrideReason, e.comment]);
    expect(trail).toEqual([
      ["model_created", "alice@example.com", null, null, null, null, null],
      ["version_created", "alice@example.com", 1, null, "None", null, null],
      ["version_created", 'token "bootstrap"', 2, null, "None", null, null],
      ["stage_changed", "alice@example.com", 1, "None", "Production", null, "first release"],
      ["stage_changed", "bob@example.com", 2, "None", "Production", "v1 leaks PII", "hotfix"],
      ["stage_changed", "bob@example.com", 1, "Production", "Archived", null, "archived: version 2 was promoted to Production"],
      ["stage_changed", "alice@example.com", 1, "Archived", "Staging", null, null],
    ]);
    const override = body.items.find((e: Json) => e.overrideReason);
    expect(override).toMatchObject({ id: expect.stringMatching(/^\d+$/), at: expect.any(String), alias: null, details: {} });
    expect(override.gateResults).toEqual([
      { gate: "accuracy >= production.accuracy", passed: false, left: 0.91, right: 0.94, message: "accuracy >= production.accuracy: failed, accuracy is 0.91 against 0.94, short by 0.03" },
      { gate: "loss <= 0.5", passed: true, left: 0.3, right: 0.5, message: "loss <= 0.5: passed (0.3 <= 0.5)" },
    ]);
    expect(body.items.find((e: Json) => e.kind === "model_created").details).toEqual({ gates: ["accuracy >= production.accuracy", "loss <= 0.5"] });
    expect(body.nextBefore).toBeNull();

    // Pages of 3, newest first, ending with nextBefore null.
    const ids: string[] = [];
    let before: string | null = null;
    do {
      const page: Json = await api("GET", `${churn()}/events?limit=3${before ? `&before=${before}` : ""}`);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      ids.push(...page.body.items.map((e: Json) => e.id));
      before = page.body.nextBefore;
    } while (before);
    expect(ids).toEqual(body.items.map((e: Json) => e.id));

    // Updates and deletes of audit rows change nothing.
    const projectId = (await db.project.findUniqueOrThrow({ where: { name: project } })).id;
    expect(await db.$executeRaw`UPDATE "ModelEvent" SET actor = 'mallory', "overrideReason" = NULL WHERE "projectId" = ${projectId}::uuid`).toBe(0);
    expect(await db.$executeRaw`DELETE FROM "ModelEvent" WHERE "projectId" = ${projectId}::uuid`).toBe(0);
    expect((await api("GET", `${churn()}/events?limit=100`)).body).toEqual(body);
  });

  it("sets, moves and deletes aliases", async () => {
    const set = await api("PUT", `${churn()}/aliases/champion`, { version: 2 }, as.alice());
    expect(set.status).toBe(200);
    expect(set.body.aliases).toEqual([{ alias: "champion", version: 2 }]);
    expect(set.body.versions.find((v: Json) => v.version === 2).aliases).toEqual(["champion"]);
    const moved = await api("PUT", `${churn()}/aliases/champion`, { version: 1 });
    expect(moved.body.aliases).toEqual([{ alias: "champion", version: 1 }]);
    await api("PUT", `${churn()}/aliases/candidate`, { version: 2 });
    expect((await api("GET", models())).body.items[0].aliases).toEqual([
      { alias: "candidate", version: 2 },
      { alias: "champion", version: 1 },
    ]);
    const reserved = await api("PUT", `${churn()}/aliases/latest`, { version: 1 });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.issues[0].path).toBe("alias");
    expect((await api("PUT", `${churn()}/aliases/x`, { version: 9 })).status).toBe(404);
    expect((await api("PUT", `${churn()}/aliases/x`, { version: "one" })).body.error.issues[0].path).toBe("version");

    expect((await api("DELETE", `${churn()}/aliases/candidate`)).status).toBe(204);
    expect((await api("DELETE", `${churn()}/aliases/candidate`)).status).toBe(404);
    const events = (await api("GET", `${churn()}/events?limit=4`)).body.items;
    expect(events.map((e: Json) => [e.kind, e.alias, e.version])).toEqual([
      ["alias_deleted", "candidate", 2],
      ["alias_set", "candidate", 2],
      ["alias_set", "champion", 1],
      ["alias_set", "champion", 2],
    ]);
    expect(events[2].details).toEqual({ previousVersion: 2 });
  });

  it("answers bad input with 4xx naming the field, and unknown things with 404", async () => {
    const badStage = await api("POST", `${churn()}/versions/1/stage`, { stage: "Prod" });
    expect(badStage.status).toBe(400);
    expect(badStage.body.error.issues[0].path).toBe("stage");
    const sameStage = await api("POST", `${churn()}/versions/1/stage`, { stage: "Staging" });
    expect(sameStage.status).toBe(409);
    expect((await api("POST", `${churn()}/versions/99/stage`, { stage: "Staging" })).status).toBe(404);
    expect((await api("GET", `${churn()}/versions/99`)).body.error).toEqual({ code: "NOT_FOUND", message: 'version 99 of model "churn" not found' });
    expect((await api("GET", `${churn()}/versions/99/gates`)).status).toBe(404);
    const badVersion = await api("GET", `${churn()}/versions/abc`);
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.error.issues[0].path).toBe("params.version");
    expect((await api("GET", `${churn()}/versions/0`)).status).toBe(400);
    expect((await api("GET", `${models()}/nope`)).status).toBe(404);
    expect((await api("GET", `${models()}/nope/events`)).status).toBe(404);
    expect((await api("GET", `${churn()}/events?before=x`)).body.error.issues[0].path).toBe("querystring.before");
    expect((await api("GET", `${churn()}/events?limit=0`)).status).toBe(400);
    const badPatch = await api("PATCH", churn(), { gates: ["ok >= 1", "bad"] });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.issues).toEqual([{ path: "gates[1]", message: expect.stringMatching(/^cannot read gate "bad"/) }]);
    expect((await api("PATCH", `${models()}/nope`, { description: "x" })).status).toBe(404);
    expect((await api("DELETE", `${models()}/nope`)).status).toBe(404);
    expect((await api("DELETE", `${churn()}/versions/99`)).status).toBe(404);
  });

  it("edits models and versions", async () => {
    const patched = await api("PATCH", churn(), { description: "v2", tags: { team: "core" }, gates: ["accuracy >= 0.9"] }, as.carol());
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: "v2", tags: { team: "core" }, policy: { gates: ["accuracy >= 0.9"] } });
    const kinds = (await api("GET", `${churn()}/events?limit=2`)).body.items.map((e: Json) => [e.kind, e.actor, e.details]);
    expect(kinds).toEqual([
      ["model_updated", "carol@example.com", {}],
      ["policy_changed", "carol@example.com", { before: ["accuracy >= production.accuracy", "loss <= 0.5"], after: ["accuracy >= 0.9"] }],
    ]);
    const version = await api("PATCH", `${churn()}/versions/1`, { description: "retrained", tags: { ok: "yes" } });
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ version: 1, description: "retrained", tags: { ok: "yes" } });
  });

  it("redirects a version's download to its artifact's content; 404 when Trellis does not store it", async () => {
    const res = await api("GET", `${churn()}/versions/1/download`);
    expect(res.status).toBe(302);
    const artifactId = (await api("GET", `${churn()}/versions/1`)).body.artifact.id;
    expect(res.headers.location).toBe(`/api/v1/projects/${project}/artifacts/${artifactId}/content`);
    const content = await server.app.inject({ method: "GET", url: String(res.headers.location), headers: bearer() });
    expect(content.statusCode).toBe(200);
    expect(content.body).toBe("weights for 0.94\n");

    // A version an MLflow client registered from a location Trellis does not store.
    const projectId = (await db.project.findUniqueOrThrow({ where: { name: project } })).id;
    const external = await createModelVersion(server.deps, { projectId, modelName: "churn", source: "s3://bucket/churn/model", actor: "mlflow" });
    const view = await api("GET", `${churn()}/versions/${external.version}`);
    expect(view.body).toMatchObject({ source: "s3://bucket/churn/model", runId: null, run: null, artifact: null, metrics: {}, stepName: null });
    const missing = await api("GET", `${churn()}/versions/${external.version}/download`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('registered from "s3://bucket/churn/model"');
  });

  it("keeps a version's artifact when its run is deleted", async () => {
    const other = await trainedRun(0.5, 0.9);
    const registered = await api("POST", `${churn()}/versions`, { runId: other, outputName: "model" });
    expect(registered.status).toBe(201);
    const deleted = await api("POST", `/projects/${project}/runs/delete`, { runIds: [other] });
    expect(deleted.body).toMatchObject({ runs: 1, artifacts: 0 });
    const view = await api("GET", `${churn()}/versions/${registered.body.version}`);
    expect(view.body).toMatchObject({ runId: other, run: null, metrics: {}, artifact: { id: registered.body.artifact.id, digest: registered.body.artifact.digest, type: null } });
    expect((await api("GET", `${churn()}/versions/${registered.body.version}/download`)).status).toBe(302);
  });

  it("delivers registry events to webhooks, lists deliveries with their attempts, redelivers", async () => {
    const bad = await api("POST", `/projects/${project}/webhooks`, { url: "ftp://example.com/x", events: ["stage_changed", "nope"], secret: "short" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: Json) => i.path)).toEqual(["url", "events[1]", "secret"]);
    expect((await api("POST", `/projects/${project}/webhooks`, { url: 42 })).body.error.issues[0].path).toBe("url");

    const created = await api("POST", `/projects/${project}/webhooks`, { url: receiverUrl, events: ["alias_set", "stage_changed"], modelName: "churn" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      url: receiverUrl,
      events: ["alias_set", "stage_changed"],
      modelName: "churn",
      active: true,
      createdAt: expect.any(String),
      secret: expect.any(String),
    });
    expect(created.body.secret.length).toBeGreaterThanOrEqual(16);
    const everything = await api("POST", `/projects/${project}/webhooks`, { url: receiverUrl, modelName: null, secret: "s".repeat(20) });
    expect(everything.body).toMatchObject({ events: ["version_created", "stage_changed", "alias_set"], modelName: null, secret: "s".repeat(20) });

    const listed = await api("GET", `/projects/${project}/webhooks`);
    expect(listed.body.items.map((w: Json) => w.id)).toEqual([everything.body.id, created.body.id]);
    expect(listed.body.items[1]).toEqual({ ...created.body, secret: undefined, lastDelivery: null });
    expect("secret" in listed.body.items[1]).toBe(false);

    await api("PUT", `${churn()}/aliases/stable`, { version: 2 }, as.dave());
    const hookId = created.body.id;
    const delivered = await waitFor(async () => {
      const { body } = await api("GET", `/projects/${project}/webhooks/${hookId}/deliveries`);
      return body.items.length === 1 && body.items[0].status === "succeeded" && body.items[0];
    }, "the alias_set delivery");
    expect(delivered).toEqual({
      id: expect.any(String),
      event: "alias_set",
      status: "succeeded",
      attemptCount: 1,
      nextAttemptAt: null,
      createdAt: expect.any(String),
      deliveredAt: expect.any(String),
      attempts: [{ at: expect.any(String), durationMs: expect.any(Number), statusCode: 204, error: null }],
      payload: expect.objectContaining({ event: "alias_set", model: "churn", version: 2, alias: "stable", actor: "dave@example.com", project }),
    });
    expect(received.some((r) => r.event === "alias_set" && r.body.alias === "stable")).toBe(true);
    const withLast = (await api("GET", `/projects/${project}/webhooks`)).body.items.find((w: Json) => w.id === hookId);
    expect(withLast.lastDelivery).toEqual({ status: "succeeded", at: delivered.attempts[0].at });

    const again = await api("POST", `/projects/${project}/webhook-deliveries/${delivered.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: delivered.id, status: "pending", nextAttemptAt: expect.any(String) });
    await waitFor(async () => {
      const { body } = await api("GET", `/projects/${project}/webhooks/${hookId}/deliveries?limit=10`);
      return body.items[0].status === "succeeded" && body.items[0].attemptCount === 2;
    }, "the redelivery");
    expect((await api("POST", `/projects/${project}/webhook-deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
    expect((await api("POST", `/projects/${project}/webhook-deliveries/nope/redeliver`)).status).toBe(400);

    expect((await api("DELETE", `/projects/${project}/webhooks/${hookId}`)).status).toBe(204);
    expect((await api("DELETE", `/projects/${project}/webhooks/${hookId}`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/webhooks/${hookId}/deliveries`)).status).toBe(404);
    expect((await api("DELETE", `/projects/${project}/webhooks/${everything.body.id}`)).status).toBe(204);
  });

  it("deletes versions and models; a deleted model's audit trail stays readable", async () => {
    expect((await api("DELETE", `${models()}/scratch model/versions/1`)).status).toBe(204);
    expect((await api("GET", `${models()}/scratch model/versions/1`)).status).toBe(404);
    expect((await api("DELETE", `${models()}/scratch model`, undefined, as.erin())).status).toBe(204);
    expect((await api("GET", `${models()}/scratch model`)).status).toBe(404);
    const trail = await api("GET", `${models()}/scratch model/events`);
    expect(trail.status).toBe(200);
    expect(trail.body.items.map((e: Json) => [e.kind, e.actor])).toEqual([
      ["model_deleted", "erin@example.com"],
      ["version_deleted", 'token "bootstrap"'],
      ["version_created", 'token "bootstrap"'],
      ["model_created", 'token "bootstrap"'],
    ]);
  });

  it("documents the registry in the OpenAPI document", async () => {
    const { body } = await api("GET", "/openapi.json");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/projects/{project}/models",
        "/api/v1/projects/{project}/models/{name}/versions/{version}/stage",
        "/api/v1/projects/{project}/models/{name}/events",
        "/api/v1/projects/{project}/webhooks/{id}/deliveries",
        "/api/v1/projects/{project}/webhook-deliveries/{id}/redeliver",
      ]),
    );
    expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(["ModelDetail", "ModelVersion", "GateResult", "ModelAuditEvent", "PromotionBlockedError"]));
  });
});
