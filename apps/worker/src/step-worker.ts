import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { PrismaClient } from "@trellis/db";
import {
  CANCEL_CHANNEL,
  DEFAULT_STEP_QUEUE,
  createModelVersion,
  DomainError,
  createWebhookQueue,
  webhookQueueName,
  type RegistryContext,
  enqueueSteps,
  neverFits,
  shortfall,
  workerQueueName,
  type Placement,
  QUEUE_PREFIX,
  cancelledStepsOf,
  claimSteps,
  completeStep,
  completeSucceededSteps,
  createRedis,
  createSecretMasker,
  createStepQueue,
  deregisterWorker,
  heartbeatWorker,
  liveWorkers,
  logChannel,
  reconcile,
  registerWorker,
  secretsKeyFromEnv,
  type ClaimRequest,
  type ClaimedStep,
  type EngineConfig,
  type EngineContext,
  type SecretsKey,
  type StepJob,
  type StepOutcome,
  type SucceededStep,
  type UnsuccessfulOutcome,
  type WorkerCapacity,
} from "@trellis/engine";
import { artifactStoreFromEnv, type ArtifactStore } from "@trellis/artifacts";
import { formatBytes, formatDuration, type StepSpec } from "@trellis/spec";
import { LogSink } from "./executor/log-sink.js";
import { SharedExecutor } from "./executor/shared-executor.js";
import { ContainerExecutor, WORKER_LABEL, removeOrphanContainers } from "./executor/container-executor.js";
import { DockerClient } from "./executor/docker-client.js";
import type { Executor, ProcessResult, ResourceUsage, RunningProcess } from "./executor/types.js";
import { capacityFromEnv, ResourceLedger } from "./capacity.js";
import { EnvironmentRecorder } from "./environment.js";
import { PreparationError, StepPreparer, findPythonSdkDir, type Assignment, type RunInfo } from "./prepare-step.js";
import { startWebhookDelivery } from "./webhooks.js";
import { startScheduleDriver } from "./schedules.js";
import { collectOutputs, recordMetricsOutputs } from "./collect-outputs.js";
import { ArtifactOutputError, ArtifactStoreFailure, recordOutputArtifacts, storeOutputArtifacts } from "./artifacts.js";
import { GroupCommit } from "./group-commit.js";
import { TrackingCapture, WARNING_PREFIX, mayBeTrackingLine } from "./tracking-capture.js";

export interface StepWorkerOptions {
  db: PrismaClient;
  config: EngineConfig;
  queueName?: string;
  concurrency?: number;
  workerId?: string;
  /** The API as step processes reach it; default TRELLIS_API_URL, else http://127.0.0.1:4000. */
  apiUrl?: string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Where artifact outputs are stored; default artifactStoreFromEnv(config.dataDir) (closed on stop). */
  artifactStore?: ArtifactStore;
  /** Where input artifacts are materialized for steps; default <dataDir>/artifact-cache. */
  artifactCacheDir?: string;
  /** What this worker offers; default capacityFromEnv(process.env). */
  capacity?: WorkerCapacity;
  /** The container engine; default: DOCKER_HOST or the local Docker/Podman socket, when one answers. */
  docker?: DockerClient | null;
  /** How often schedules are swept (missed ticks, interrupted run creation, backfills); default 5 s. */
  scheduleSweepMs?: number;
  /** Decrypts the secrets steps declare; default secretsKeyFromEnv() (null: steps with secrets fail). */
  secretsKey?: SecretsKey | null;
}

/** What the worker observed about an attempt, recorded with its outcome. */
interface Observed {
  usage: ResourceUsage | null;
  environmentDigest: string | null;
}

/** The container engine at DOCKER_HOST or a local socket, if one answers; null otherwise. */
async function reachableDocker(): Promise<DockerClient | null> {
  try {
    const client = new DockerClient();
    await client.ping();
    return client;
  } catch {
    return null;
  }
}

