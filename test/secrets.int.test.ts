import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, type SecretsKey } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../apps/worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "../apps/api/src/server.js";
import { createHarness, type Harness } from "./harness.js";
import { apiClient } from "./http.js";

/**
 * Project secrets end to end with the real API and a real worker: values never come back from
 * the API, are stored encrypted, reach only the steps that declare them, and are masked in
 * every stored log line and tracked value; changes are audited without values.
 */
let h: Harness;
let server: ApiServer;
let worker: StepWorkerHandle;
const raw = randomBytes(32);
const key: SecretsKey = { key: raw, keyId: keyIdOf(raw) };
const api = apiClient(() => server.app);
const savedKey = process.env.TRELLIS_SECRETS_KEY;

const PASSWORD = "correct-horse-battery-staple-42";
const PASSWORD_V1 = "first-value-replaced-later";
const PEM = "-----BEGIN TEST KEY-----\nAAAAsecretlineone\nBBBBsecretlinetwo\n-----END TEST KEY-----";
const PEM_LINES = PEM.split("\n");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const spec = `name: secretive
steps:
  uses:
    secrets: [DB_PASSWORD, PEM]
    # Its result depends on the secret's value, which cache keys never cover.
    cache: false
    run: |
      printf %s "$DB_PASSWORD" | sha256sum | cut -d' ' -f1 > "\${{ outputs.digest }}"
      echo "$DB_PASSWORD"
      echo "connecting with password=$DB_PASSWORD to db" >&2
      echo "$PEM"
      echo "::param name=leaked value=$DB_PASSWORD"
      echo "::tag name=leaked_tag value=prefix-$DB_PASSWORD"
      echo "::metric name=ok value=1"
    outputs:
      digest: { type: string }
  blind:
    run: test -z "\${DB_PASSWORD:-}" && test -z "\${TRELLIS_SECRETS_KEY:-}" && echo "no secret here"
`;

beforeAll(async () => {
  h = await createHarness();
  process.env.TRELLIS_SECRETS_KEY = raw.toString("base64");
  server = await createApiServer({ db: h.db, config: h.config, queueName: h.queueName });
  worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null, secretsKey: key });
  await h.push(spec);
});

afterAll(async () => {
  if (savedKey === undefined) delete process.env.TRELLIS_SECRETS_KEY;
  else process.env.TRELLIS_SECRETS_KEY = savedKey;
  await worker?.stop();
  await server?.close();
  await h.close();
});

const secretsUrl = () => `/projects/${h.projectName}/secrets`;

async function logTexts(runId: string): Promise<string[]> {
  const rows = await h.db.logLine.findMany({ where: { stepId: { in: (await h.db.step.findMany({ where: { runId }, select: { id: true } })).map((s) => s.id) } } });
  return rows.map((r) => r.text);
}

