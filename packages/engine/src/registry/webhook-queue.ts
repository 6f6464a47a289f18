import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { DEFAULT_STEP_QUEUE, QUEUE_PREFIX } from "../queue.js";

/**
 * Queue contract for webhook deliveries: a job says "attempt N of delivery D is due". The
 * delivery row in Postgres (an outbox row written with its event) is the truth; the worker's
 * update is guarded on (pending, attemptCount = N - 1), so duplicate jobs are harmless.
 */
export interface WebhookJob {
  deliveryId: string;
  attempt: number;
}

/** Next to the step queue, so installations (and test suites) that share a Redis stay apart. */
export function webhookQueueName(stepQueueName = process.env.TRELLIS_QUEUE ?? DEFAULT_STEP_QUEUE): string {
  return `${stepQueueName}-webhooks`;
}

/** Retries after the first attempt; a delivery is tried at most this + 1 times. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

/**
 * Backoff before attempt `next` (2, 3, …): base × 2^(next-1), i.e. 2 s, 4 s, 8 s … capped at 5
 * minutes. The base (1 s) can be changed with TRELLIS_WEBHOOK_RETRY_BASE_MS.
 */
export function webhookRetryDelayMs(next: number, baseMs = Number(process.env.TRELLIS_WEBHOOK_RETRY_BASE_MS) || 1_000): number {
  return Math.min(300_000, baseMs * 2 ** (next - 1));
}

export function createWebhookQueue(connection: Redis, name = webhookQueueName()): Queue<WebhookJob> {
  return new Queue<WebhookJob>(name, { connection, prefix: QUEUE_PREFIX, defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 } });
}

export interface DueDelivery {
  id: string;
  /** Attempts made so far. */
  attemptCount: number;
  nextAttemptAt: Date;
}

/** Adds the jobs of deliveries (after the transaction that wrote them has committed). */
export async function enqueueDeliveries(queue: Queue<WebhookJob> | null | undefined, deliveries: DueDelivery[]): Promise<void> {
  if (!queue || deliveries.length === 0) return;
  const now = Date.now();
  await queue.addBulk(
    deliveries.map((d) => ({
      name: "deliver",
      data: { deliveryId: d.id, attempt: d.attemptCount + 1 },
      opts: { jobId: `${d.id}-a${d.attemptCount + 1}`, delay: Math.max(0, d.nextAttemptAt.getTime() - now) },
    })),
  );
}
