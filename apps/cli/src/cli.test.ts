import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main, type Io } from "./cli.js";

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function sseBody(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

function harness(handler: Handler, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: { method: string; url: string; body?: unknown; headers: Record<string, string> }[] = [];
  const io: Io = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env,
    color: false,
    sleep: async () => {},
    now: () => Date.parse("2024-01-01T00:01:00Z"),
    fetch: async (input, init = {}) => {
      const url = new URL(input);
      requests.push({
        method: init.method ?? "GET",
        url: `${url.pathname}${url.search}`,
        body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
        headers: (init.headers ?? {}) as Record<string, string>,
      });
      return handler(url, init);
    },
  };
  return { io, out, err, requests, stdout: () => out.join(""), stderr: () => err.join("") };
}

const step = (name: string, status: string, extra: object = {}) => ({
  name,
  status,
  attempt: 1,
  maxAttempts: 1,
  startedAt: "2024-01-01T00:00:00Z",
  finishedAt: "2024-01-01T00:00:01.500Z",
  exitCode: 0,
  error: null,
  failureKind: null,
  ...extra,
});

const run = (status: string, steps: object[], extra: object = {}) => ({
  id: "run-1",
  pipeline: "hello",
  version: 2,
  status,
  createdAt: "2024-01-01T00:00:00Z",
  startedAt: "2024-01-01T00:00:00Z",
  finishedAt: status === "succeeded" || status === "failed" ? "2024-01-01T00:00:03Z" : null,
  error: null,
  steps,
  ...extra,
});

describe("trellis push", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "trellis-push-"));
    await writeFile(path.join(dir, "pipeline.yaml"), "name: hello\nsteps:\n  a: { run: echo hi }\n");
    await writeFile(path.join(dir, "main.py"), "print(1)\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("uploads the spec text and the code files, then reports the version", async () => {
    const h = harness(() => json({ pipeline: { name: "hello", latestVersion: 3 }, version: { version: 3, contentDigest: "abc" }, created: true }, 201));
    expect(await main(["push", dir, "--project", "team a"], h.io)).toBe(0);
    expect(h.requests).toHaveLength(1);
    expect(h.requests[0]).toMatchObject({
      method: "POST",
      url: "/api/v1/projects/team%20a/pipelines",
      body: {
        spec: "name: hello\nsteps:\n  a: { run: echo hi }\n",
        code: { files: [{ path: "main.py", content: Buffer.from("print(1)\n").toString("base64"), mode: 420 }] },
      },
    });
    expect(h.stdout()).toBe("pushed hello v3 (new)\n");
  });

  it("says unchanged when the server returns the existing version", async () => {
    const h = harness(() => json({ pipeline: { name: "hello" }, version: { version: 3 }, created: false }));
    expect(await main(["push", dir], h.io)).toBe(0);
    expect(h.stdout()).toBe("pushed hello v3 (unchanged)\n");
  });

  it("prints the API's message and issues and exits 1", async () => {
    const h = harness(() =>
      json(
        {
          error: {
            code: "validation_failed",
            message: "the pipeline spec is invalid",
            issues: [
              { path: "steps.a.needs[0]", message: 'unknown step "b"' },
              { path: ["params", "lr", "type"], message: "must be one of string, number" },
            ],
          },
        },
        422,
      ),
    );
    expect(await main(["push", dir], h.io)).toBe(1);
    expect(h.stderr()).toBe('the pipeline spec is invalid\n  steps.a.needs[0]: unknown step "b"\n  params.lr.type: must be one of string, number\n');
  });

  it("reports YAML syntax errors without calling the API", async () => {
    await writeFile(path.join(dir, "pipeline.yaml"), "name: hello\nsteps: [\n");
    const h = harness(() => json({}));
    expect(await main(["push", dir], h.io)).toBe(1);
    expect(h.requests).toHaveLength(0);
    expect(h.stderr()).toMatch(/pipeline\.yaml:\d+:\d+: /);
  });

  it("explains a connection failure", async () => {
    const h = harness(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    });
    expect(await main(["push", dir, "--api", "http://localhost:4999"], h.io)).toBe(1);
    expect(h.stderr()).toBe("cannot reach the Trellis API at http://localhost:4999 — is `npm start` running?\n");
  });
});