describe("project secrets", () => {
  it("are set and listed without ever returning the value, and stored encrypted", async () => {
    const created = await api("PUT", `${secretsUrl()}/DB_PASSWORD`, { value: PASSWORD_V1 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: "DB_PASSWORD", createdAt: expect.any(String), updatedAt: expect.any(String), updatedBy: expect.any(String) });
    const updated = await api("PUT", `${secretsUrl()}/DB_PASSWORD`, { value: PASSWORD });
    expect(updated.status).toBe(200);
    expect(updated.body.createdAt).toBe(created.body.createdAt);
    expect((await api("PUT", `${secretsUrl()}/PEM`, { value: PEM })).status).toBe(201);
    const list = await api("GET", secretsUrl());
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(["DB_PASSWORD", "PEM"]);
    for (const res of [created, updated, list]) {
      for (const value of [PASSWORD, PASSWORD_V1, ...PEM_LINES]) expect(res.raw).not.toContain(value);
    }

    const row = await h.db.secret.findUniqueOrThrow({ where: { projectId_name: { projectId: h.projectId, name: "DB_PASSWORD" } } });
    expect(row.keyId).toBe(key.keyId);
    expect(row.iv).toHaveLength(12);
    expect(Buffer.from(row.ciphertext).includes(Buffer.from(PASSWORD))).toBe(false);
    expect(Buffer.from(row.ciphertext)).toHaveLength(Buffer.byteLength(PASSWORD));
  });

  it("refuses bad names and values too short to mask", async () => {
    const badName = await api("PUT", `${secretsUrl()}/db_password`, { value: PASSWORD });
    expect(badName.status).toBe(400);
    expect(badName.body.error.issues[0].path).toBe("params.name");
    const short = await api("PUT", `${secretsUrl()}/SHORT`, { value: "abc" });
    expect(short.status).toBe(400);
    expect(short.body.error.issues[0].path).toBe("value");
    expect(await h.db.secret.count({ where: { projectId: h.projectId, name: "SHORT" } })).toBe(0);
  });

  it("reach only the steps that declare them, masked in logs and tracked values", async () => {
    const runId = await h.startRun("secretive");
    const run = await h.waitForRun(runId);
    expect(run.steps.uses?.status, run.steps.uses?.error ?? "").toBe("succeeded");
    expect(run.steps.blind?.status, run.steps.blind?.error ?? "").toBe("succeeded");
    expect(run.steps.uses?.outputs.digest).toBe(sha256(PASSWORD));

    const logs = await api("GET", `/projects/${h.projectName}/runs/${runId}/steps/uses/logs`);
    expect(logs.status).toBe(200);
    const lines = (logs.body.lines as { stream: string; text: string }[]).map((l) => `${l.stream}: ${l.text}`);
    expect(lines).toEqual(
      expect.arrayContaining(["stdout: ***", "stderr: connecting with password=*** to db", "stdout: ***", "stdout: ::param name=leaked value=***", "stdout: ::tag name=leaked_tag value=prefix-***"]),
    );
    // The multi-line value: every line of it.
    expect(lines.filter((l) => l === "stdout: ***")).toHaveLength(1 + PEM_LINES.length);

    const stored = await logTexts(runId);
    expect(stored.length).toBeGreaterThan(5);
    for (const text of stored) for (const value of [PASSWORD, ...PEM_LINES]) expect(text).not.toContain(value);
    expect(stored).toContain("no secret here");

    const tracked = await h.db.run.findUniqueOrThrow({ where: { id: runId }, select: { params: true, tags: true } });
    expect((tracked.params as Record<string, string>).leaked).toBe("***");
    expect((tracked.tags as Record<string, string>).leaked_tag).toBe("prefix-***");
    expect(JSON.stringify(tracked)).not.toContain(PASSWORD);
  });

  it("refuses to start a run whose steps declare a secret the project does not have (400 naming the path)", async () => {
    await h.push(`name: needs-missing
steps:
  prep:
    run: echo prep
  train:
    secrets: [DB_PASSWORD, NOT_DEFINED_YET]
    run: echo train
`);
    const res = await api("POST", `/projects/${h.projectName}/runs`, { pipeline: "needs-missing" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "steps.train.secrets[1]", message: `secret NOT_DEFINED_YET is not defined in project "${h.projectName}"; an admin can add it under Settings → Secrets` }],
    });
    expect(await h.db.run.count({ where: { projectId: h.projectId, pipeline: { name: "needs-missing" } } })).toBe(0);
  });

  it("fail a step with a plain terminal error when the worker cannot decrypt them, or they are gone", async () => {
    await worker.stop();
    const other = randomBytes(32);
    worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null, secretsKey: { key: other, keyId: keyIdOf(other) } });
    const run = await h.waitForRun(await h.startRun("secretive"));
    expect(run.steps.uses).toMatchObject({ status: "failed", failureKind: "terminal" });
    expect(run.steps.uses?.error).toContain(`secret DB_PASSWORD was stored with secrets key ${key.keyId}, but this process has key ${keyIdOf(other)}`);

    await worker.stop();
    worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null, secretsKey: null });
    const keyless = await h.waitForRun(await h.startRun("secretive"));
    expect(keyless.steps.uses).toMatchObject({ status: "failed", failureKind: "terminal" });
    expect(keyless.steps.uses?.error).toContain("this worker has no TRELLIS_SECRETS_KEY");

    // Deleted between the start of the run and the step: refused by the worker.
    await worker.stop();
    await h.push("name: late\nsteps:\n  use:\n    secrets: [TEMP_TOKEN]\n    run: echo $TEMP_TOKEN\n");
    expect((await api("PUT", `${secretsUrl()}/TEMP_TOKEN`, { value: "temporary-token" })).status).toBe(201);
    const runId = await h.startRun("late");
    expect((await api("DELETE", `${secretsUrl()}/TEMP_TOKEN`)).status).toBe(204);
    worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null, secretsKey: key });
    const late = await h.waitForRun(runId);
    expect(late.steps.use).toMatchObject({ status: "failed", failureKind: "terminal", attempt: 1 });
    expect(late.steps.use?.error).toBe("secret TEMP_TOKEN not defined in the project (deleted after the run started?); an admin can add it under Settings → Secrets");
    expect(await logTexts(runId)).toEqual([`[trellis] ${late.steps.use?.error}`]);
  });

  it("are deleted (404 the second time), and every change is audited without the value", async () => {
    expect((await api("DELETE", `${secretsUrl()}/PEM`)).status).toBe(204);
    const again = await api("DELETE", `${secretsUrl()}/PEM`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("NOT_FOUND");
    expect((await api("GET", secretsUrl())).body.items.map((s: { name: string }) => s.name)).toEqual(["DB_PASSWORD"]);

    const events = await h.db.auditEvent.findMany({ where: { projectId: h.projectId, action: { startsWith: "secret." } }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.action, e.target])).toEqual([
      ["secret.created", "DB_PASSWORD"],
      ["secret.updated", "DB_PASSWORD"],
      ["secret.created", "PEM"],
      ["secret.created", "TEMP_TOKEN"],
      ["secret.deleted", "TEMP_TOKEN"],
      ["secret.deleted", "PEM"],
    ]);
    for (const e of events) expect(e.actor).not.toBe("");
    const text = JSON.stringify(events, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    for (const value of [PASSWORD, PASSWORD_V1, ...PEM_LINES]) expect(text).not.toContain(value);
  });

  it("cannot be set while the API has no key (409)", async () => {
    delete process.env.TRELLIS_SECRETS_KEY;
    const keyless = await createApiServer({ db: h.db, config: h.config, queueName: h.queueName });
    try {
      const res = await apiClient(() => keyless.app)("PUT", `${secretsUrl()}/OTHER`, { value: PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toBe("secrets are disabled: set TRELLIS_SECRETS_KEY (32 bytes, base64) on the API and workers");
    } finally {
      await keyless.close();
    }
  });
});
