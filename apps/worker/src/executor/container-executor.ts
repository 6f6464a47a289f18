import { stat } from "node:fs/promises";
import { ContainerUsageSampler } from "./container-usage.js";
import {
  DockerApiError,
  DockerClient,
  DockerStreamDemuxer,
  DockerUnreachableError,
  type ContainerCreateBody,
  type ContainerState,
  type DeviceRequest,
  type LogStream,
} from "./docker-client.js";
import type { PythonEnvironment } from "@trellis/engine";
import { PYTHON_PROBE, parsePythonProbe, type ImageProbe } from "../environment.js";
import { LineSplitter } from "./line-splitter.js";
import { NO_USAGE, type Executor, type LineHandler, type ProcessResult, type ProcessSpec, type ResourceUsage, type RunningProcess } from "./types.js";

/**
 * The container executor: runs a step in a container of a Docker-compatible engine (Docker, or
 * Podman's API service) with the step's image, bind mounts and hard CPU/memory limits. Each step
 * gets a fresh container that is removed once the step has ended, on every path.
 */

/** Labels the worker puts on its containers; the worker label is what orphan removal goes by. */
export const WORKER_LABEL = "trellis.worker";
export const RUN_LABEL = "trellis.run";
export const STEP_LABEL = "trellis.step";

/** Same grace periods as the shared executor: SIGTERM first, SIGKILL after this long. */
const CANCEL_GRACE_MS = 1_000;
const TIMEOUT_GRACE_MS = 2_000;
/** setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long a followed log may go on after the exit before the rest is read unfollowed (see drainLogs). */
const FOLLOW_GRACE_MS = 10;
/** Reading a stopped container's log (unfollowed) is given up after this long. */
const LOGS_READ_MS = 30_000;
/** Bounds of the interval at which a running container is inspected for its exit (see waitForExit). */
const EXIT_POLL_MIN_MS = 10;
const EXIT_POLL_MAX_MS = 1_000;
/** An engine unreachable for this long while a step runs is given up on: the step is lost. */
const ENGINE_LOST_MS = 60_000;
/** How long close() lets runs wind down before removing their containers regardless. */
const CLOSE_WAIT_MS = 10_000;
/** The Python probe lists installed packages; a big image takes a few seconds. */
const PYTHON_PROBE_TIMEOUT_MS = 60_000;

/**
 * How GPUs reach the container. "nvidia": a device request for the step's GPU ids (needs the
 * NVIDIA container toolkit). "none": no device request, for workers with a configured, fake
 * device inventory and no GPU runtime (the ids still reach the step through its env).
 */
export type GpuMode = "nvidia" | "none";

/** The minimal engine surface the executor needs (a DockerClient; tests pass fakes). */
export type ContainerEngine = Pick<
  DockerClient,
  "endpoint" | "describe" | "inspectImage" | "createContainer" | "startContainer" | "logs" | "inspectContainer" | "kill" | "remove" | "stats" | "listContainers"
>;

export interface ContainerBodyOptions {
  network: string;
  gpuMode: GpuMode;
  /** `uid:gid` the command runs as; null: the image's user. */
  user: string | null;
  /** Run a minimal init as PID 1 that forwards signals to the command and reaps zombies. */
  init: boolean;
}

export interface ContainerExecutorOptions extends Partial<ContainerBodyOptions> {
  /** Default: a DockerClient for DOCKER_HOST or the first local socket found (closed by close()). */
  client?: ContainerEngine;
  /**
   * Labels put on every container this executor creates, under the step's own (which win on a
   * clash). Meant for `trellis.worker`, so that the probe containers of a worker that dies
   * are found by removeOrphanContainers like its step containers.
   */
  labels?: Record<string, string>;
  /** Sample usage through the stats API only, never the local cgroup files. */
  statsOnly?: boolean;
}

/**
 * The body of POST /containers/create for a step. Pure, so it can be checked without an engine.
 *
 * - The image's ENTRYPOINT, if any, is kept (as `docker run IMAGE ARGV...` does): images such as
 *   NVIDIA's use it to set up their environment before exec'ing the command.
 * - `Env` is merged by the engine over the image's env: a variable the worker sets (PATH...)
 *   replaces the image's value.
 * - Binds are given as `Mounts`, not `Binds` strings, so paths with `:` or `,` need no escaping.
 * - MemorySwap equals Memory: no swap beyond the limit, so an over-limit step is OOM-killed
 *   instead of slowly swapping.
 */
