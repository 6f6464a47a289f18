import { randomUUID } from "node:crypto";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { createApiToken, loadEngineConfig } from "@trellis/engine";
import { createApiServer, type ApiServer } from "../../api/src/server.js";
import { startStepWorker, type StepWorkerHandle } from "../../worker/src/step-worker.js";
import { main, type Io } from "./cli.js";

// The CLI against the real API and a real worker (Postgres, Redis, step processes).
let server: ApiServer;
let worker: StepWorkerHandle;
let db: PrismaClient;
let apiUrl: string;
/** A service token of the test project (TRELLIS_TOKEN), as CI would use. */
let token: string;
let work: string;
const project = `cli-${randomUUID().slice(0, 8)}`;
const queueName = `cli-test-${randomUUID()}`;

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: { TRELLIS_TOKEN: token }, color: false };
  const run = (...argv: string[]) => main([...argv, "--api", apiUrl, "--project", project], io);
  return { run, io, out, stdout: () => out.join(""), stderr: () => err.join("") };
}

/** Writes a pipeline directory and returns its path. */
async function pipelineDir(name: string, spec: string, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "pipeline.yaml"), spec);
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(dir, file), content);
  return dir;
}

async function pushed(name: string, spec: string, files: Record<string, string> = {}) {
  const c = cli();
  expect(await c.run("push", await pipelineDir(name, spec, files))).toBe(0);
}

const runIdOf = (stdout: string) => /started run (\S+)/.exec(stdout)![1]!;

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  work = await mkdtemp(path.join(os.tmpdir(), "trellis-cli-"));
  const config = loadEngineConfig({ dataDir: path.join(work, "data"), heartbeatMs: 200, reconcileMs: 300 });
  server = await createApiServer({ db, config, queueName });
  apiUrl = (await server.app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
  worker = await startStepWorker({ db, config, queueName, concurrency: 4 });
  const { id: projectId } = await db.project.create({ data: { name: project } });
  ({ secret: token } = await createApiToken(db, { kind: "service", name: "cli", projectId, role: "editor", userId: null, actor: "test", actorUserId: null, ip: null }));
});

