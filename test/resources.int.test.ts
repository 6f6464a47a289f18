import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelRun, liveWorkers, waitingReason, type EnvironmentInfo, type Placement, type ResourceUsage } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../apps/worker/src/step-worker.js";
import { DockerClient } from "../apps/worker/src/executor/docker-client.js";
import { createHarness, type Harness } from "./harness.js";

/**
 * Placement, GPUs, containers, OOM retries, usage and environments with real workers, a real
 * container engine (Podman's Docker API in CI) and the image `trellis-python:latest`.
 */
const Mi = 2 ** 20;
const Gi = 2 ** 30;

let h: Harness;
let gpuWorker: StepWorkerHandle;
const docker = new DockerClient();

beforeAll(async () => {
  h = await createHarness();
  // A configured device inventory: GPU scheduling needs no GPU.
  gpuWorker = await startStepWorker({
    db: h.db,
    config: h.config,
    queueName: h.queueName,
    concurrency: 6,
    capacity: { executors: ["shared", "container"], cpu: 4, memoryBytes: 8 * Gi, gpus: ["0", "1"] },
    docker,
  });
});

afterAll(async () => {
  await gpuWorker.stop();
  await h.close();
});

interface AttemptRow {
  attempt: number;
  status: string;
  error: string | null;
  failureKind: string | null;
  placement: Placement | null;
  gpuDevices: string[];
  usage: ResourceUsage | null;
  environmentDigest: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

async function attempts(runId: string, step: string): Promise<AttemptRow[]> {
  return h.db.stepAttempt.findMany({
    where: { step: { runId, name: step } },
    orderBy: { attempt: "asc" },
    select: { attempt: true, status: true, error: true, failureKind: true, placement: true, gpuDevices: true, usage: true, environmentDigest: true, startedAt: true, finishedAt: true },
  }) as Promise<AttemptRow[]>;
}

async function environment(digest: string | null): Promise<EnvironmentInfo> {
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  return (await h.db.environment.findUniqueOrThrow({ where: { digest: digest! } })).info as unknown as EnvironmentInfo;
}

async function logText(runId: string, step: string): Promise<string> {
  const lines = await h.db.logLine.findMany({ where: { stepId: (await h.db.step.findFirstOrThrow({ where: { runId, name: step } })).id }, orderBy: [{ attempt: "asc" }, { seq: "asc" }] });
  return lines.map((l) => l.text).join("\n");
}

describe("GPU devices from a configured inventory", () => {
  it("gives each device to one step at a time, hides devices from steps that asked for none, and says why a step waits", async () => {
    const hold = (name: string) => `  ${name}:
    resources: { gpu: 1 }
    run: echo "gpus=$CUDA_VISIBLE_DEVICES trellis=$TRELLIS_GPU_DEVICES" && sleep 1.5`;
    await h.push(`name: gpu-share
steps:
${["a", "b", "c"].map(hold).join("\n")}
  plain:
    run: echo "plain=[$CUDA_VISIBLE_DEVICES]"
`);
    const runId = await h.startRun("gpu-share");
    // While two steps hold both devices, the third waits, and says so.
    const reason = await h.waitFor(async () => {
      const queued = await h.db.step.findFirst({ where: { runId, status: "queued" }, select: { placement: true } });
      const running = await h.db.step.count({ where: { runId, status: "running", name: { in: ["a", "b", "c"] } } });
      if (!queued || running < 2) return null;
      return waitingReason(queued.placement as Placement | null, await liveWorkers(h.db, h.config.workerLeaseMs));
    }, "a GPU step waiting while two hold both devices");
    expect(reason).toBe("waiting for 1 GPU: all 2 in use");

    const done = await h.waitForRun(runId);
    expect(done.status).toBe("succeeded");
    const held = await Promise.all(["a", "b", "c"].map(async (name) => ({ name, ...(await attempts(runId, name))[0]! })));
    for (const step of held) {
      expect(step.gpuDevices).toHaveLength(1);
      expect(await logText(runId, step.name)).toContain(`gpus=${step.gpuDevices[0]} trellis=${step.gpuDevices[0]}`);
    }
    // No device is ever given to two steps that overlap in time.
    for (const x of held) {
      for (const y of held) {
        if (x.name >= y.name || x.gpuDevices[0] !== y.gpuDevices[0]) continue;
        const overlap = x.startedAt < y.finishedAt! && y.startedAt < x.finishedAt!;
        expect(overlap, `${x.name} and ${y.name} both had GPU ${x.gpuDevices[0]} at once`).toBe(false);
      }
    }
    expect(await logText(runId, "plain")).toContain("plain=[]");
  });

  it("explains a step no worker can ever run, and the step never starts", async () => {
    await h.push(`name: gpu-too-many
steps:
  big:
    resources: { gpu: 3 }
    run: echo never
`);
    const runId = await h.startRun("gpu-too-many");
    const stepId = (await h.db.step.findFirstOrThrow({ where: { runId }, select: { id: true } })).id;
    // The worker has looked at the job and put it back: it cannot run it.
    await h.waitFor(async () => (await h.ctx.queue.getJobState(`${stepId}-a1`)) === "delayed", "the worker to put the job back");
    const step = await h.db.step.findFirstOrThrow({ where: { runId }, select: { status: true, placement: true } });
    expect(step.status).toBe("queued");
    expect(waitingReason(step.placement as unknown as Placement, await liveWorkers(h.db, h.config.workerLeaseMs))).toBe(
      "no worker can run it: the only worker has 2 GPUs, the step needs 3",
    );
    await cancelRun(h.ctx, { projectId: h.projectId, runId });
    expect((await h.waitForRun(runId)).status).toBe("cancelled");
  });

  it("runs steps that together need more memory than the worker has one after the other", async () => {
    await h.push(`name: memory-queue
steps:
${["m1", "m2"].map((n) => `  ${n}:\n    resources: { memory: 6Gi }\n    run: sleep 0.6`).join("\n")}
`);
    const runId = await h.startRun("memory-queue");
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    const [m1, m2] = [(await attempts(runId, "m1"))[0]!, (await attempts(runId, "m2"))[0]!];
    const overlap = m1.startedAt < m2.finishedAt! && m2.startedAt < m1.finishedAt!;
    expect(overlap).toBe(false);
  });
});

describe("executors", () => {
  it("hands container and GPU steps to the worker that can run them", async () => {
    // A second worker on the same queue that runs shared steps only.
    const sharedOnly = await startStepWorker({
      db: h.db,
      config: h.config,
      queueName: h.queueName,
      concurrency: 4,
      capacity: { executors: ["shared"], cpu: 4, memoryBytes: 8 * Gi, gpus: [] },
      docker: null,
    });
    try {
      await h.push(`name: routed
steps:
${[1, 2, 3, 4].map((i) => `  c${i}:\n    executor: container\n    run: echo in-container-${i}`).join("\n")}
${[1, 2].map((i) => `  g${i}:\n    resources: { gpu: 2 }\n    run: echo gpus=$CUDA_VISIBLE_DEVICES`).join("\n")}
`);
      const runId = await h.startRun("routed");
      expect((await h.waitForRun(runId, 60_000)).status).toBe("succeeded");
      const rows = await h.db.stepAttempt.findMany({ where: { step: { runId } }, select: { workerId: true } });
      expect(new Set(rows.map((r) => r.workerId))).toEqual(new Set([gpuWorker.workerId]));
    } finally {
      await sharedOnly.stop();
    }
  });
});

describe("container steps", () => {
  it("run with the code snapshot, artifact inputs and outputs, logs, limits, usage and the image's digest", async () => {
    await h.push(
      `name: containerized
steps:
  make:
    run: python3 -c "open('\${{ outputs.data }}', 'w').write('a,b\\n1,2\\n')"
    outputs: { data: { type: dataset } }
  train:
    executor: container
    image: trellis-python:latest
    resources: { cpu: 1, memory: 256Mi }
    run: python3 train.py "\${{ steps.make.outputs.data }}" "\${{ outputs.model }}"
    outputs: { model: { type: model } }
`,
      [
        {
          path: "train.py",
          content: [
            "import os, sys, time",
            "src, out = sys.argv[1], sys.argv[2]",
            "ballast = bytearray(60 * 1024 * 1024)  # touched below, so it is resident",
            "for i in range(0, len(ballast), 4096): ballast[i] = 1",
            "rows = open(src).read().splitlines()",
            "print('rows', len(rows), 'cwd', os.getcwd(), 'input', src)",
            "print('::metric name=loss value=0.25 step=1')",
            "try:",
            "    open(src, 'a').write('x')",
            "except OSError as e:",
            "    print('input is read-only:', e.errno)",
            "time.sleep(0.8)",
            "open(out, 'w').write('model-bytes')",
          ].join("\n"),
        },
      ].map((f) => ({ ...f, content: Buffer.from(f.content).toString("base64") })),
    );
    const runId = await h.startRun("containerized");
    const done = await h.waitForRun(runId, 60_000);
    expect(done.status, JSON.stringify(done.steps)).toBe("succeeded");

    const log = await logText(runId, "train");
    expect(log).toContain("rows 2 cwd /workspace input /trellis/inputs/make/data");
    expect(log).toMatch(/input is read-only: (30|13)/);
    expect(done.steps.train!.outputs.model).toMatchObject({ type: "model", size: "model-bytes".length });
    const metric = await h.db.metricSummary.findFirst({ where: { runId, key: "loss" } });
    expect(metric?.last).toBe(0.25);

    const [attempt] = await attempts(runId, "train");
    expect(attempt!.placement).toEqual({ executor: "container", cpu: 1, memoryBytes: 256 * Mi, gpu: 0 });
    expect(attempt!.usage!.peakMemoryBytes).toBeGreaterThan(55 * Mi);
    expect(attempt!.usage!.peakMemoryBytes).toBeLessThanOrEqual(256 * Mi);
    const env = await environment(attempt!.environmentDigest);
    const image = await docker.inspectImage("trellis-python:latest");
    expect(env).toMatchObject({ executor: "container", image: "trellis-python:latest", imageId: image!.Id });
    expect(env.python?.version).toMatch(/^3\.\d+\.\d+$/);

    // Nothing is left behind (containers are removed just after their step's result is known).
    await h.waitFor(async () => (await docker.listContainers({ all: true, labels: { "trellis.run": runId } })).length === 0, "the container to be removed", 10_000);
  });

  it("fail with the memory limit and peak when killed for memory, as a terminal failure", async () => {
    await h.push(`name: oom-plain
steps:
  hungry:
    executor: container
    resources: { memory: 64Mi }
    retries: 2
    run: python3 -c "import time; x = [bytearray(16 * 2**20) for _ in range(40)]"
`);
    const runId = await h.startRun("oom-plain");
    const done = await h.waitForRun(runId, 60_000);
    expect(done.status).toBe("failed");
    expect(done.steps.hungry!.error).toMatch(/^exceeded memory limit 64Mi; peak \d+(\.\d)?Mi \(killed by the kernel; raise resources\.memory or add retries\.onOOM\)$/);
    expect(done.steps.hungry!.failureKind).toBe("terminal");
    // Terminal: `retries: 2` does not rerun an attempt that would fail the same way.
    expect(await attempts(runId, "hungry")).toHaveLength(1);
  });

  it("retry an out-of-memory kill with more memory, up to the cap", async () => {
    await h.push(`name: oom-retry
steps:
  grows:
    executor: container
    resources: { memory: 64Mi }
    retries: { onOOM: { memoryFactor: 2, maxMemory: 256Mi } }
    run: python3 -c "x = [bytearray(10 * 2**20) for _ in range(15)]; print('fits in', len(x) * 10, 'MiB')"
  never:
    executor: container
    resources: { memory: 64Mi }
    retries: { onOOM: { memoryFactor: 4 } }
    run: python3 -c "x = [bytearray(16 * 2**20) for _ in range(64)]"
`);
    const runId = await h.startRun("oom-retry");
    const done = await h.waitForRun(runId, 90_000);
    expect(done.steps.grows!.status).toBe("succeeded");
    const grows = await attempts(runId, "grows");
    expect(grows.map((a) => a.placement?.memoryBytes)).toEqual([64 * Mi, 128 * Mi, 256 * Mi]);
    expect(grows.map((a) => a.status)).toEqual(["failed", "failed", "succeeded"]);
    expect(grows[0]!.error).toMatch(/^exceeded memory limit 64Mi; peak/);
    expect(await logText(runId, "grows")).toContain("fits in 150 MiB");

    // 64Mi → 256Mi (the default cap, 4×) → still too small: terminal, naming the cap.
    expect(done.steps.never!.status).toBe("failed");
    expect(done.steps.never!.error).toMatch(/^exceeded memory limit 256Mi; peak .*\(already at the out-of-memory retry cap, retries\.onOOM\.maxMemory = 256Mi\)$/);
    expect((await attempts(runId, "never")).map((a) => a.placement?.memoryBytes)).toEqual([64 * Mi, 256 * Mi]);
  });

  it("stop the container when the run is cancelled", async () => {
    await h.push(`name: container-cancel
steps:
  slow:
    executor: container
    run: echo started && sleep 60
`);
    const runId = await h.startRun("container-cancel");
    await h.waitFor(async () => (await logText(runId, "slow")).includes("started"), "the container to start");
    await cancelRun(h.ctx, { projectId: h.projectId, runId });
    const done = await h.waitForRun(runId, 20_000);
    expect(done.status).toBe("cancelled");
    await h.waitFor(async () => (await docker.listContainers({ all: true, labels: { "trellis.run": runId } })).length === 0, "the container to be removed", 10_000);
  });
});

describe("shared steps", () => {
  it("record the peak memory of the process tree and the interpreter with its packages", async () => {
    await h.push(`name: shared-usage
steps:
  alloc:
    resources: { memory: 1Gi, cpu: 1 }
    run: /usr/bin/python3 -c "import time; b = bytearray(80 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.8)"
`);
    const runId = await h.startRun("shared-usage");
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    const [attempt] = await attempts(runId, "alloc");
    expect(attempt!.usage!.peakMemoryBytes).toBeGreaterThan(70 * Mi);
    expect(attempt!.usage!.cpuSeconds).not.toBeNull();
    const env = await environment(attempt!.environmentDigest);
    expect(env.executor).toBe("shared");
    expect(env.python?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(Object.keys(env.python?.packages ?? {}).length).toBeGreaterThan(0);
  });
});