describe("trellis run", () => {
  it("starts a run with string params and prints its id and UI URL", async () => {
    const h = harness(() => json(run("queued", [step("a", "queued")]), 201));
    expect(await main(["run", "hello", "-p", "day=2024-01-01", "-p", "lr=0.1", "--version", "2"], h.io)).toBe(0);
    expect(h.requests[0]).toMatchObject({
      method: "POST",
      url: "/api/v1/projects/default/runs",
      body: { pipeline: "hello", version: 2, params: { day: "2024-01-01", lr: "0.1" } },
    });
    expect(h.stdout()).toBe("started run run-1 (hello v2)\n  http://localhost:3000/projects/default/runs/run-1\n");
  });

  it("--wait polls until the run finishes and exits 0 only on success", async () => {
    const b = { startedAt: "2024-01-01T00:00:02Z", maxAttempts: 2 };
    const states = [
      run("running", [step("a", "running", { finishedAt: null, exitCode: null }), step("b", "pending", { attempt: 0 })]),
      // One poll sees a finish and a start: printed in the order they happened.
      run("running", [step("a", "succeeded"), step("b", "running", { ...b, finishedAt: null, exitCode: null })]),
      run("running", [step("a", "succeeded"), step("b", "queued", { ...b, attempt: 2, error: "attempt 1 failed (exited with code 1); retrying in 1s" })]),
      run("succeeded", [step("a", "succeeded"), step("b", "succeeded", { ...b, attempt: 2, finishedAt: "2024-01-01T00:00:03Z" })]),
    ];
    let polls = 0;
    const h = harness((url, init) => (init.method === "POST" ? json(run("queued", [step("a", "queued"), step("b", "pending")]), 201) : json(states[Math.min(polls++, states.length - 1)])));
    expect(await main(["run", "hello", "--wait"], h.io)).toBe(0);
    expect(h.requests.slice(1).every((r) => r.method === "GET" && r.url === "/api/v1/projects/default/runs/run-1")).toBe(true);
    expect(h.stdout()).toContain(
      [
        "  a running",
        "  a succeeded",
        "  b running (attempt 1/2)",
        "  b retrying (attempt 2/2): attempt 1 failed (exited with code 1); retrying in 1s",
        "  b succeeded (attempt 2/2)",
        "run run-1 succeeded in 3.0s\n",
      ].join("\n"),
    );
  });

  it("--wait exits 1 when the run fails", async () => {
    const failed = run("failed", [step("a", "failed", { exitCode: 2, error: "exit code 2", failureKind: "retryable", attempt: 3, maxAttempts: 3 })], {
      error: "step a failed",
    });
    const h = harness((url, init) => (init.method === "POST" ? json(run("queued", []), 201) : json(failed)));
    expect(await main(["run", "hello", "-w"], h.io)).toBe(1);
    expect(h.stdout()).toContain("  a failed (attempt 3/3): exit code 2\nrun run-1 failed in 3.0s\n");
    expect(h.stderr()).toBe("step a failed\n");
  });

  it("reports an unknown pipeline", async () => {
    const h = harness(() => json({ error: { code: "not_found", message: 'pipeline "nope" not found' } }, 404));
    expect(await main(["run", "nope"], h.io)).toBe(1);
    expect(h.stderr()).toBe('pipeline "nope" not found\n');
  });
});

