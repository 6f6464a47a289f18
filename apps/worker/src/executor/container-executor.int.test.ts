import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContainerExecutor, WORKER_LABEL, removeOrphanContainers } from "./container-executor.js";
import { DockerClient } from "./docker-client.js";
import type { LineHandler, ProcessResult, ProcessSpec } from "./types.js";

/**
 * Runs real containers on the local engine (Podman's service or Docker) with the image built by
 * scripts/build-python-image.sh. Without an engine or the image these tests fail, they do not
 * skip: CI installs both.
 */

const IMAGE = "trellis-python:latest";
const MiB = 2 ** 20;
/** Every container of this file carries this label, so the leftovers check sees only ours. */
const TEST_LABEL = "trellis.test";
const testId = randomUUID();

const client = new DockerClient();
const executor = new ContainerExecutor({ client, gpuMode: "none" });
let tmp: string;

function spec(argv: string[], overrides: Partial<ProcessSpec> = {}, container: Partial<NonNullable<ProcessSpec["container"]>> = {}): ProcessSpec {
  return {
    argv,
    cwd: "/tmp",
    env: {},
    timeoutMs: null,
    gpuDevices: [],
    ...overrides,
    container: { image: IMAGE, mounts: [], cpu: null, memoryBytes: null, labels: { [TEST_LABEL]: testId }, ...container },
  };
}

const python = (code: string) => ["python3", "-c", code];

async function run(s: ProcessSpec, onLine?: LineHandler) {
  const lines: { stream: "stdout" | "stderr"; line: string }[] = [];
  const started = performance.now();
  const proc = executor.run(s, (stream, line) => {
    lines.push({ stream, line });
    onLine?.(stream, line);
  });
  const result: ProcessResult = await proc.result;
  const of = (stream: "stdout" | "stderr") => lines.filter((l) => l.stream === stream).map((l) => l.line);
  return { result, stdout: of("stdout"), stderr: of("stderr"), usage: proc.usage(), elapsedMs: performance.now() - started };
}

/** Why the engine cannot be used; every test fails with it (failing beforeEach, not a skip). */
let unavailable: Error | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "trellis-container-test-"));
  try {
    await client.ping();
    if (!(await client.inspectImage(IMAGE))) unavailable = new Error(`image ${IMAGE} is missing: run scripts/build-python-image.sh`);
  } catch (error) {
    unavailable = new Error(`no container engine at ${client.describe()} (start the Podman service or Docker, or set DOCKER_HOST): ${String(error)}`);
  }
});

beforeEach(() => {
  if (unavailable) throw unavailable;
});

