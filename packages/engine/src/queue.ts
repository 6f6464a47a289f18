import { Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Placement } from "./placement.js";

/**
 * Queue contract between the engine (producer) and workers (consumers).
 * A job says "attempt N of step S is ready" and what that attempt needs from a worker (a
 * copy of Step.placement, which never changes during an attempt), so a worker can pass on a
 * step that does not fit without reading Postgres. Everything else is read from Postgres, and
 * the worker's claim is guarded on (status = queued, attempt = N), so duplicate, late or
 * replayed jobs are harmless.
 */
export interface StepJob {
  stepId: string;
  runId: string;
  attempt: number;
  /** Absent or null: a shared step with no requests. */
  placement?: Placement | null;
  /** Set when another worker handed the job to this one because this one had room for it. */
  handedOffBy?: string;
}

export const DEFAULT_STEP_QUEUE = "steps";
export const QUEUE_PREFIX = "trellis";

/**
 * A worker's own queue, next to the shared one: a worker that cannot run a step hands its job
 * to a worker that can, through that worker's queue (BullMQ has no per-job routing).
 */
export function workerQueueName(queueName: string, workerId: string): string {
  return `${queueName}-worker-${workerId}`;
}

/** One job id per step attempt: adding the same attempt twice is a no-op in BullMQ. */
export function stepJobId(stepId: string, attempt: number): string {
  return `${stepId}-a${attempt}`;
}

export function redisUrl(): string {
  return process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** BullMQ requires maxRetriesPerRequest: null on connections used by workers. */
export function createRedis(options: RedisOptions = {}): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, ...options });
}

export function createStepQueue(connection: Redis, name = process.env.TRELLIS_QUEUE ?? DEFAULT_STEP_QUEUE): Queue<StepJob> {
  return new Queue<StepJob>(name, {
    connection,
    prefix: QUEUE_PREFIX,
    // Finished jobs are removed so a reconciler can re-add the same job id if ever needed;
    // Postgres keeps the history.
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  });
}

export interface ReadyStep extends StepJob {
  /** Earliest start (retry backoff); undefined = now. */
  notBefore?: Date | null;
}

/** Enqueue after the transaction that queued these steps has committed. */
export async function enqueueSteps(queue: Queue<StepJob>, steps: ReadyStep[]): Promise<void> {
  if (steps.length === 0) return;
  const now = Date.now();
  await queue.addBulk(
    steps.map((s) => ({
      name: "step",
      data: { stepId: s.stepId, runId: s.runId, attempt: s.attempt, ...(s.placement ? { placement: s.placement } : {}) },
      opts: { jobId: stepJobId(s.stepId, s.attempt), delay: s.notBefore ? Math.max(0, s.notBefore.getTime() - now) : 0 },
    })),
  );
}