describe("trellis status", () => {
  it("prints the run and a table of steps", async () => {
    const h = harness(() =>
      json(
        run("failed", [step("prepare", "succeeded"), step("train", "failed", { attempt: 3, maxAttempts: 3, exitCode: 1, error: "exit code 1", failureKind: "retryable" }), step("report", "skipped", { attempt: 0, startedAt: null, finishedAt: null, exitCode: null })], {
          error: "step train failed",
        }),
      ),
    );
    expect(await main(["status", "run-1"], h.io)).toBe(0);
    const text = h.stdout();
    expect(text).toContain("run       run-1\npipeline  hello v2\nstatus    failed\n");
    expect(text).toContain("duration  3.0s\nerror     step train failed\n");
    expect(text).toContain(
      [
        "STEP     STATUS     ATTEMPT  DURATION  EXIT  ERROR",
        "prepare  succeeded  1/1      1.5s      0",
        "train    failed     3/3      1.5s      1     exit code 1 (retryable)",
        "report   skipped    -/1",
      ].join("\n"),
    );
  });

  it("--json prints the API's answer", async () => {
    const body = run("queued", []);
    const h = harness(() => json(body));
    expect(await main(["status", "run-1", "--json"], h.io)).toBe(0);
    expect(JSON.parse(h.stdout())).toEqual(body);
  });
});