export interface StepWorkerHandle {
  workerId: string;
  capacity: WorkerCapacity;
  /** The container engine it uses, e.g. "unix:///run/podman/podman.sock"; null: shared steps only. */
  containerEngine: string | null;
  /** Stops taking jobs, cancels running steps (reported as retryable "worker shutting down") and deregisters. */
  stop(): Promise<void>;
}

/**
 * Maps how the process ended to a step outcome; every failure is classified retryable or
 * terminal. An out-of-memory kill is terminal (the same limit fails the same way) unless
 * `retries.onOOM` raises the memory, which completeStep decides from `oom`.
 */
export function outcomeOf(result: ProcessResult, usage: ResourceUsage): UnsuccessfulOutcome | null {
  switch (result.kind) {
    case "exited":
      return result.exitCode === 0
        ? null
        : { status: "failed", exitCode: result.exitCode, failureKind: "retryable", error: `exited with code ${result.exitCode}${result.exitCode === 137 ? " (killed with SIGKILL)" : ""}` };
    case "oom-killed": {
      const peak = usage.peakMemoryBytes ?? result.memoryLimitBytes;
      return {
        status: "failed",
        exitCode: 137,
        failureKind: "terminal",
        error: `exceeded memory limit ${formatBytes(result.memoryLimitBytes)}; peak ${formatBytes(peak)} (killed by the kernel; raise resources.memory or add retries.onOOM)`,
        oom: { memoryLimitBytes: result.memoryLimitBytes },
      };
    }
    case "signalled":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: `killed by signal ${result.signal}` };
    case "timed-out":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: `timed out after ${formatDuration(result.timeoutMs)}; the process tree was killed` };
    case "cancelled":
      return { status: "cancelled", exitCode: null, error: "cancelled while running" };
    case "spawn-failed":
      return { status: "failed", exitCode: null, failureKind: result.retryable ? "retryable" : "terminal", error: `could not start the step: ${result.message}` };
    case "launcher-lost":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: "the worker's step launcher stopped unexpectedly; the step was killed" };
  }
}

/**
 * A worker process's consumer: takes step jobs from BullMQ (up to `concurrency` at once) that
 * fit its capacity, claims each in Postgres, runs it with its executor (a process on this host,
 * or a container) and reports the outcome with the usage and environment it observed.
 * It also heartbeats, watches for cancellations, and runs the reconciler.
 */
