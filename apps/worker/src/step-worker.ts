import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { PrismaClient } from "@trellis/db";
import {
  CANCEL_CHANNEL,
  QUEUE_PREFIX,
  cancelledStepsOf,
  claimSteps,
  completeStep,
  completeSucceededSteps,
  createRedis,
  createStepQueue,
  deregisterWorker,
  heartbeatWorker,
  logChannel,
  reconcile,
  registerWorker,
  type ClaimRequest,
  type ClaimedStep,
  type EngineConfig,
  type EngineContext,
  type StepJob,
  type StepOutcome,
  type SucceededStep,
  type UnsuccessfulOutcome,
} from "@trellis/engine";
import { artifactStoreFromEnv, type ArtifactStore } from "@trellis/artifacts";
import { formatDuration } from "@trellis/spec";
import { LogSink } from "./executor/log-sink.js";
import { SharedExecutor, type ProcessResult, type RunningProcess } from "./executor/shared-executor.js";
import { PreparationError, StepPreparer, findPythonSdkDir } from "./prepare-step.js";
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
}

export interface StepWorkerHandle {
  workerId: string;
  /** Stops taking jobs, cancels running steps (reported as retryable "worker shutting down") and deregisters. */
  stop(): Promise<void>;
}

/** Maps how the process ended to a step outcome; every failure is classified retryable or terminal. */
export function outcomeOf(result: ProcessResult): UnsuccessfulOutcome | null {
  switch (result.kind) {
    case "exited":
      return result.exitCode === 0
        ? null
        : { status: "failed", exitCode: result.exitCode, failureKind: "retryable", error: `exited with code ${result.exitCode}${result.exitCode === 137 ? " (killed: out of memory?)" : ""}` };
    case "signalled":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: `killed by signal ${result.signal}` };
    case "timed-out":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: `timed out after ${formatDuration(result.timeoutMs)}; the process tree was killed` };
    case "cancelled":
      return { status: "cancelled", exitCode: null, error: "cancelled while running" };
    case "spawn-failed":
      return { status: "failed", exitCode: null, failureKind: "terminal", error: `could not start the step: ${result.message}` };
    case "launcher-lost":
      return { status: "failed", exitCode: null, failureKind: "retryable", error: "the worker's step launcher stopped unexpectedly; the step was killed" };
  }
}

/**
 * A worker process's consumer: takes step jobs from BullMQ (up to `concurrency` at once),
 * claims each in Postgres, runs it with the shared executor and reports the outcome.
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
  const queue = createStepQueue(publisher, options.queueName);
  const ctx: EngineContext = { db, queue, redis: publisher, config, log };
  const apiUrl = (options.apiUrl ?? (process.env.TRELLIS_API_URL || "http://127.0.0.1:4000")).replace(/\/+$/, "");
  // Created before anything else so that a misconfigured store stops the worker at start.
  const store = options.artifactStore ?? artifactStoreFromEnv(config.dataDir);
  const artifactCacheDir = options.artifactCacheDir ?? path.join(config.dataDir, "artifact-cache");
  const preparer = new StepPreparer(db, config.dataDir, { apiUrl, pythonSdkDir: findPythonSdkDir(), artifacts: { store, cacheDir: artifactCacheDir } });
  const executor = new SharedExecutor();
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

  await registerWorker(db, { id: workerId, hostname: os.hostname(), pid: process.pid, concurrency });

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
  async function report(step: ClaimedStep, outcome: StepOutcome, command: string | null): Promise<string> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        if (outcome.status === "succeeded") {
          const applied = await successes.submit({ stepId: step.id, attempt: step.attempt, workerId, exitCode: outcome.exitCode, outputs: outcome.outputs, command });
          return applied ? "succeeded" : "ignored";
        }
        if (command !== null) await recordCommand(step.id, command);
        const done = await completeStep(ctx, { stepId: step.id, attempt: step.attempt, workerId, outcome });
        return done.result ?? "ignored";
      } catch (err) {
        if (stopping) throw err;
        log("reporting a step failed; retrying", { stepId: step.id, error: String(err), retryInMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async function execute(job: Job<StepJob>): Promise<void> {
    const step = await claims.submit({ stepId: job.data.stepId, attempt: job.data.attempt });
    if (!step) return; // stale or duplicate job
    const sink = new LogSink(db, publisher, step.id, step.attempt);
    // A step that prints no tracking line pays one prefix check per line and nothing else.
    const tracking = new TrackingCapture(db, step.runId, step.name, (message) => sink.write("stderr", `${WARNING_PREFIX} ${message}`));
    const onLine = (stream: "stdout" | "stderr", line: string) => {
      sink.write(stream, line);
      if (mayBeTrackingLine(line)) tracking.accept(line);
    };
    let outcome: StepOutcome;
    let command: string | null = null;
    let showCommand: NodeJS.Timeout | undefined;
    /** Set once the process has exited successfully: a later failure (storing outputs) keeps exit code 0. */
    let exitCode: number | null = null;
    try {
      const prepared = await preparer.prepare(step);
      command = prepared.command;
      // Most steps are short: the command is stored with the outcome, and written earlier only
      // for a step still running after a moment (so the UI can show it).
      showCommand = setTimeout(() => void recordCommand(step.id, prepared.command).catch(() => undefined), 200);
      const proc = executor.run(prepared.process, onLine);
      running.set(step.id, proc);
      const result = await proc.result;
      running.delete(step.id);
      // Whatever the outcome, the step's tracked values are written before it is reported.
      await tracking.close();
      const failure =
        result.kind === "cancelled" && !cancelledByUser.delete(step.id)
          ? ({ status: "failed", exitCode: null, failureKind: "retryable", error: "the worker shut down while the step was running" } as const)
          : outcomeOf(result);
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
          outcome =
            error !== null
              ? { status: "failed", exitCode: 0, failureKind: "terminal", error }
              : { status: "succeeded", exitCode: 0, outputs: { ...collected.outputs, ...(await recordOutputArtifacts(db, store, step, stored)) } };
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
      sink.write("stderr", `[trellis] ${outcome.error}`);
    }
    clearTimeout(showCommand);
    await sink.close().catch((err) => log("log flush failed", { error: String(err) }));
    const result = await report(step, outcome, command);
    // The end event carries the attempt's own status ("failed" even when a retry follows), the
    // same status a reader finds stored afterwards. An ignored report publishes nothing:
    // readers see the attempt's real end through their database poll.
    if (result !== "ignored") {
      const status = result === "retrying" ? "failed" : result;
      await publisher.publish(logChannel(step.id, step.attempt), JSON.stringify({ type: "end", status })).catch(() => undefined);
    }
  }

  const worker = new Worker<StepJob>(options.queueName ?? process.env.TRELLIS_QUEUE ?? "steps", execute, {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency,
    // Lost workers are detected through Postgres heartbeats; a stalled BullMQ job that is
    // redelivered finds its step no longer queued and is dropped.
    maxStalledCount: 1,
  });
  worker.on("error", (err) => log("queue error", { error: String(err) }));
  await worker.waitUntilReady();

  return {
    workerId,
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      clearInterval(reconciler);
      const closing = worker.close();
      for (const proc of running.values()) proc.cancel();
      await closing;
      await executor.close();
      await deregisterWorker(db, workerId).catch(() => undefined);
      await Promise.allSettled([subscriber.quit(), queue.close()]);
      await Promise.allSettled([publisher.quit(), connection.quit()]);
      if (!options.artifactStore) store.close();
    },
  };
}