describe("trellis logs", () => {
  it("pages through the log and sends stderr lines to stderr", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => ({ seq: i + 1, ts: "2024-01-01T00:00:00Z", stream: i === 2 ? "stderr" : "stdout", text: `line ${i + 1}` }));
    const h = harness((url) => {
      const after = Number(url.searchParams.get("after"));
      const limit = Number(url.searchParams.get("limit"));
      const page = lines.filter((l) => l.seq > after).slice(0, limit);
      return json({ attempt: 1, lines: page, nextAfter: page.at(-1)?.seq ?? after, complete: true });
    });
    expect(await main(["logs", "run-1", "train"], h.io)).toBe(0);
    expect(h.requests.map((r) => r.url)).toEqual([
      "/api/v1/projects/default/runs/run-1/steps/train/logs?after=0&limit=1000",
      "/api/v1/projects/default/runs/run-1/steps/train/logs?after=1000&limit=1000",
    ]);
    expect(h.out).toHaveLength(1499);
    expect(h.out[0]).toBe("line 1\n");
    expect(h.out.at(-1)).toBe("line 1500\n");
    expect(h.stderr()).toBe("line 3\n");
  });

  const logsPage = (attempt: number) => json({ attempt, lines: [], nextAfter: 0, complete: false });
  const sse = (chunks: string[]) => new Response(sseBody(chunks), { headers: { "content-type": "text/event-stream" } });
  const line = (seq: number, text = `l${seq}`, stream = "stdout") => `event: line\ndata: ${JSON.stringify({ seq, ts: "t", stream, text })}\n\n`;
  const end = (status: string) => `event: end\ndata: {"status":"${status}"}\n\n`;

  it("-f streams server-sent events until the end event", async () => {
    const h = harness((url) =>
      url.pathname.endsWith("/stream")
        ? sse([
            ': connected\n\nevent: line\ndata: {"seq":1,"ts":"t","stream":"stdout","text":"epoch 1"}\n',
            '\nevent: line\ndata: {"seq":2,"ts":"t","stream":"stderr","text":"warn"}\n\nevent: li',
            'ne\ndata: {"seq":3,"ts":"t","stream":"stdout","text":"done"}\n\nevent: end\ndata: {"status":"succeeded"}\n\n',
          ])
        : logsPage(1),
    );
    expect(await main(["logs", "run-1", "train", "-f"], h.io)).toBe(0);
    expect(h.requests.map((r) => r.url)).toEqual([
      "/api/v1/projects/default/runs/run-1/steps/train/logs?after=0&limit=1",
      "/api/v1/projects/default/runs/run-1/steps/train/logs/stream?attempt=1",
    ]);
    expect(h.requests[1]!.headers).toEqual({ accept: "text/event-stream" });
    expect(h.stdout()).toBe("epoch 1\ndone\n");
    expect(h.stderr()).toBe("warn\n");
  });

  it("-f reconnects when the stream closes early, without repeating lines", async () => {
    let streams = 0;
    const h = harness((url) => {
      if (!url.pathname.endsWith("/stream")) return logsPage(2);
      streams += 1;
      return sse(streams === 1 ? [line(1), line(2)] : [line(1), line(2), line(3), end("succeeded")]);
    });
    expect(await main(["logs", "run-1", "train", "-f"], h.io)).toBe(0);
    expect(h.requests.slice(1).map((r) => r.url)).toEqual([
      "/api/v1/projects/default/runs/run-1/steps/train/logs/stream?attempt=2",
      "/api/v1/projects/default/runs/run-1/steps/train/logs/stream?attempt=2&after=2",
    ]);
    expect(h.stdout()).toBe("l1\nl2\nl3\n");
  });

  it("-f follows the next attempt when a failed attempt is retried", async () => {
    // The engine queues the retry (attempt + 1) in the same transaction that fails the attempt;
    // after attempt 2 fails for good, the step stays failed at attempt 2.
    const polls = [
      run("running", [step("train", "queued", { attempt: 2, maxAttempts: 2 })]),
      run("failed", [step("train", "failed", { attempt: 2, maxAttempts: 2 })]),
    ];
    let poll = 0;
    const h = harness((url) => {
      if (url.pathname.endsWith("/stream")) {
        const attempt = url.searchParams.get("attempt");
        return sse(attempt === "1" ? [line(1, "try 1"), end("retrying")] : [line(1, "try 2"), end("failed")]);
      }
      if (url.pathname.endsWith("/logs")) return logsPage(1);
      return json(polls[Math.min(poll++, polls.length - 1)]);
    });
    expect(await main(["logs", "run-1", "train", "-f"], h.io)).toBe(0);
    expect(h.stdout()).toBe("try 1\ntry 2\n");
    expect(h.stderr()).toBe("— attempt 1 failed; following attempt 2\n");
    expect(h.requests.filter((r) => r.url.includes("/stream")).map((r) => r.url.split("?")[1])).toEqual(["attempt=1", "attempt=2"]);
    expect(poll).toBe(2);
  });

  it("--attempt picks an attempt and does not follow retries", async () => {
    const h = harness((url) => (url.pathname.endsWith("/stream") ? sse([line(1, "old"), end("failed")]) : logsPage(1)));
    expect(await main(["logs", "run-1", "train", "-f", "--attempt", "1"], h.io)).toBe(0);
    expect(h.requests.map((r) => r.url)).toEqual(["/api/v1/projects/default/runs/run-1/steps/train/logs/stream?attempt=1"]);
    const h2 = harness(() => json({ attempt: 1, lines: [], nextAfter: 0, complete: true }));
    expect(await main(["logs", "run-1", "train", "--attempt", "1"], h2.io)).toBe(0);
    expect(h2.requests[0]!.url).toBe("/api/v1/projects/default/runs/run-1/steps/train/logs?after=0&limit=1000&attempt=1");
  });

  it("-f reports an API error", async () => {
    const h = harness(() => json({ error: { code: "not_found", message: 'step "nope" of run "run-1" not found' } }, 404));
    expect(await main(["logs", "run-1", "nope", "-f"], h.io)).toBe(1);
    expect(h.stderr()).toBe('step "nope" of run "run-1" not found\n');
  });
});

describe("usage", () => {
  it("prints help and exits 0", async () => {
    const h = harness(() => json({}));
    expect(await main(["--help"], h.io)).toBe(0);
    expect(h.stdout()).toMatch(/^usage: trellis <command>/);
  });

  it("exits 2 on a usage error", async () => {
    const h = harness(() => json({}));
    expect(await main(["run"], h.io)).toBe(2);
    expect(h.stderr()).toBe('trellis: run: missing PIPELINE\nRun "trellis help" for usage.\n');
  });
});