export async function startStepWorker(options: StepWorkerOptions): Promise<StepWorkerHandle> {
  const { db, config } = options;
  const log = options.log ?? (() => {});
  const workerId = options.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? Number(process.env.TRELLIS_WORKER_CONCURRENCY ?? 8);
  const connection = createRedis();
  const publisher = createRedis();
  const subscriber: Redis = createRedis();
  const queueName = options.queueName ?? process.env.TRELLIS_QUEUE ?? DEFAULT_STEP_QUEUE;
  const queue = createStepQueue(publisher, queueName);
  const ctx: EngineContext = { db, queue, redis: publisher, config, log };
  const apiUrl = (options.apiUrl ?? (process.env.TRELLIS_API_URL || "http://127.0.0.1:4000")).replace(/\/+$/, "");
  // Created before anything else so that a misconfigured store stops the worker at start.
  const store = options.artifactStore ?? artifactStoreFromEnv(config.dataDir);
  // Likewise a malformed TRELLIS_SECRETS_KEY.
  const secretsKey = options.secretsKey !== undefined ? options.secretsKey : secretsKeyFromEnv();
  const artifactCacheDir = options.artifactCacheDir ?? path.join(config.dataDir, "artifact-cache");
  const docker = options.docker !== undefined ? options.docker : await reachableDocker();
  const capacity = options.capacity ?? capacityFromEnv(process.env, docker !== null);
  const ledger = new ResourceLedger(capacity);
  const preparer = new StepPreparer(db, config.dataDir, {
    apiUrl,
    pythonSdkDir: findPythonSdkDir(),
    artifacts: { store, cacheDir: artifactCacheDir },
    hasGpus: capacity.gpus.length > 0,
    secretsKey,
  });
  const executors: Partial<Record<"shared" | "container", Executor>> = { shared: new SharedExecutor() };
  const containers = docker && capacity.executors.includes("container") ? new ContainerExecutor({ client: docker, labels: { [WORKER_LABEL]: workerId } }) : null;
  if (containers) executors.container = containers;
  const environments = new EnvironmentRecorder(db, containers);
  const webhookQueue = createWebhookQueue(publisher, webhookQueueName(queueName));
  const registry: RegistryContext = { db, webhooks: webhookQueue, log };
  const webhookConnection = createRedis();
  const webhooks = startWebhookDelivery({ db, connection: webhookConnection, queue: webhookQueue, log });
  const scheduleConnection = createRedis();
  const schedules = startScheduleDriver({ ctx, connection: scheduleConnection, queueName, log, ...(options.scheduleSweepMs ? { sweepMs: options.scheduleSweepMs } : {}) });
  const running = new Map<string, RunningProcess>();
  let stopping = false;
  /** Steps stopped because their run (or step) was cancelled, as opposed to this worker shutting down. */
  const cancelledByUser = new Set<string>();
  const cancelStep = (id: string) => {
    const proc = running.get(id);
    if (!proc) return;
    cancelledByUser.add(id);
    proc.cancel();
  };

  await registerWorker(db, { id: workerId, hostname: os.hostname(), pid: process.pid, concurrency, capacity });
  if (containers && docker) {
    // Containers of workers that died (SIGKILL, host crash) may still run and hold GPUs.
    const live = new Set((await liveWorkers(db, config.workerLeaseMs)).map((w) => w.id));
    const removed = await removeOrphanContainers(docker, live).catch((err: unknown) => {
      log("could not look for orphaned containers", { error: String(err) });
      return 0;
    });
    if (removed > 0) log("removed containers of dead workers", { removed });
  }

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on("message", (_channel: string, message: string) => {
    try {
      for (const id of (JSON.parse(message) as { stepIds: string[] }).stepIds) cancelStep(id);
    } catch {
      // Malformed signal: the database poll below still catches the cancellation.
    }
  });

  const heartbeat = setInterval(() => {
    void (async () => {
      await heartbeatWorker(db, workerId);
      for (const id of await cancelledStepsOf(db, [...running.keys()])) cancelStep(id);
    })().catch((err) => log("heartbeat failed", { error: String(err) }));
  }, config.heartbeatMs);

  let reconciling = false;
  const reconciler = setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    reconcile(ctx)
      .then((r) => (r.lostSteps || r.finalizedRuns ? log("reconciled", { ...r }) : undefined))
      .catch((err) => log("reconcile failed", { error: String(err) }))
      .finally(() => (reconciling = false));
  }, config.reconcileMs);

  // Claims and successful reports of concurrent steps share their database round trips.
  const claims = new GroupCommit<ClaimRequest, ClaimedStep | null>(async (requests) => {
    const claimed = await claimSteps(ctx, workerId, requests);
    return requests.map((r) => claimed.get(r.stepId) ?? null);
  });
  const successes = new GroupCommit<SucceededStep, boolean>(async (steps) => {
    const applied = await completeSucceededSteps(ctx, steps);
    return steps.map((s) => applied.has(s.stepId));
  });

  const recordCommand = (stepId: string, command: string) =>
    db.$executeRaw`UPDATE "Step" SET resolved = ${JSON.stringify({ command })}::jsonb WHERE id = ${stepId}::uuid`;

  /**
   * Reports an attempt's end. Losing the report would leave the step running forever under a
   * live worker, so database errors are retried until the report lands (or the worker stops,
   * and the reconciler then fails the step as "worker lost").
   */
  async function report(step: ClaimedStep, outcome: StepOutcome, command: string | null, observed: Observed): Promise<string> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        if (outcome.status === "succeeded") {
          const applied = await successes.submit({ stepId: step.id, attempt: step.attempt, workerId, exitCode: outcome.exitCode, outputs: outcome.outputs, command, ...observed });
          return applied ? "succeeded" : "ignored";
        }
        if (command !== null) await recordCommand(step.id, command);
        const done = await completeStep(ctx, { stepId: step.id, attempt: step.attempt, workerId, outcome, ...observed });
        return done.result ?? "ignored";
      } catch (err) {
        if (stopping) throw err;
        log("reporting a step failed; retrying", { stepId: step.id, error: String(err), retryInMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Where a job goes that does not fit here: a live worker that has room for it now, else (when
   * this worker can never run it) any live worker that could. Null: keep it.
   */
  async function handOffTarget(placement: Placement | null, neverHere: boolean): Promise<string | null> {
    const others = (await liveWorkers(db, config.workerLeaseMs)).filter((w) => w.id !== workerId && neverFits(w.capacity, placement) === null);
    const withRoom = others.find((w) => w.running < w.concurrency && shortfall(w.capacity, w.inUse, placement) === null);
    return withRoom?.id ?? (neverHere ? (others[0]?.id ?? null) : null);
  }

  /**
   * Admits a job when its placement fits what this worker has left, and holds the reservation
   * until the attempt is reported. A job that does not fit is handed to a worker with room
   * for it; one that fits here later waits here for a release; one that no live worker can
   * run goes back to the queue for a while (its step shows why it waits).
   */
  async function execute(job: Job<StepJob>, token?: string): Promise<void> {
    const placement = job.data.placement ?? null;
    let reservation = ledger.reserve(job.data.stepId, placement);
    for (let checkedOthersAt = 0; !reservation.ok; reservation = ledger.reserve(job.data.stepId, placement)) {
      if (stopping) return requeue(job, token, 0);
      // A job handed over because this worker had room waits here rather than travelling on.
      const mayHandOff = reservation.never || (job.data.handedOffBy === undefined && Date.now() - checkedOthersAt > 2_000);
      if (mayHandOff) {
        checkedOthersAt = Date.now();
        const target = await handOffTarget(placement, reservation.never);
        if (target) {
          await workerQueue(target).add("step", { ...job.data, handedOffBy: workerId }, { jobId: job.id! });
          return; // this job completes; the target's copy carries the step
        }
        if (reservation.never) return requeue(job, token, 2_000 + Math.floor(Math.random() * 500));
      }
      await ledger.released(1_000);
    }
    try {
      const step = await claims.submit({ stepId: job.data.stepId, attempt: job.data.attempt, placement, gpuDevices: reservation.gpuDevices });
      if (!step) return; // stale or duplicate job
      await runClaimed(step, { placement, gpuDevices: reservation.gpuDevices });
    } finally {
      ledger.release(job.data.stepId);
    }
  }

  async function runClaimed(step: ClaimedStep, assignment: Assignment): Promise<void> {
    const sink = new LogSink(db, publisher, step.id, step.attempt);
    // The one gate of the attempt's text: every line (the step's output and the worker's own)
    // and the failure message pass through `mask` before they are stored, published or parsed.
    // It learns the step's secret values when the step is prepared, before the step can print.
    let mask = (text: string) => text;
    const write = (stream: "stdout" | "stderr", text: string) => sink.write(stream, mask(text));
    // A step that prints no tracking line pays one prefix check per line and nothing else.
    const tracking = new TrackingCapture(db, step.runId, step.name, (message) => write("stderr", `${WARNING_PREFIX} ${message}`));
    const onLine = (stream: "stdout" | "stderr", line: string) => {
      const masked = mask(line);
      sink.write(stream, masked);
      if (mayBeTrackingLine(masked)) tracking.accept(masked);
    };
    let outcome: StepOutcome;
    let command: string | null = null;
    let showCommand: NodeJS.Timeout | undefined;
    /** Set once the process has exited successfully: a later failure (storing outputs) keeps exit code 0. */
    let exitCode: number | null = null;
    const observed: Observed = { usage: null, environmentDigest: null };
    let environment: Promise<string | null> = Promise.resolve(null);
    try {
      const prepared = await preparer.prepare(step, assignment);
      mask = createSecretMasker(prepared.secretValues);
      command = prepared.command;
      const executor = executors[prepared.spec.executor ?? "shared"];
      if (!executor) throw new PreparationError(`this worker cannot run ${prepared.spec.executor} steps`);
      // Recorded alongside the run (cached per interpreter or image); a probe failure records nothing.
      environment = (prepared.process.container ? environments.container(prepared.process.container.image) : environments.shared(prepared.process.env.PATH)).catch(
        (err: unknown) => {
          log("could not record the step's environment", { stepId: step.id, error: String(err) });
          return null;
        },
      );
      // Most steps are short: the command is stored with the outcome, and written earlier only
      // for a step still running after a moment (so the UI can show it).
      showCommand = setTimeout(() => void recordCommand(step.id, prepared.command).catch(() => undefined), 200);
      const proc = executor.run(prepared.process, onLine);
      running.set(step.id, proc);
      const result = await proc.result;
      running.delete(step.id);
      observed.usage = proc.usage();
      // Whatever the outcome, the step's tracked values are written before it is reported.
      await tracking.close();
      const failure =
        result.kind === "cancelled" && !cancelledByUser.delete(step.id)
          ? ({ status: "failed", exitCode: null, failureKind: "retryable", error: "the worker shut down while the step was running" } as const)
          : outcomeOf(result, observed.usage);
      if (failure) {
        outcome = failure;
      } else {
        exitCode = 0;
        const collected = await collectOutputs(prepared.spec, prepared.outputsDir);
        if (!collected.ok) {
          outcome = { status: "failed", exitCode: 0, failureKind: "terminal", error: collected.error };
        } else {
          // Artifacts are uploaded before anything is written to the database: the store is the
          // likeliest thing to fail, and a retried attempt then records metrics only once.
          // Steps without artifact outputs skip this entirely.
          const stored = collected.artifacts.length > 0 ? await storeOutputArtifacts(store, collected.artifacts) : [];
          const error = await recordMetricsOutputs(db, step.runId, step.name, collected.metrics);
          if (error !== null) outcome = { status: "failed", exitCode: 0, failureKind: "terminal", error };
          else {
            const artifacts = await recordOutputArtifacts(db, store, step, stored);
            // Registered like the artifacts themselves, before the success is reported; the
            // registry returns the existing version when the same artifact is registered again.
            await registerOutputs(prepared.spec, prepared.run, step, Object.keys(artifacts));
            outcome = { status: "succeeded", exitCode: 0, outputs: { ...collected.outputs, ...artifacts } };
          }
        }
      }
    } catch (err) {
      running.delete(step.id);
      outcome =
        err instanceof PreparationError || err instanceof ArtifactOutputError
          ? { status: "failed", exitCode, failureKind: "terminal", error: err.message }
          : err instanceof ArtifactStoreFailure
            ? { status: "failed", exitCode, failureKind: "retryable", error: err.message }
            : { status: "failed", exitCode, failureKind: "retryable", error: `worker error: ${err instanceof Error ? err.message : String(err)}` };
      write("stderr", `[trellis] ${outcome.error}`);
    }
    if (outcome.status !== "succeeded") outcome = { ...outcome, error: mask(outcome.error) };
    clearTimeout(showCommand);
    await sink.close().catch((err) => log("log flush failed", { error: String(err) }));
    observed.environmentDigest = await environment;
    const result = await report(step, outcome, command, observed);
    // The end event carries the attempt's own status ("failed" even when a retry follows), the
    // same status a reader finds stored afterwards. An ignored report publishes nothing:
    // readers see the attempt's real end through their database poll.
    if (result !== "ignored") {
      const status = result === "retrying" ? "failed" : result;
      await publisher.publish(logChannel(step.id, step.attempt), JSON.stringify({ type: "end", status })).catch(() => undefined);
    }
  }

  /** `register: { model }` outputs become versions of their models. */
  async function registerOutputs(spec: StepSpec, run: RunInfo, step: ClaimedStep, artifactOutputs: string[]): Promise<void> {
    for (const name of artifactOutputs) {
      const model = spec.outputs[name]?.register?.model;
      if (!model) continue;
      const { version, created } = await createModelVersion(registry, {
        projectId: run.projectId,
        modelName: model,
        runId: step.runId,
        stepName: step.name,
        outputName: name,
        createModel: true,
        actor: `pipeline ${run.pipeline}`,
      }).catch((err: unknown) => {
        // The registry refusing it (a rule, not an outage) would refuse a retry too.
        if (err instanceof DomainError) throw new ArtifactOutputError(`could not register output "${name}" as a version of model "${model}": ${err.message}`);
        throw err;
      });
      if (created) log("registered a model version", { model, version, runId: step.runId, step: step.name });
    }
  }

  /** Puts a job back in its queue after `delayMs`, for any worker to take. */
  async function requeue(job: Job<StepJob>, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  const workerQueues = new Map<string, ReturnType<typeof createStepQueue>>();
  const workerQueue = (id: string) => {
    let q = workerQueues.get(id);
    if (!q) {
      q = createStepQueue(publisher, workerQueueName(queueName, id));
      workerQueues.set(id, q);
    }
    return q;
  };

  const consume = (name: string, conn: Redis) => {
    const w = new Worker<StepJob>(name, execute, {
      connection: conn,
      prefix: QUEUE_PREFIX,
      concurrency,
      // Lost workers are detected through Postgres heartbeats; a stalled BullMQ job that is
      // redelivered finds its step no longer queued and is dropped.
      maxStalledCount: 1,
    });
    w.on("error", (err) => log("queue error", { queue: name, error: String(err) }));
    return w;
  };
  const ownConnection = createRedis();
  const worker = consume(queueName, connection);
  const ownWorker = consume(workerQueueName(queueName, workerId), ownConnection);
  await Promise.all([worker.waitUntilReady(), ownWorker.waitUntilReady()]);

  return {
    workerId,
    capacity,
    containerEngine: containers && docker ? docker.describe() : null,
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      clearInterval(reconciler);
      const closing = Promise.all([worker.close(), ownWorker.close()]);
      for (const proc of running.values()) proc.cancel();
      await closing;
      // Jobs handed to this worker and not started go back to the shared queue.
      const own = workerQueue(workerId);
      const left = await own.getJobs(["wait", "delayed", "prioritized"]).catch(() => []);
      await enqueueSteps(queue, left.map((j) => ({ stepId: j.data.stepId, runId: j.data.runId, attempt: j.data.attempt, placement: j.data.placement ?? null }))).catch(
        (err: unknown) => log("could not return handed-over jobs; the reconciler will", { error: String(err) }),
      );
      await own.obliterate({ force: true }).catch(() => undefined);
      await Promise.allSettled([...workerQueues.values()].map((q) => q.close()));
      await webhooks.close();
      await schedules.close();
      await webhookQueue.close();
      await Promise.all(Object.values(executors).map((e) => e.close()));
      await deregisterWorker(db, workerId).catch(() => undefined);
      await Promise.allSettled([subscriber.quit(), queue.close()]);
      await Promise.allSettled([publisher.quit(), connection.quit(), ownConnection.quit(), webhookConnection.quit(), scheduleConnection.quit()]);
      if (!options.artifactStore) store.close();
    },
  };
}