export function containerCreateBody(spec: ProcessSpec, options: ContainerBodyOptions): ContainerCreateBody {
  const container = spec.container;
  if (!container) throw new Error("containerCreateBody: the spec has no container settings");
  const hostConfig: ContainerCreateBody["HostConfig"] = {
    Mounts: container.mounts.map((m) => ({ Type: "bind", Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    NetworkMode: options.network,
    AutoRemove: false,
  };
  if (container.cpu !== null) hostConfig.NanoCpus = Math.round(container.cpu * 1e9);
  if (container.memoryBytes !== null) {
    hostConfig.Memory = container.memoryBytes;
    hostConfig.MemorySwap = container.memoryBytes;
  }
  if (options.gpuMode === "nvidia" && spec.gpuDevices.length > 0) {
    const request: DeviceRequest = { Driver: "nvidia", DeviceIDs: [...spec.gpuDevices], Capabilities: [["gpu"]] };
    hostConfig.DeviceRequests = [request];
  }
  if (options.init) hostConfig.Init = true;
  const body: ContainerCreateBody = {
    Image: container.image,
    Cmd: [...spec.argv],
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    WorkingDir: spec.cwd,
    Labels: { ...container.labels },
    Tty: false,
    OpenStdin: false,
    HostConfig: hostConfig,
  };
  if (options.user !== null) body.User = options.user;
  return body;
}

export type StopReason = "cancelled" | "timed-out";

export interface ExitFacts {
  /** Whether (and why) we stopped the container ourselves. */
  stopReason: StopReason | null;
  timeoutMs: number | null;
  exitCode: number;
  /** The engine's State.OOMKilled (Docker sets it; Podman 4.3 on cgroup v1 never does). */
  oomKilledFlag: boolean;
  /** The cgroup's oom_kill counter was seen above zero. */
  oomKillSeen: boolean;
  memoryLimitBytes: number | null;
}

/**
 * How a container's end is reported. Our own stop wins (it explains any exit code). Otherwise a
 * failed step whose container had a memory limit is "oom-killed" when the engine says so, the
 * cgroup counted an OOM kill, or it died of SIGKILL (137) that we did not send: the kernel's OOM
 * killer is the usual sender, and on Podman 4.3 with cgroup v1 the exit code (and a counter that
 * may be gone before it is read) is all there is. A step that exited 0 succeeded, even if the
 * OOM killer took one of its child processes along the way.
 */
export function classifyExit(facts: ExitFacts): ProcessResult {
  if (facts.stopReason === "cancelled") return { kind: "cancelled" };
  if (facts.stopReason === "timed-out") return { kind: "timed-out", timeoutMs: facts.timeoutMs ?? 0 };
  if (facts.exitCode !== 0 && facts.memoryLimitBytes !== null && (facts.oomKilledFlag || facts.oomKillSeen || facts.exitCode === 137)) {
    return { kind: "oom-killed", memoryLimitBytes: facts.memoryLimitBytes };
  }
  return { kind: "exited", exitCode: facts.exitCode };
}

/**
 * When the command itself cannot be executed, the init process (PID 1) reports it on stderr and
 * exits non-zero before the command ever ran. Recognised: Podman's catatonit and Docker's tini.
 * Returns the reason ("No such file or directory"), or null.
 */
export function initExecFailure(firstStderrLine: string | null): string | null {
  if (firstStderrLine === null) return null;
  const catatonit = /^ERROR \(catatonit:\d+\): failed to exec pid1: (.+)$/.exec(firstStderrLine);
  if (catatonit) return catatonit[1]!;
  const tini = /^\[FATAL tini \(\d+\)\] exec .* failed: (.+)$/.exec(firstStderrLine);
  return tini ? tini[1]! : null;
}

function missingImageMessage(image: string): string {
  return `image "${image}" is not on this worker's container engine; build it (scripts/build-python-image.sh builds trellis-python:latest) or pull it`;
}

function unreachableMessage(error: DockerUnreachableError): string {
  return `${error.message}: start Docker or the Podman service (podman system service), or point DOCKER_HOST at a running engine`;
}

function envGpuMode(value: string | undefined): GpuMode {
  if (value === undefined || value === "" || value === "nvidia") return "nvidia";
  if (value === "none") return "none";
  throw new Error(`TRELLIS_CONTAINER_GPU_MODE must be "nvidia" or "none", not "${value}"`);
}

function errorMessage(error: unknown): string {
  if (error instanceof DockerApiError) return error.engineMessage;
  return error instanceof Error ? error.message : String(error);
}

export class ContainerExecutor implements Executor, ImageProbe {
  private readonly client: ContainerEngine;
  private readonly ownsClient: boolean;
  private readonly bodyOptions: ContainerBodyOptions;
  private readonly statsOnly: boolean;
  private readonly labels: Record<string, string>;
  /** Runs from run() until their result resolved; close() stops them. */
  private readonly runs = new Set<ContainerRun>();
  /** Removals of containers whose run has ended; close() waits for them. */
  private readonly removals = new Set<Promise<void>>();
  private closed = false;

  constructor(options: ContainerExecutorOptions = {}) {
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new DockerClient();
    const defaultUser = process.getuid && process.getgid ? `${process.getuid()}:${process.getgid()}` : null;
    this.bodyOptions = {
      network: options.network ?? (process.env.TRELLIS_CONTAINER_NETWORK || "host"),
      gpuMode: options.gpuMode ?? envGpuMode(process.env.TRELLIS_CONTAINER_GPU_MODE),
      user: options.user === undefined ? defaultUser : options.user,
      init: options.init ?? true,
    };
    this.statsOnly = options.statsOnly ?? false;
    this.labels = { ...options.labels };
  }

  run(spec: ProcessSpec, onLine: LineHandler): RunningProcess {
    if (this.closed) {
      const result: ProcessResult = { kind: "spawn-failed", message: "the container executor is closed", retryable: true };
      return { result: Promise.resolve(result), cancel: () => undefined, usage: () => NO_USAGE };
    }
    const withLabels = spec.container ? { ...spec, container: { ...spec.container, labels: { ...this.labels, ...spec.container.labels } } } : spec;
    const run = new ContainerRun(this.client, withLabels, onLine, this.bodyOptions, this.statsOnly);
    this.runs.add(run);
    void run.result.finally(() => {
      this.runs.delete(run);
      const removed = run.removed;
      if (removed) {
        this.removals.add(removed);
        void removed.finally(() => this.removals.delete(removed));
      }
    });
    return { result: run.result, cancel: () => run.stop("cancelled"), usage: () => run.usage() };
  }

  /** The image's id and registry digests (ImageProbe); null when the engine does not have it. */
  async imageInfo(image: string): Promise<{ id: string; repoDigests: string[] } | null> {
    const found = await this.client.inspectImage(image);
    return found ? { id: found.Id, repoDigests: found.RepoDigests ?? [] } : null;
  }

  /**
   * Runs the environment probe (`python3 -c PYTHON_PROBE`) in a throw-away container of the
   * image (ImageProbe): no mounts, no limits, removed afterwards like any step's container.
   * Null when the image has no usable python3.
   */
  async probePython(image: string): Promise<PythonEnvironment | null> {
    const lines: string[] = [];
    const probe = this.run(
      {
        argv: ["python3", "-c", PYTHON_PROBE],
        cwd: "/",
        env: {},
        timeoutMs: PYTHON_PROBE_TIMEOUT_MS,
        gpuDevices: [],
        container: { image, mounts: [], cpu: null, memoryBytes: null, labels: { "trellis.probe": "python" } },
      },
      (stream, line) => {
        if (stream === "stdout") lines.push(line);
      },
    );
    const result = await probe.result;
    return result.kind === "exited" && result.exitCode === 0 ? parsePythonProbe(lines.join("\n")) : null;
  }

  /** Kills every container still running (as a cancel) and waits for them to be removed. */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.runs];
    for (const run of runs) run.terminate();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
    await Promise.race([Promise.allSettled(runs.map((r) => r.result)), timeout]);
    clearTimeout(timer);
    // Runs still going have an engine that does not answer; a last attempt at their containers.
    const stuck = [...this.runs].flatMap((r) => (r.containerId ? [r.containerId] : []));
    await Promise.allSettled([...stuck.map((id) => this.client.remove(id, { force: true })), ...this.removals]);
    if (this.ownsClient && this.client instanceof DockerClient) this.client.close();
  }
}

/** One step's container, from image check to removal. */
class ContainerRun {
  readonly result: Promise<ProcessResult>;
  /** Set once the engine created the container. */
  containerId: string | null = null;
  /** Set when `result` resolves: the container's removal, which finishes after it. */
  removed: Promise<void> | null = null;
  private stopReason: StopReason | null = null;
  private started = false;
  /** SIGTERM was sent (once per run: the first stop reason's grace period applies). */
  private signalled = false;
  /** Stopped by close(): SIGKILL at once, no grace period. */
  private terminated = false;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private sampler: ContainerUsageSampler | null = null;
  private finalResult: ProcessResult | null = null;
  private firstStderrLine: string | null = null;
  private sawStdout = false;

  constructor(
    private readonly client: ContainerEngine,
    private readonly spec: ProcessSpec,
    private readonly onLine: LineHandler,
    private readonly bodyOptions: ContainerBodyOptions,
    private readonly statsOnly: boolean,
  ) {
    // The timeout covers the whole run, container creation included, as the shared executor's does.
    if (spec.timeoutMs !== null) this.timeoutTimer = setTimeout(() => this.stop("timed-out"), Math.min(spec.timeoutMs, MAX_TIMER_MS));
    this.result = this.execute()
      // Every expected failure is a result already; this is for bugs, so the caller never sees a rejection.
      .catch((error: unknown): ProcessResult => ({ kind: "spawn-failed", message: `container executor failed: ${errorMessage(error)}`, retryable: true }))
      .then((result) => {
        if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
        if (this.killTimer) clearTimeout(this.killTimer);
        this.finalResult = result;
        return result;
      });
  }

  stop(reason: StopReason): void {
    if (this.stopReason || this.finalResult) return;
    this.stopReason = reason;
    this.deliverStop();
  }

  /** For close(): stop now, without a grace period. */
  terminate(): void {
    this.terminated = true;
    this.stop("cancelled");
    if (this.started) void this.signal("SIGKILL");
  }

  usage(): ResourceUsage {
    const usage = this.sampler?.usage() ?? NO_USAGE;
    // An OOM kill means the cgroup reached its limit, even if no sample caught it there.
    if (this.finalResult?.kind === "oom-killed") {
      const limit = this.finalResult.memoryLimitBytes;
      if (usage.peakMemoryBytes === null || usage.peakMemoryBytes < limit) return { ...usage, peakMemoryBytes: limit };
    }
    return usage;
  }

  /** Sends SIGTERM, and SIGKILL after the grace period, once the container runs. */
  private deliverStop(): void {
    if (!this.stopReason || !this.started || this.signalled) return;
    this.signalled = true;
    if (this.terminated) return void this.signal("SIGKILL");
    void this.signal("SIGTERM");
    this.killTimer = setTimeout(() => void this.signal("SIGKILL"), this.stopReason === "cancelled" ? CANCEL_GRACE_MS : TIMEOUT_GRACE_MS);
    this.killTimer.unref();
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.containerId) return;
    try {
      await this.client.kill(this.containerId, signal);
    } catch {
      // It has exited already (Podman: 500 "container state improper", Docker: 409), or the
      // engine is gone, which waitForExit notices.
    }
  }

  private stoppedResult(): ProcessResult {
    return this.stopReason === "timed-out" ? { kind: "timed-out", timeoutMs: this.spec.timeoutMs ?? 0 } : { kind: "cancelled" };
  }

  private async execute(): Promise<ProcessResult> {
    const settings = this.spec.container;
    if (!settings) return { kind: "spawn-failed", message: "the container executor needs a step with container settings", retryable: false };
    // Podman creates a missing bind source as an empty root-owned directory (Docker refuses to):
    // a missing source is a preparation bug, reported the same way on both engines. Only
    // meaningful when the engine shares our file system, i.e. listens on a local socket.
    if (this.client.endpoint.kind === "unix") {
      for (const mount of settings.mounts) {
        if (!(await stat(mount.source).then(() => true, () => false))) {
          return { kind: "spawn-failed", message: `mount source "${mount.source}" (for ${mount.target}) does not exist`, retryable: false };
        }
      }
    }
    if (this.stopReason) return this.stoppedResult();

    let id: string;
    try {
      id = (await this.client.createContainer(containerCreateBody(this.spec, this.bodyOptions))).Id;
    } catch (error) {
      // The engine answers 404 when it does not have the image (no separate inspect: one round
      // trip less on every start).
      if (error instanceof DockerApiError && error.statusCode === 404) return { kind: "spawn-failed", message: missingImageMessage(settings.image), retryable: false };
      return this.engineFailure(error, "could not create the container", false);
    }
    this.containerId = id;
    try {
      return await this.runContainer(id);
    } finally {
      // Always, whatever happened: a leftover container may hold GPUs and disk. Off the step's
      // critical path (Podman takes 15–70 ms): the result is known; close() waits for it.
      this.removed = this.client.remove(id, { force: true }).then(
        () => undefined,
        () => undefined,
      );
    }
  }

  private async runContainer(id: string): Promise<ProcessResult> {
    if (this.stopReason) return this.stoppedResult();
    try {
      await this.client.startContainer(id);
    } catch (error) {
      return this.engineFailure(error, "could not start the container", false);
    }
    this.started = true;
    this.sampler = new ContainerUsageSampler(this.client, id, { statsOnly: this.statsOnly });
    // A stop requested while the container was being created or started is delivered now.
    this.deliverStop();

    const splitters: Record<LogStream, LineSplitter> = {
      stdout: new LineSplitter((line) => {
        this.sawStdout = true;
        this.onLine("stdout", line);
      }),
      stderr: new LineSplitter((line) => {
        this.firstStderrLine ??= line;
        this.onLine("stderr", line);
      }),
    };
    const demuxer = new DockerStreamDemuxer((stream, text) => splitters[stream].push(text));
    // Followed logs are requested after the start: Podman ends a follow on a created container
    // at once. Nothing is lost: the engine's log holds the output from the beginning.
    const follow = new AbortController();
    const followed = this.client.logs(id, { follow: true, signal: follow.signal, demuxer }).then(
      () => !follow.signal.aborted,
      () => false,
    );
    const exit = await this.waitForExit(id, [followed, this.sampler.emptied]).then(
      (state) => ({ state }),
      (error: unknown) => ({ error }),
    );
    // Right away: the cgroup (with the peak and the OOM counter) may vanish soon after the exit.
    await this.sampler.stop();
    await this.drainLogs(id, demuxer, follow, followed);
    splitters.stdout.end();
    splitters.stderr.end();

    if ("error" in exit) {
      if (this.stopReason) return this.stoppedResult();
      // The engine went away while the step ran: its fate is unknown, like a lost launcher's.
      return { kind: "launcher-lost" };
    }
    const { state } = exit;
    if (!this.stopReason && this.bodyOptions.init && state.ExitCode !== 0 && !this.sawStdout) {
      const reason = initExecFailure(this.firstStderrLine);
      if (reason) return { kind: "spawn-failed", message: `could not run ${JSON.stringify(this.spec.argv[0] ?? "")} in image "${this.spec.container?.image}": ${reason}`, retryable: false };
    }
    return classifyExit({
      stopReason: this.stopReason,
      timeoutMs: this.spec.timeoutMs,
      exitCode: state.ExitCode,
      oomKilledFlag: state.OOMKilled,
      oomKillSeen: this.sampler.oomKillSeen,
      memoryLimitBytes: this.spec.container?.memoryBytes ?? null,
    });
  }

  /**
   * Resolves with the container's final state once it has stopped, by inspecting it: often at
   * first, then more rarely (about a tenth of the time elapsed, 10 ms to 1 s), and at once on a
   * hint of the exit: the followed log ended (engines end it when the container stops), or the
   * sampler saw the container's cgroup without processes. Rejects when the container vanished
   * or the engine stayed unreachable for ENGINE_LOST_MS; an engine that restarts meanwhile
   * (Podman's service can: its containers run on without it) is waited for.
   *
   * Not the engine's wait endpoint: Podman before 4.5 polls every microsecond to answer it (over
   * a core of CPU per waiting request, containers/podman#18150) and answers only after its
   * cleanup process ran, 0.1–0.9 s after the exit, while its inspect shows the exit at once.
   */
  private async waitForExit(id: string, hints: Promise<unknown>[]): Promise<ContainerState> {
    const started = performance.now();
    let unreachableSince: number | null = null;
    // Each hint wakes the loop once; then it is dropped, so a settled hint does not spin it.
    let pending = [...hints];
    for (const hint of hints) void hint.then(() => (pending = pending.filter((h) => h !== hint)));
    for (;;) {
      try {
        const { State } = await this.client.inspectContainer(id);
        unreachableSince = null;
        if (!State.Running && State.Status !== "created") return State;
      } catch (error) {
        if (error instanceof DockerApiError && error.statusCode === 404) throw error;
        const now = performance.now();
        unreachableSince ??= now;
        if (now - unreachableSince > ENGINE_LOST_MS) throw error;
      }
      const interval = Math.min(EXIT_POLL_MAX_MS, Math.max(EXIT_POLL_MIN_MS, (performance.now() - started) / 10));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, interval))), ...pending]);
      clearTimeout(timer);
    }
  }

  /**
   * Makes sure every byte of output has reached the line splitters. A followed log ends by itself
   * some time after the exit (Podman: 0.25–0.6 s later, and now and then never). Once the
   * container has stopped its log is complete, so if the follow has not ended shortly after the
   * exit it is cut, and the rest read from a fresh, unfollowed log; the demuxer skips what the
   * follow already delivered.
   */
  private async drainLogs(id: string, demuxer: DockerStreamDemuxer, follow: AbortController, followed: Promise<boolean>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), FOLLOW_GRACE_MS)));
    const ended = await Promise.race([followed, grace]);
    clearTimeout(timer);
    if (!ended) {
      follow.abort();
      await followed;
      demuxer.restart();
      await this.client.logs(id, { follow: false, demuxer, signal: AbortSignal.timeout(LOGS_READ_MS) }).catch(() => undefined);
    }
    demuxer.end();
  }

  /**
   * A failure talking to the engine before the step ran. Unreachable engine: retryable (it may
   * come back, or another worker can take the step). The engine refusing a container (bad mount,
   * unknown user, command not found...): not retryable, the same request would be refused
   * again; `apiErrorRetryable` says otherwise for requests that cannot be wrong (inspecting).
   */
  private engineFailure(error: unknown, what: string, apiErrorRetryable: boolean): ProcessResult {
    if (this.stopReason) return this.stoppedResult();
    if (error instanceof DockerUnreachableError) return { kind: "spawn-failed", message: unreachableMessage(error), retryable: true };
    if (error instanceof DockerApiError) return { kind: "spawn-failed", message: `${what}: ${error.engineMessage}`, retryable: apiErrorRetryable };
    // Transport trouble (timeout, connection reset): the engine may be restarting.
    return { kind: "spawn-failed", message: `${what}: ${errorMessage(error)}`, retryable: true };
  }
}

