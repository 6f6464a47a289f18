import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cancelRun, completeStep, createStepQueue, dataPaths, enqueueSteps, createRun } from "@trellis/engine";
import { createHarness, type Harness } from "../../../test/harness.js";
import { startStepWorker, type StepWorkerHandle } from "./step-worker.js";

let h: Harness;
let workers: StepWorkerHandle[] = [];

async function startWorker(concurrency = 4) {
  const w = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency });
  workers.push(w);
  return w;
}

beforeEach(async () => {
  h = await createHarness();
  workers = [];
});

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await h.close();
});

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("engine", () => {
  it("runs a diamond DAG in dependency order, passing outputs downstream, with parallel branches", async () => {
    await startWorker(4);
    await h.push({
      name: "diamond",
      params: { base: { type: "number", default: 20 } },
      steps: {
        a: { run: 'echo $(( ${{ params.base }} + 1 )) > "${{ outputs.n }}"', outputs: { n: { type: "number" } } },
        b: { run: 'sleep 0.4; echo $(( ${{ steps.a.outputs.n }} * 2 )) > "${{ outputs.n }}"', outputs: { n: { type: "number" } } },
        c: { run: 'sleep 0.4; echo "hello from c" > "${{ outputs.f }}"', needs: ["a"], outputs: { f: { type: "file" } } },
        d: { run: 'echo "sum=$(( ${{ steps.b.outputs.n }} + 1 )) $(cat "${{ steps.c.outputs.f }}")"', needs: ["b", "c"] },
      },
    });
    const runId = await h.startRun("diamond");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    const { a, b, c, d } = run.steps as Record<string, NonNullable<(typeof run.steps)[string]>>;
    expect(a!.outputs).toEqual({ n: 21 });
    expect(b!.outputs).toEqual({ n: 42 });
    // d starts only after both branches finished; b and c overlapped in time.
    expect(d!.startedAt!.getTime()).toBeGreaterThanOrEqual(Math.max(b!.finishedAt!.getTime(), c!.finishedAt!.getTime()));
    expect(b!.startedAt!.getTime()).toBeLessThan(c!.finishedAt!.getTime());
    expect(c!.startedAt!.getTime()).toBeLessThan(b!.finishedAt!.getTime());
    const dStep = await h.db.step.findFirstOrThrow({ where: { runId, name: "d" } });
    const lines = await h.db.logLine.findMany({ where: { stepId: dStep.id }, orderBy: { seq: "asc" } });
    expect(lines.map((l) => l.text)).toEqual(["sum=43 hello from c"]);
  });

  it("skips the downstream of a failed step while other branches continue", async () => {
    await startWorker(4);
    await h.push({
      name: "partial-failure",
      steps: {
        bad: { run: "echo boom >&2; exit 3" },
        after_bad: { run: "echo never", needs: ["bad"] },
        after_after: { run: "echo never", needs: ["after_bad"] },
        good: { run: "sleep 0.3; echo fine" },
        after_good: { run: "echo fine too", needs: ["good"] },
      },
    });
    const run = await h.waitForRun(await h.startRun("partial-failure"));
    expect(run.status).toBe("failed");
    expect(run.steps.bad).toMatchObject({ status: "failed", exitCode: 3, failureKind: "retryable" });
    expect(run.steps.after_bad!.status).toBe("skipped");
    expect(run.steps.after_after!.status).toBe("skipped");
    expect(run.steps.after_bad!.error).toContain('"bad" failed');
    expect(run.steps.good!.status).toBe("succeeded");
    expect(run.steps.after_good!.status).toBe("succeeded");
    expect(run.error).toContain('step "bad" failed');
  });

  it("with failFast, a failure cancels running and pending steps", async () => {
    await startWorker(4);
    await h.push({
      name: "fail-fast",
      failFast: true,
      steps: {
        bad: { run: "sleep 0.2; exit 1" },
        slow: { run: "sleep 30" },
        after_slow: { run: "echo never", needs: ["slow"] },
      },
    });
    const run = await h.waitForRun(await h.startRun("fail-fast"), 10_000);
    expect(run.status).toBe("failed");
    expect(run.steps.bad!.status).toBe("failed");
    expect(run.steps.slow!.status).toBe("cancelled");
    expect(run.steps.after_slow!.status).toBe("cancelled");
  });

  it("retries a failing step with backoff until it succeeds", async () => {
    await startWorker(2);
    await h.push({
      name: "flaky",
      steps: {
        flaky: {
          run: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $TRELLIS_ATTEMPT"; [ "$n" -ge 3 ]',
          retries: { limit: 3, backoff: "exponential", delay: "100ms" },
        },
      },
    });
    const runId = await h.startRun("flaky");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(run.steps.flaky!.attempt).toBe(3);
    const step = await h.db.step.findFirstOrThrow({ where: { runId }, include: { attempts: { orderBy: { attempt: "asc" } } } });
    expect(step.attempts.map((a) => [a.attempt, a.status, a.exitCode])).toEqual([
      [1, "failed", 1],
      [2, "failed", 1],
      [3, "succeeded", 0],
    ]);
    // Exponential backoff: the second retry waited at least twice the base delay.
    const gap = step.attempts[2]!.startedAt.getTime() - step.attempts[1]!.finishedAt!.getTime();
    expect(gap).toBeGreaterThanOrEqual(200);
  });

  it("fails a step that exceeds its timeout and kills its whole process tree", async () => {
    await startWorker(2);
    await h.push({
      name: "slowpoke",
      steps: { slow: { run: "sleep 60 & echo $! > child.pid; sleep 60", timeout: "1s" } },
    });
    const runId = await h.startRun("slowpoke");
    const run = await h.waitForRun(runId, 15_000);
    expect(run.status).toBe("failed");
    expect(run.steps.slow).toMatchObject({ status: "failed", failureKind: "retryable" });
    expect(run.steps.slow!.error).toContain("timed out after 1s");
    const childPid = Number(await readFile(path.join(dataPaths.workspace(h.config.dataDir, runId), "child.pid"), "utf8"));
    await h.waitFor(async () => !pidAlive(childPid), "the background child to be killed", 5_000);
  });

  it("cancels a running run: running steps are stopped, pending ones cancelled", async () => {
    await startWorker(2);
    await h.push({
      name: "cancel-me",
      steps: { long: { run: "sleep 60 & echo $! > child.pid; wait" }, next: { run: "echo never", needs: ["long"] } },
    });
    const runId = await h.startRun("cancel-me");
    await h.waitFor(async () => (await h.steps(runId)).long?.status === "running", "the step to start");
    const childPidFile = path.join(dataPaths.workspace(h.config.dataDir, runId), "child.pid");
    await h.waitFor(() => readFile(childPidFile, "utf8").catch(() => null), "the child pid");
    await cancelRun(h.ctx, { projectId: h.projectId, runId });
    const run = await h.waitForRun(runId, 5_000);
    expect(run.status).toBe("cancelled");
    expect(run.steps.long!.status).toBe("cancelled");
    expect(run.steps.next!.status).toBe("cancelled");
    await h.waitFor(async () => !pidAlive(Number(await readFile(childPidFile, "utf8"))), "the step's process tree to be killed", 5_000);
    await expect(cancelRun(h.ctx, { projectId: h.projectId, runId })).rejects.toThrow(/already cancelled/);
  });

  it("ignores duplicate jobs and late reports (guarded transitions)", async () => {
    await startWorker(2);
    await h.push({ name: "once", steps: { only: { run: "echo once" } } });
    const runId = await h.startRun("once");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    const step = await h.db.step.findFirstOrThrow({ where: { runId } });
    // Replay the job and a stale report of the same attempt: nothing changes.
    await enqueueSteps(h.ctx.queue, [{ stepId: step.id, runId, attempt: 1 }]);
    const late = await completeStep(h.ctx, { stepId: step.id, attempt: 1, outcome: { status: "failed", exitCode: 1, error: "late", failureKind: "terminal" } });
    expect(late.applied).toBe(false);
    // The replayed job is taken and dropped (finished jobs are removed from the queue).
    await h.waitFor(async () => {
      const counts = await h.ctx.queue.getJobCounts("waiting", "active", "delayed");
      return Object.values(counts).every((n) => n === 0);
    }, "the replayed job to be processed");
    const after = await h.db.step.findFirstOrThrow({ where: { runId }, include: { attempts: true } });
    expect(after.status).toBe("succeeded");
    expect(after.attempts).toHaveLength(1);
    expect((await h.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("succeeded");
  });

  it("recovers a step whose job was lost between commit and enqueue", async () => {
    // The run is committed but its job goes to a queue no worker reads: as if the process died before enqueueing.
    const lostQueue = createStepQueue(h.ctx.redis, `${h.queueName}-lost`);
    await h.push({ name: "lost-job", steps: { only: { run: "echo recovered" } } });
    const { runId } = await createRun({ ...h.ctx, queue: lostQueue }, { projectId: h.projectId, pipeline: "lost-job" });
    await lostQueue.obliterate({ force: true });
    await lostQueue.close();
    await startWorker(1);
    const run = await h.waitForRun(runId, 20_000);
    expect(run.status).toBe("succeeded");
  });

  it("reads scalar outputs and fails terminally when a declared output is missing or malformed", async () => {
    await startWorker(2);
    await h.push({
      name: "outputs",
      steps: {
        ok: {
          run: 'echo 0.93 > "${{ outputs.acc }}"; echo true > "${{ outputs.flag }}"; echo \'{"a":[1]}\' > "${{ outputs.meta }}"; printf hi > "${{ outputs.word }}"',
          outputs: { acc: { type: "number" }, flag: { type: "boolean" }, meta: { type: "json" }, word: { type: "string" } },
        },
        missing: { run: "true", outputs: { model: { type: "model" } } },
        malformed: { run: 'echo lots > "${{ outputs.n }}"', outputs: { n: { type: "number" } } },
      },
    });
    const run = await h.waitForRun(await h.startRun("outputs"));
    expect(run.steps.ok!.outputs).toEqual({ acc: 0.93, flag: true, meta: { a: [1] }, word: "hi" });
    expect(run.steps.missing).toMatchObject({ status: "failed", failureKind: "terminal" });
    expect(run.steps.missing!.error).toContain('output "model" (model) was not written');
    expect(run.steps.malformed).toMatchObject({ status: "failed", failureKind: "terminal" });
  });

  it("runs steps in the pipeline's code snapshot with params and env", async () => {
    await startWorker(1);
    // TRELLIS_PARAM_LR is set because the step references lr; `unused` is referenced by nothing.
    const script = "import os, sys\nprint('lr', sys.argv[1], os.environ['SEED'], os.environ['TRELLIS_PARAM_LR'], 'TRELLIS_PARAM_UNUSED' in os.environ)\n";
    await h.push(
      { name: "with-code", params: { lr: { type: "number", default: 0.1 }, unused: { type: "string", default: "x" } }, steps: { train: { run: 'python3 train.py "${{ params.lr }}"', env: { SEED: "7" } } } },
      [{ path: "train.py", content: Buffer.from(script).toString("base64") }],
    );
    const runId = await h.startRun("with-code", { lr: "0.5" });
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    const step = await h.db.step.findFirstOrThrow({ where: { runId } });
    const lines = await h.db.logLine.findMany({ where: { stepId: step.id }, orderBy: { seq: "asc" } });
    expect(lines.map((l) => [l.stream, l.text])).toEqual([["stdout", "lr 0.5 7 0.5 False"]]);
  });
});

describe("worker loss", () => {
  const workerMain = path.resolve("apps/worker/src/main.ts");
  let child: ChildProcess | null = null;

  afterEach(() => {
    child?.kill("SIGKILL");
    child = null;
  });

  async function startChildWorker(): Promise<ChildProcess> {
    // node itself (not the tsx wrapper) so that SIGKILL hits the worker process.
    const proc = spawn(process.execPath, ["--import", "tsx", "--conditions=source", workerMain], {
      env: {
        ...process.env,
        TRELLIS_QUEUE: h.queueName,
        TRELLIS_DATA_DIR: h.config.dataDir,
        TRELLIS_HEARTBEAT_MS: "200",
        TRELLIS_WORKER_LEASE_MS: "2000",
        TRELLIS_RECONCILE_MS: "300",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("worker started") && resolve());
      proc.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    });
    return proc;
  }

  for (const retries of [1, 0]) {
    it(`a worker killed with SIGKILL mid-step leaves no stuck run (retries: ${retries})`, async () => {
      await h.push({
        name: `crash-${retries}`,
        steps: { work: { run: 'echo $$ > "pid-$TRELLIS_ATTEMPT"; if [ "$TRELLIS_ATTEMPT" = 1 ]; then sleep 60; fi; echo done', retries: { limit: retries, delay: "100ms" } } },
      });
      child = await startChildWorker();
      const runId = await h.startRun(`crash-${retries}`);
      // The step's process has started (it wrote its pid) on the child worker: kill the worker.
      const pidFile = path.join(dataPaths.workspace(h.config.dataDir, runId), "pid-1");
      const orphan = Number(await h.waitFor(() => readFile(pidFile, "utf8").catch(() => null), "the step to start on the child worker"));
      child.kill("SIGKILL");
      await new Promise((r) => child!.once("exit", r));
      // The step's processes die with their worker: nothing keeps running unsupervised.
      await h.waitFor(async () => !pidAlive(orphan), "the killed worker's step process to die", 5_000);
      await startWorker(1);
      const run = await h.waitForRun(runId, 20_000);
      const step = await h.db.step.findFirstOrThrow({ where: { runId }, include: { attempts: { orderBy: { attempt: "asc" } } } });
      expect(step.attempts[0]!.error).toContain("worker lost");
      expect(step.attempts[0]!.failureKind).toBe("retryable");
      if (retries) {
        expect(run.status).toBe("succeeded");
        expect(step.attempt).toBe(2);
      } else {
        expect(run.status).toBe("failed");
        expect(run.steps.work).toMatchObject({ status: "failed", failureKind: "retryable" });
        expect(run.steps.work!.error).toContain("worker lost");
      }
    });
  }
});
