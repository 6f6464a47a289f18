import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { createApiServer, type ApiServer } from "./server.js";
import { bearer } from "../../../test/http.js";

let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
let base: string;
const project = `api-${randomUUID().slice(0, 8)}`;
const queueName = `api-test-${randomUUID()}`;

// Response bodies are checked field by field against the API contract.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function api(method: string, url: string, body?: unknown) {
  const res = await server.app.inject({ method: method as "GET", url: `/api/v1${url}`, headers: bearer(), ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, body: res.json() as Json };
}

async function waitForRun(id: string) {
  for (;;) {
    const { body } = await api("GET", `/projects/${project}/runs/${id}`);
    if (["succeeded", "failed", "cancelled"].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hello = `name: hello
params:
  who: { type: string, default: world }
  times: { type: integer }
steps:
  greet:
    run: for i in $(seq 1 \${{ params.times }}); do echo "hello \${{ params.who }} $i"; done; echo oops >&2
  slow:
    needs: [greet]
    run: for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.2; done
`;

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-api-")), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  base = await server.app.listen({ port: 0, host: "127.0.0.1" });
  worker = await startStepWorker({ db, config, queueName, concurrency: 4 });
  await db.project.create({ data: { name: project } });
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

describe("API", () => {
  it("reports health and serves its OpenAPI document", async () => {
    expect(await api("GET", "/health")).toEqual({ status: 200, body: { status: "ok", postgres: "ok", redis: "ok" } });
    const { body } = await api("GET", "/openapi.json");
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/v1/projects/{project}/runs", "/api/v1/projects/{project}/runs/{id}/steps/{step}/logs"]));
  });

  it("creates versions of a pipeline, returning the existing one for identical content", async () => {
    const first = await api("POST", `/projects/${project}/pipelines`, { spec: hello });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, pipeline: { name: "hello", latestVersion: 1 }, version: { version: 1, codeDigest: null } });
    const again = await api("POST", `/projects/${project}/pipelines`, { spec: hello });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, version: { version: 1 } });
    const code = { files: [{ path: "src/run.sh", content: Buffer.from("echo hi\n").toString("base64"), mode: 0o755 }] };
    const withCode = await api("POST", `/projects/${project}/pipelines`, { spec: hello, code });
    expect(withCode.body).toMatchObject({ created: true, version: { version: 2 } });
    expect(withCode.body.version.codeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect((await api("POST", `/projects/${project}/pipelines`, { spec: hello, code })).body).toMatchObject({ created: false, version: { version: 2 } });
    const detail = await api("GET", `/projects/${project}/pipelines/hello`);
    expect(detail.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const version = await api("GET", `/projects/${project}/pipelines/hello/versions/1`);
    expect(version.body.specText).toBe(hello);
    expect(version.body.spec.steps.slow.needs).toEqual(["greet"]);
  });

  it("rejects bad input with 4xx naming every problem and where it is", async () => {
    const badSpec = await api("POST", `/projects/${project}/pipelines`, {
      spec: "name: bad\nsteps:\n  a: { run: 'echo ${{ params.nope }}', needs: [prep] }\n  b: { run: x, needs: [c], timeout: soon }\n  c: { run: y, needs: [b] }\n",
    });
    expect(badSpec.status).toBe(400);
    expect(badSpec.body.error.code).toBe("VALIDATION_FAILED");
    expect(badSpec.body.error.issues).toEqual(
      expect.arrayContaining([
        { path: "steps.a.needs[0]", message: 'unknown step "prep"' },
        { path: "steps", message: "dependency cycle b -> c -> b" },
        expect.objectContaining({ path: "steps.b.timeout" }),
        expect.objectContaining({ path: "steps.a.run", message: expect.stringContaining("params.nope") }),
      ]),
    );
    const noSpec = await api("POST", `/projects/${project}/pipelines`, { code: { files: [] } });
    expect(noSpec.status).toBe(400);
    expect(noSpec.body.error.issues[0].path).toBe("spec");
    const badPath = await api("POST", `/projects/${project}/pipelines`, { spec: hello, code: { files: [{ path: "../etc/passwd", content: "" }] } });
    expect(badPath.status).toBe(400);
    expect(badPath.body.error.issues[0].path).toBe("code.files[0].path");
    const badParams = await api("POST", `/projects/${project}/runs`, { pipeline: "hello", params: { times: "many", extra: 1 } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "params.times" }), expect.objectContaining({ path: "params.extra", message: "unknown parameter" })]),
    );
    const unknownPipeline = await api("POST", `/projects/${project}/runs`, { pipeline: "nope" });
    expect(unknownPipeline.status).toBe(400);
    expect(unknownPipeline.body.error.issues[0].path).toBe("pipeline");
    const badVersion = await api("POST", `/projects/${project}/runs`, { pipeline: "hello", version: 99, params: { times: 1 } });
    expect(badVersion.body.error.issues[0]).toMatchObject({ path: "version" });
    expect((await api("GET", `/projects/nope-${randomUUID()}/runs`)).body.error.code).toBe("NOT_FOUND");
    expect((await api("GET", `/projects/${project}/runs/not-a-uuid`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/runs/${randomUUID()}`)).status).toBe(404);
    expect((await api("GET", `/projects/${project}/runs?status=bogus`)).status).toBe(400);
    expect((await api("GET", `/projects/${project}/runs?cursor=garbage`)).body.error.issues[0].path).toBe("query.cursor");
    const malformed = await server.app.inject({ method: "POST", url: `/api/v1/projects/${project}/runs`, headers: { ...bearer(), "content-type": "application/json" }, payload: "{not json" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("BAD_REQUEST");
    expect((await api("GET", "/nothing-here")).body.error.code).toBe("NOT_FOUND");
  });

  it("runs a pipeline and serves its steps and logs", async () => {
    const created = await api("POST", `/projects/${project}/runs`, { pipeline: "hello", version: 1, params: { times: "3" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ pipeline: "hello", version: 1, params: { who: "world", times: 3 } });
    const run = await waitForRun(created.body.id);
    expect(run.status).toBe("succeeded");
    const greet = run.steps.find((s: { name: string }) => s.name === "greet");
    expect(greet).toMatchObject({ status: "succeeded", attempt: 1, exitCode: 0 });
    expect(greet.command).toContain("hello world");
    const logs = await api("GET", `/projects/${project}/runs/${run.id}/steps/greet/logs`);
    expect(logs.body.complete).toBe(true);
    expect(logs.body.lines.map((l: { stream: string; text: string }) => `${l.stream}:${l.text}`)).toEqual([
      "stdout:hello world 1",
      "stdout:hello world 2",
      "stdout:hello world 3",
      "stderr:oops",
    ]);
    const page = await api("GET", `/projects/${project}/runs/${run.id}/steps/greet/logs?after=1&limit=2`);
    expect(page.body.lines.map((l: { seq: number }) => l.seq)).toEqual([2, 3]);
    expect(page.body).toMatchObject({ nextAfter: 3, complete: false });
  });

  it("streams a running step's log live over SSE and ends with its status", async () => {
    const { body: run } = await api("POST", `/projects/${project}/runs`, { pipeline: "hello", params: { times: 1 } });
    const res = await fetch(`${base}/api/v1/projects/${project}/runs/${run.id}/steps/slow/logs/stream`, { headers: bearer() });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events: { event: string; data: Json }[] = [];
    let statusAtFirstLine: string | undefined;
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        if (event === "line" && statusAtFirstLine === undefined) {
          const { body } = await api("GET", `/projects/${project}/runs/${run.id}`);
          statusAtFirstLine = body.steps.find((s: { name: string }) => s.name === "slow").status;
        }
      }
    }
    expect(events.filter((e) => e.event === "line").map((e) => e.data.text)).toEqual(["tick 1", "tick 2", "tick 3", "tick 4", "tick 5"]);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "succeeded" } });
    // Live: the first line arrived while the step was still running.
    expect(statusAtFirstLine).toBe("running");
  });

  it("lists runs newest first with keyset pagination and filters", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api("POST", `/projects/${project}/runs`, { pipeline: "hello", params: { times: 1 } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const { body } = await api("GET", `/projects/${project}/runs?limit=2&pipeline=hello${q}`);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((r: { id: string }) => r.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    await Promise.all(ids.map(waitForRun));
    const succeeded = await api("GET", `/projects/${project}/runs?status=succeeded,failed&limit=200`);
    expect(succeeded.body.items.every((r: { status: string }) => r.status === "succeeded")).toBe(true);
    expect(succeeded.body.items[0].stepCounts).toEqual({ succeeded: 2 });
    expect((await api("GET", `/projects/${project}/runs?pipeline=unknown`)).body.items).toEqual([]);
  });

  it("cancels a run once, and refuses to cancel a finished one", async () => {
    // Not from the cache: an earlier test ran the same step, and a cached run would be finished already.
    const { body: run } = await api("POST", `/projects/${project}/runs`, { pipeline: "hello", params: { times: 1 }, noCache: true });
    const cancelled = await api("POST", `/projects/${project}/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(202);
    const final = await waitForRun(run.id);
    expect(final.status).toBe("cancelled");
    const again = await api("POST", `/projects/${project}/runs/${run.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("already cancelled");
  });
});