/**
 * Removes the containers of workers that are gone: those labelled `trellis.worker=<id>` whose id
 * is not in `liveWorkerIds`. Run at worker start: a worker that died leaves its containers
 * behind, and they may still run and hold GPUs. Resolves with how many were removed; when some
 * could not be removed, rejects (after trying all of them) with an error naming them.
 */
export async function removeOrphanContainers(client: Pick<ContainerEngine, "listContainers" | "remove">, liveWorkerIds: Set<string>): Promise<number> {
  const containers = await client.listContainers({ all: true, labels: { [WORKER_LABEL]: null } });
  const orphans = containers.filter((c) => {
    const owner = c.Labels?.[WORKER_LABEL];
    return owner !== undefined && !liveWorkerIds.has(owner);
  });
  const outcomes = await Promise.allSettled(orphans.map((c) => client.remove(c.Id, { force: true })));
  // A container removed meanwhile by someone else (remove() answered false) is gone all the same.
  const failed = outcomes.flatMap((o, i) => (o.status === "rejected" ? [`${orphans[i]!.Id.slice(0, 12)}: ${errorMessage(o.reason)}`] : []));
  if (failed.length > 0) throw new Error(`could not remove ${failed.length} orphaned container(s): ${failed.join("; ")}`);
  return orphans.length;
}