afterAll(async () => {
  await executor.close();
  if (!unavailable) {
    // Whatever a failed test left behind.
    for (const c of await client.listContainers({ all: true, labels: { [TEST_LABEL]: testId } })) await client.remove(c.Id, { force: true });
  }
  client.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("ContainerExecutor on a real engine", () => {
  it("streams stdout and stderr line by line, in order per stream, and reports a non-zero exit code", async () => {
    const { result, stdout, stderr } = await run(
      spec(python("import sys\nfor i in range(300):\n  print(f'out {i} ✓')\n  print(f'err {i} é', file=sys.stderr)\nsys.stdout.write('no newline')\nsys.exit(3)")),
    );
    expect(result).toEqual({ kind: "exited", exitCode: 3 });
    expect(stdout).toEqual([...Array.from({ length: 300 }, (_, i) => `out ${i} ✓`), "no newline"]);
    expect(stderr).toEqual(Array.from({ length: 300 }, (_, i) => `err ${i} é`));
  });

  it("passes the env and the working directory, and runs as the worker's user", async () => {
    const { result, stdout } = await run(
      spec(python("import os\nprint(os.environ['GREETING'])\nprint(os.getcwd())\nprint(f'{os.getuid()}:{os.getgid()}')"), {
        env: { GREETING: "hello = world ✓" },
        cwd: "/tmp/step-cwd",
      }),
    );
    expect(result).toEqual({ kind: "exited", exitCode: 0 });
    expect(stdout).toEqual(["hello = world ✓", "/tmp/step-cwd", `${process.getuid!()}:${process.getgid!()}`]);
  });

  it("bind-mounts read-write and read-only directories", async () => {
    const inputs = await mkdtemp(path.join(tmp, "in-"));
    const outputs = await mkdtemp(path.join(tmp, "out-"));
    await writeFile(path.join(inputs, "data.txt"), "input data");
    const code = [
      "import errno",
      "print(open('/inputs/data.txt').read())",
      "open('/outputs/result.txt', 'w').write('written in the container')",
      "try:",
      "  open('/inputs/forbidden.txt', 'w')",
      "  print('wrote to a read-only mount')",
      "except OSError as e:",
      "  print(errno.errorcode[e.errno])",
    ].join("\n");
    const { result, stdout } = await run(
      spec(python(code), {}, { mounts: [{ source: inputs, target: "/inputs", readOnly: true }, { source: outputs, target: "/outputs", readOnly: false }] }),
    );
    expect(result).toEqual({ kind: "exited", exitCode: 0 });
    expect(stdout).toEqual(["input data", "EROFS"]);
    expect(await readFile(path.join(outputs, "result.txt"), "utf8")).toBe("written in the container");
    // The worker can clean up and collect what the step wrote.
    expect((await stat(path.join(outputs, "result.txt"))).uid).toBe(process.getuid!());
    await expect(stat(path.join(inputs, "forbidden.txt"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a mount whose source does not exist instead of letting the engine create it", async () => {
    const missing = path.join(tmp, "does-not-exist");
    const { result } = await run(spec(["true"], {}, { mounts: [{ source: missing, target: "/x", readOnly: false }] }));
    expect(result).toEqual({ kind: "spawn-failed", retryable: false, message: `mount source "${missing}" (for /x) does not exist` });
    await expect(stat(missing)).rejects.toThrow(/ENOENT/);
  });

  it("reports a step that exceeds its memory limit as oom-killed, with a peak at the limit", async () => {
    const limit = 64 * MiB;
    const { result, usage, stdout } = await run(
      spec(python("import time\nchunks = []\nwhile True:\n  chunks.append(b'x' * (20 * 1024 * 1024))\n  print(len(chunks), flush=True)\n  time.sleep(0.05)"), {}, { memoryBytes: limit }),
    );
    expect(result).toEqual({ kind: "oom-killed", memoryLimitBytes: limit });
    expect(stdout.length).toBeGreaterThanOrEqual(1);
    expect(stdout.length).toBeLessThanOrEqual(3);
    expect(usage.peakMemoryBytes).toBeGreaterThanOrEqual(0.9 * limit);
    expect(usage.peakMemoryBytes).toBeLessThanOrEqual(limit);
  });

  it("holds a CPU limit: a busy loop under 0.5 cores peaks near 0.5", async () => {
    const { result, usage } = await run(spec(python("import time\nt = time.time()\nwhile time.time() - t < 1.5: pass"), {}, { cpu: 0.5 }));
    expect(result).toEqual({ kind: "exited", exitCode: 0 });
    expect(usage.peakCpu).toBeGreaterThan(0.2);
    expect(usage.peakCpu).toBeLessThanOrEqual(0.7);
    expect(usage.cpuSeconds).toBeGreaterThan(0.3);
  });

  it("records the peak memory of a step", async () => {
    const { result, usage } = await run(spec(python("import time\nx = b'x' * (50 * 1024 * 1024)\ntime.sleep(1.5)")));
    expect(result).toEqual({ kind: "exited", exitCode: 0 });
    expect(usage.peakMemoryBytes).toBeGreaterThanOrEqual(40 * MiB);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
  });

  it("times out: SIGTERM, then SIGKILL after the grace period for a step that ignores SIGTERM", async () => {
    const code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)";
    const { result, elapsedMs, stdout } = await run(spec(python(code), { timeoutMs: 1_000 }));
    expect(result).toEqual({ kind: "timed-out", timeoutMs: 1_000 });
    expect(stdout).toEqual(["ready"]);
    // 1 s timeout + 2 s grace, plus the engine's own time.
    expect(elapsedMs).toBeGreaterThan(2_900);
    expect(elapsedMs).toBeLessThan(6_000);
  });

  it("cancels: a step that exits on SIGTERM stops at once", async () => {
    const lines: string[] = [];
    const started = performance.now();
    // Cancelled as soon as its first line arrives, i.e. while it certainly runs.
    const proc = executor.run(spec(python("import time\nprint('started', flush=True)\ntime.sleep(60)")), (_stream, line) => {
      lines.push(line);
      if (line === "started") proc.cancel();
    });
    expect(await proc.result).toEqual({ kind: "cancelled" });
    expect(lines).toEqual(["started"]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("reports a missing image as a spawn failure that retrying will not fix", async () => {
    const { result } = await run(spec(["true"], {}, { image: "trellis-no-such-image:latest" }));
    expect(result).toEqual({
      kind: "spawn-failed",
      retryable: false,
      message: 'image "trellis-no-such-image:latest" is not on this worker\'s container engine; build it (scripts/build-python-image.sh builds trellis-python:latest) or pull it',
    });
  });

  it("reports a command that does not exist as a spawn failure", async () => {
    const { result } = await run(spec(["no-such-command", "--flag"]));
    expect(result).toMatchObject({ kind: "spawn-failed", retryable: false });
    expect(result.kind === "spawn-failed" && result.message).toMatch(/no-such-command/);
  });

  it("probes the image's Python", async () => {
    const info = await executor.imageInfo(IMAGE);
    expect(info?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const python = await executor.probePython(info!.id);
    expect(python?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(await executor.imageInfo("trellis-no-such-image:latest")).toBeNull();
  });

  it("removes the containers of dead workers, and only those", async () => {
    const dead = `dead-${randomUUID()}`;
    const live = `live-${randomUUID()}`;
    const create = async (worker: string) =>
      (
        await client.createContainer({
          Image: IMAGE,
          Cmd: ["sleep", "60"],
          Env: [],
          WorkingDir: "/",
          Labels: { [TEST_LABEL]: testId, [WORKER_LABEL]: worker },
          Tty: false,
          OpenStdin: false,
          HostConfig: { Mounts: [], NetworkMode: "host", Init: true, AutoRemove: false },
        })
      ).Id;
    const deadId = await create(dead);
    await client.startContainer(deadId);
    const liveId = await create(live);
    // Scoped to this test's containers: other workers may share this engine, and their
    // containers are not this test's to remove.
    const scoped = {
      listContainers: (o: Parameters<DockerClient["listContainers"]>[0] = {}) => client.listContainers({ ...o, labels: { ...o.labels, [TEST_LABEL]: testId } }),
      remove: (id: string, o?: { force?: boolean }) => client.remove(id, o),
    };
    expect(await removeOrphanContainers(scoped, new Set([live]))).toBe(1);
    const left = await client.listContainers({ all: true, labels: { [TEST_LABEL]: testId } });
    expect(left.map((c) => c.Id)).toEqual([liveId]);
    await client.remove(liveId, { force: true });
  });

  it("close() stops and removes the containers still running", async () => {
    const own = new ContainerExecutor({ client, gpuMode: "none" });
    const proc = own.run(spec(python("import time\ntime.sleep(60)")), () => undefined);
    await expect.poll(async () => (await client.listContainers({ labels: { [TEST_LABEL]: testId } })).length, { timeout: 10_000 }).toBe(1);
    await own.close();
    expect(await proc.result).toEqual({ kind: "cancelled" });
  });

  it("leaves no container behind", async () => {
    expect(await client.listContainers({ all: true, labels: { [TEST_LABEL]: testId } })).toEqual([]);
  });
});
