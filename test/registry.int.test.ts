import http from "node:http";
import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createModel,
  createModelVersion,
  createWebhook,
  createWebhookQueue,
  setModelAlias,
  transitionModelVersion,
  updateModel,
  webhookQueueName,
  PromotionBlocked,
  type RegistryContext,
} from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../apps/worker/src/step-worker.js";
import { createHarness, type Harness } from "./harness.js";

/**
 * The registry with a real worker: versions registered by `register:` outputs, gates,
 * overrides, the audit trail, and webhooks delivered to a real HTTP receiver (signed, retried
 * with backoff, logged).
 */
let h: Harness;
let worker: StepWorkerHandle;
let registry: RegistryContext;
const actor = "alice";

/** A receiver that records what it gets and fails the first `failures` requests of each delivery. */
interface Received {
  delivery: string;
  event: string;
  signature: string;
  body: string;
  status: number;
}
const received: Received[] = [];
let failuresPerDelivery = 0;
let receiver: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  process.env.TRELLIS_WEBHOOK_RETRY_BASE_MS = "50";
  h = await createHarness();
  worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null });
  registry = { db: h.db, webhooks: createWebhookQueue(h.ctx.redis, webhookQueueName(h.queueName)) };
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const delivery = String(req.headers["x-trellis-delivery"]);
      const seen = received.filter((r) => r.delivery === delivery).length;
      const status = seen < failuresPerDelivery ? 503 : 204;
      received.push({ delivery, event: String(req.headers["x-trellis-event"]), signature: String(req.headers["x-trellis-signature"]), body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  delete process.env.TRELLIS_WEBHOOK_RETRY_BASE_MS;
  await worker.stop();
  await registry.webhooks?.close();
  await new Promise((r) => receiver.close(r));
  await h.close();
});

const spec = `name: trainer
params:
  acc: { type: number }
steps:
  train:
    run: |
      echo "weights for \${{ params.acc }}" > "\${{ outputs.model }}"
      echo "::metric name=accuracy value=\${{ params.acc }}"
    outputs:
      model: { type: model, register: { model: churn } }
`;

async function trainedRun(acc: number): Promise<string> {
  const runId = await h.startRun("trainer", { acc });
  const done = await h.waitForRun(runId);
  expect(done.status, JSON.stringify(done.steps)).toBe("succeeded");
  return runId;
}

async function events() {
  return h.db.modelEvent.findMany({ where: { projectId: h.projectId, modelName: "churn" }, orderBy: { id: "asc" } });
}