afterAll(async () => {
  await worker.stop();
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

describe("trellis push", () => {
  it("uploads the spec and code as a version, and reports identical content as unchanged", async () => {
    const dir = await pipelineDir("hello", "name: hello\nsteps:\n  a: { run: python3 main.py }\n", { "main.py": "print('from the snapshot')\n" });
    const first = cli();
    expect(await first.run("push", dir)).toBe(0);
    expect(first.stdout()).toBe("pushed hello v1 (new)\n");
    const again = cli();
    expect(await again.run("push", dir)).toBe(0);
    expect(again.stdout()).toBe("pushed hello v1 (unchanged)\n");
    const version = await db.pipelineVersion.findFirstOrThrow({ where: { pipeline: { name: "hello", project: { name: project } } } });
    expect(version.codeDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("prints the API's message and each issue, and exits 1", async () => {
    const c = cli();
    expect(await c.run("push", await pipelineDir("broken", "name: broken\nsteps:\n  a: { run: echo, needs: [b] }\n"))).toBe(1);
    expect(c.stderr()).toBe('the pipeline spec is invalid\n  steps.a.needs[0]: unknown step "b"\n');
  });

  it("reports YAML syntax errors without creating anything", async () => {
    const c = cli();
    expect(await c.run("push", await pipelineDir("syntax", "name: syntax\nsteps: [\n"))).toBe(1);
    expect(c.stderr()).toMatch(/pipeline\.yaml:\d+:\d+: /);
    expect(await db.pipeline.count({ where: { name: "syntax", project: { name: project } } })).toBe(0);
  });

  it("explains a connection failure", async () => {
    const c = cli();
    expect(await main(["push", path.join(work, "hello"), "--api", "http://127.0.0.1:9"], c.io)).toBe(1);
    expect(c.stderr()).toBe("cannot reach the Trellis API at http://127.0.0.1:9 — is `npm start` running?\n");
  });

  it("says how to authenticate when TRELLIS_TOKEN is missing", async () => {
    const c = cli();
    await pipelineDir("anonymous", "name: anonymous\nsteps:\n  a:\n    run: echo hi\n");
    expect(await main(["push", path.join(work, "anonymous"), "--api", apiUrl, "--project", project], { ...c.io, env: {} })).toBe(1);
    expect(c.stderr()).toBe("sign in, or send an API token as Authorization: Bearer <token>\n  set TRELLIS_TOKEN to an API token (web UI: Account → Personal API tokens)\n");
  });
});

describe("trellis run and status", () => {
  it("starts a run with params, --wait prints step changes and exits 0 on success", async () => {
    await pushed("greet", 'name: greet\nparams:\n  who: { type: string }\n  n: { type: integer, default: 1 }\nsteps:\n  a: { run: \'echo "hi ${{ params.who }} x${{ params.n }}"\' }\n  b: { run: echo b, needs: [a] }\n');
    const c = cli();
    expect(await c.run("run", "greet", "-p", "who=you", "-p", "n=2", "--wait")).toBe(0);
    const runId = runIdOf(c.stdout());
    expect(c.stdout()).toContain(`http://localhost:3000/projects/${project}/runs/${runId}`);
    expect(c.stdout()).toContain("  a succeeded");
    expect(c.stdout()).toMatch(new RegExp(`run ${runId} succeeded in `));
    const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.params).toEqual({ who: "you", n: 2 });

    const status = cli();
    expect(await status.run("status", runId)).toBe(0);
    expect(status.stdout()).toContain(`run       ${runId}\npipeline  greet v1\nstatus    succeeded\n`);
    expect(status.stdout()).toMatch(/STEP\s+STATUS\s+ATTEMPT\s+DURATION\s+EXIT\s+ERROR\na\s+succeeded\s+1\/1/);
    const json = cli();
    expect(await json.run("status", runId, "--json")).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({ id: runId, status: "succeeded", steps: [{ name: "a" }, { name: "b" }] });
  });

  it("--wait exits 1 when the run fails and prints why", async () => {
    await pushed("fails", "name: fails\nsteps:\n  bad: { run: 'exit 4' }\n  after: { run: echo never, needs: [bad] }\n");
    const c = cli();
    expect(await c.run("run", "fails", "--wait")).toBe(1);
    expect(c.stdout()).toContain("  bad failed");
    expect(c.stderr()).toContain('step "bad" failed: exited with code 4');
  });

  it("reports bad params and unknown pipelines with the API's issues", async () => {
    const c = cli();
    expect(await c.run("run", "greet", "-p", "n=many")).toBe(1);
    expect(c.stderr()).toContain("invalid run parameters\n");
    expect(c.stderr()).toContain("  params.who: required parameter is missing\n");
    const unknown = cli();
    expect(await unknown.run("run", "nope")).toBe(1);
    expect(unknown.stderr()).toContain('pipeline "nope" does not exist');
  });
});

describe("trellis logs", () => {
  it("pages through a stored log and sends stderr lines to stderr", async () => {
    await pushed("chatty", "name: chatty\nsteps:\n  talk: { run: 'for i in $(seq 1 1500); do echo \"line $i\"; done; echo warn >&2' }\n");
    const c = cli();
    expect(await c.run("run", "chatty", "--wait")).toBe(0);
    const logs = cli();
    expect(await logs.run("logs", runIdOf(c.stdout()), "talk")).toBe(0);
    expect(logs.out).toHaveLength(1500);
    expect(logs.out[0]).toBe("line 1\n");
    expect(logs.out.at(-1)).toBe("line 1500\n");
    expect(logs.stderr()).toBe("warn\n");
  });

  it("-f follows a running step live and across a retry", async () => {
    await pushed(
      "flaky",
      'name: flaky\nsteps:\n  train:\n    run: \'echo "try $TRELLIS_ATTEMPT"; sleep 0.3; [ "$TRELLIS_ATTEMPT" = 2 ]\'\n    retries: { limit: 1, delay: 100ms }\n',
    );
    const started = cli();
    expect(await started.run("run", "flaky")).toBe(0);
    const follow = cli();
    expect(await follow.run("logs", runIdOf(started.stdout()), "train", "-f")).toBe(0);
    expect(follow.stdout()).toBe("try 1\ntry 2\n");
    expect(follow.stderr()).toBe("— attempt 1 failed; following attempt 2\n");
    const first = cli();
    expect(await first.run("logs", runIdOf(started.stdout()), "train", "--attempt", "1")).toBe(0);
    expect(first.stdout()).toBe("try 1\n");
  });

  it("reports an unknown step", async () => {
    const c = cli();
    const runId = (await db.run.findFirstOrThrow({ where: { project: { name: project } } })).id;
    expect(await c.run("logs", runId, "nope", "-f")).toBe(1);
    expect(c.stderr()).toBe(`step "nope" of run "${runId}" not found\n`);
  });
});

describe("usage", () => {
  it("prints help and exits 0, and exits 2 on a usage error", async () => {
    const help = cli();
    expect(await main(["--help"], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/^usage: trellis <command>/);
    const bad = cli();
    expect(await main(["run"], bad.io)).toBe(2);
    expect(bad.stderr()).toBe('trellis: run: missing PIPELINE\nRun "trellis help" for usage.\n');
  });
});