describe("model registry", () => {
  let v1Run: string;
  let v2Run: string;

  it("registers a version for every run of a step whose output says register", async () => {
    await h.push(spec);
    v1Run = await trainedRun(0.94);
    v2Run = await trainedRun(0.91);
    const versions = await h.db.modelVersion.findMany({ where: { model: { projectId: h.projectId, name: "churn" } }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.runId, v.stepName, v.outputName, v.stage, v.createdBy])).toEqual([
      [1, v1Run, "train", "model", "None", "pipeline trainer"],
      [2, v2Run, "train", "model", "None", "pipeline trainer"],
    ]);
    expect(versions[0]!.artifactId).not.toBeNull();
    expect(versions[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    // Registering the same artifact again returns the existing version.
    expect(await createModelVersion(registry, { projectId: h.projectId, modelName: "churn", runId: v1Run, stepName: "train", outputName: "model", actor })).toEqual({ version: 1, created: false });
  });

  it("blocks a worse model with the failing gate and the gap, and records an override with its reason", async () => {
    await updateModel(registry, { projectId: h.projectId, name: "churn", gates: ["accuracy >= production.accuracy", "accuracy >= 0.9"], actor });
    const hook = await createWebhook(h.db, { projectId: h.projectId, url: receiverUrl, events: ["stage_changed", "alias_set", "version_created"] });

    const first = await transitionModelVersion(registry, { projectId: h.projectId, modelName: "churn", version: 1, toStage: "Production", comment: "first release", actor });
    expect(first).toMatchObject({ fromStage: "None", toStage: "Production", overridden: false, archived: [] });
    expect(first.gateResults.map((g) => g.passed)).toEqual([true, true]);

    const blocked = await transitionModelVersion(registry, { projectId: h.projectId, modelName: "churn", version: 2, toStage: "Production", actor }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(PromotionBlocked);
    expect((blocked as PromotionBlocked).issues).toEqual([
      { path: "policy.gates[0]", message: "accuracy >= production.accuracy: failed, accuracy is 0.91 against 0.94, short by 0.03" },
    ]);
    expect((await h.db.modelVersion.findFirstOrThrow({ where: { runId: v2Run } })).stage).toBe("None");

    await expect(
      transitionModelVersion(registry, { projectId: h.projectId, modelName: "churn", version: 2, toStage: "Production", overrideReason: "  ", actor }),
    ).rejects.toThrow(/an override needs a reason/);
    const forced = await transitionModelVersion(registry, {
      projectId: h.projectId,
      modelName: "churn",
      version: 2,
      toStage: "Production",
      comment: "hotfix",
      overrideReason: "v1 leaks PII; accuracy loss accepted",
      actor: "bob",
    });
    expect(forced).toMatchObject({ overridden: true, archived: [1] });
    await setModelAlias(registry, { projectId: h.projectId, modelName: "churn", alias: "champion", version: 2, actor });

    // The audit trail, in order, with gate results and the override reason.
    const trail = (await events()).map((e) => [e.kind, e.actor, e.version, e.fromStage, e.toStage, e.overrideReason, e.comment]);
    expect(trail).toEqual([
      ["model_created", "pipeline trainer", null, null, null, null, null],
      ["version_created", "pipeline trainer", 1, null, "None", null, null],
      ["version_created", "pipeline trainer", 2, null, "None", null, null],
      ["policy_changed", actor, null, null, null, null, null],
      ["stage_changed", actor, 1, "None", "Production", null, "first release"],
      ["stage_changed", "bob", 2, "None", "Production", "v1 leaks PII; accuracy loss accepted", "hotfix"],
      ["stage_changed", "bob", 1, "Production", "Archived", null, "archived: version 2 was promoted to Production"],
      ["alias_set", actor, 2, null, null, null, null],
    ]);
    const override = (await events()).find((e) => e.overrideReason !== null)!;
    expect(override.gateResults).toEqual([
      expect.objectContaining({ gate: "accuracy >= production.accuracy", passed: false, left: 0.91, right: 0.94 }),
      expect.objectContaining({ gate: "accuracy >= 0.9", passed: true }),
    ]);

    // Immutable: updates and deletes of audit rows change nothing.
    await h.db.$executeRaw`UPDATE "ModelEvent" SET actor = 'mallory' WHERE "projectId" = ${h.projectId}::uuid`;
    await h.db.$executeRaw`DELETE FROM "ModelEvent" WHERE "projectId" = ${h.projectId}::uuid`;
    expect((await events()).map((e) => e.actor)).toContain("bob");
    expect(await events()).toHaveLength(8);

    // Webhooks: one signed POST per stage change and alias (the versions predate the webhook).
    const deliveries = await h.waitFor(async () => {
      const rows = await h.db.webhookDelivery.findMany({ where: { webhookId: hook.id }, orderBy: { createdAt: "asc" } });
      return rows.length === 4 && rows.every((d) => d.status === "succeeded") && rows;
    }, "4 delivered webhooks");
    expect(deliveries.map((d) => d.event)).toEqual(["stage_changed", "stage_changed", "stage_changed", "alias_set"]);
    for (const r of received.filter((x) => deliveries.some((d) => d.id === x.delivery))) {
      const [t, v1] = r.signature.split(",").map((p) => p.split("=")[1]!);
      expect(v1).toBe(createHmac("sha256", hook.secret).update(`${t}.${r.body}`).digest("hex"));
    }
    const promoted = JSON.parse(received.find((r) => r.delivery === deliveries[1]!.id)!.body);
    expect(promoted).toMatchObject({ event: "stage_changed", model: "churn", version: 2, fromStage: "None", toStage: "Production", actor: "bob", comment: "hotfix" });
  });

  it("retries a failing receiver with backoff and logs every attempt", async () => {
    failuresPerDelivery = 2;
    const hook = await createWebhook(h.db, { projectId: h.projectId, url: receiverUrl, events: ["alias_set"], modelName: "churn" });
    await setModelAlias(registry, { projectId: h.projectId, modelName: "churn", alias: "candidate", version: 1, actor });
    const delivery = await h.waitFor(async () => {
      const d = await h.db.webhookDelivery.findFirst({ where: { webhookId: hook.id } });
      return d?.status === "succeeded" && d;
    }, "the delivery to succeed after two failures");
    const attempts = delivery.attempts as { statusCode: number | null; error: string | null; at: string }[];
    expect(attempts.map((a) => a.statusCode)).toEqual([503, 503, 204]);
    expect(attempts[0]!.error).toBe("the receiver answered 503");
    expect(delivery.attemptCount).toBe(3);
    // Backoff: 100 ms then 200 ms with a 50 ms base.
    const gaps = attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(attempts[i]!.at));
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    failuresPerDelivery = 0;
  });

  it("fails a delivery at once when the receiver refuses it for good", async () => {
    const hook = await createWebhook(h.db, { projectId: h.projectId, url: `${receiverUrl.replace(/\/hooks$/, "")}/missing`, events: ["version_created"] });
    const gone = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
    await h.db.webhook.update({ where: { id: hook.id }, data: { url: `http://127.0.0.1:${(gone.address() as AddressInfo).port}/` } });
    try {
      await createModel(registry, { projectId: h.projectId, name: "other", actor });
      await createModelVersion(registry, { projectId: h.projectId, modelName: "other", runId: v1Run, stepName: "train", outputName: "model", actor });
      const d = await h.waitFor(async () => {
        const row = await h.db.webhookDelivery.findFirst({ where: { webhookId: hook.id } });
        return row && row.status !== "pending" && row;
      }, "the delivery to end");
      expect(d.status).toBe("failed");
      expect(d.attemptCount).toBe(1);
    } finally {
      await new Promise((r) => gone.close(r));
    }
  });

  it("refuses bad gates, stages and aliases with the field that is wrong", async () => {
    await expect(updateModel(registry, { projectId: h.projectId, name: "churn", gates: ["accuracy >= 0.9", "accuracy => 1"], actor })).rejects.toMatchObject({
      issues: [{ path: "policy.gates[1]", message: expect.stringMatching(/^cannot read gate "accuracy => 1"/) }],
    });
    await expect(setModelAlias(registry, { projectId: h.projectId, modelName: "churn", alias: "latest", version: 1, actor })).rejects.toMatchObject({
      issues: [{ path: "alias" }],
    });
    await expect(transitionModelVersion(registry, { projectId: h.projectId, modelName: "churn", version: 9, toStage: "Staging", actor })).rejects.toThrow(
      'version 9 of model "churn" not found',
    );
    await expect(
      transitionModelVersion(registry, { projectId: h.projectId, modelName: "churn", version: 2, toStage: "Staging", expectedStage: "None", actor }),
    ).rejects.toThrow(/is in Production, not None/);
  });
});
