import { createHmac } from "node:crypto";
import { Worker, type Job } from "bullmq";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { PrismaClient } from "@trellis/db";
import { QUEUE_PREFIX, WEBHOOK_MAX_ATTEMPTS, enqueueDeliveries, webhookRetryDelayMs, type DueDelivery, type WebhookJob } from "@trellis/engine";

/** A delivery attempt that has had no answer for this long fails (and is retried). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Pending deliveries overdue by this much have lost their job: it is added again (same id, so never twice). */
const REQUEUE_AFTER_MS = 10_000;

/**
 * The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the
 * webhook's secret. Receivers recompute it and reject old timestamps (replays).
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Receivers that answer with a client error (other than timeout, conflict, too early or rate
 * limiting) will answer the same to a retry: a terminal failure.
 */
function retryableStatus(status: number): boolean {
  return status >= 500 || [408, 409, 425, 429].includes(status);
}

interface DeliveryRow {
  id: string;
  event: string;
  payload: unknown;
  attemptCount: number;
  url: string;
  secret: string;
  active: boolean;
}

export interface WebhookDeliveryHandle {
  close(): Promise<void>;
}

/**
 * Delivers webhook events: one job per attempt. An attempt is recorded in the delivery's log
 * (status code or error, duration) with a guarded update (still pending, same attempt count),
 * then either the delivery is done, or the next attempt is queued after the backoff, or it has
 * failed for good. A sweep re-adds jobs of pending deliveries that lost theirs.
 */
export function startWebhookDelivery(options: {
  db: PrismaClient;
  connection: Redis;
  queue: Queue<WebhookJob>;
  log: (message: string, fields?: Record<string, unknown>) => void;
  concurrency?: number;
}): WebhookDeliveryHandle {
  const { db, queue, log } = options;

  async function attempt(job: Job<WebhookJob>): Promise<void> {
    const { deliveryId, attempt: n } = job.data;
    const rows = await db.$queryRaw<DeliveryRow[]>`
      SELECT d.id, d.event, d.payload, d."attemptCount", w.url, w.secret, w.active FROM "WebhookDelivery" d JOIN "Webhook" w ON w.id = d."webhookId"
      WHERE d.id = ${deliveryId}::uuid AND d.status = 'pending' AND d."attemptCount" = ${n - 1}`;
    const row = rows[0];
    if (!row) return; // done, failed, or this attempt is stale
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!row.active) error = "the webhook is disabled";
    else {
      try {
        const response = await fetch(row.url, {
          method: "POST",
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          headers: {
            "content-type": "application/json",
            "user-agent": "Trellis-Webhooks/1",
            "x-trellis-event": row.event,
            "x-trellis-delivery": row.id,
            "x-trellis-signature": signWebhook(row.secret, timestamp, body),
          },
        });
        statusCode = response.status;
        await response.body?.cancel().catch(() => undefined);
        if (statusCode < 200 || statusCode >= 300) error = `the receiver answered ${statusCode}`;
      } catch (err) {
        error = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `could not connect: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      }
    }
    const entry = JSON.stringify([{ at: new Date(started).toISOString(), durationMs: Date.now() - started, statusCode, error }]);
    if (error === null) {
      await db.$executeRaw`
        UPDATE "WebhookDelivery" SET status = 'succeeded', "attemptCount" = ${n}, "deliveredAt" = now(), attempts = attempts || ${entry}::jsonb
        WHERE id = ${deliveryId}::uuid AND status = 'pending' AND "attemptCount" = ${n - 1}`;
      return;
    }
    const terminal = !row.active || (statusCode !== null && !retryableStatus(statusCode));
    if (terminal || n > WEBHOOK_MAX_ATTEMPTS) {
      await db.$executeRaw`
        UPDATE "WebhookDelivery" SET status = 'failed', "attemptCount" = ${n}, attempts = attempts || ${entry}::jsonb
        WHERE id = ${deliveryId}::uuid AND status = 'pending' AND "attemptCount" = ${n - 1}`;
      log("webhook delivery failed", { deliveryId, attempts: n, error, retryable: !terminal });
      return;
    }
    const next: DueDelivery[] = await db.$queryRaw`
      UPDATE "WebhookDelivery" SET "attemptCount" = ${n}, "nextAttemptAt" = now() + make_interval(secs => ${webhookRetryDelayMs(n + 1) / 1000}),
        attempts = attempts || ${entry}::jsonb
      WHERE id = ${deliveryId}::uuid AND status = 'pending' AND "attemptCount" = ${n - 1}
      RETURNING id, "attemptCount", "nextAttemptAt"`;
    await enqueueDeliveries(queue, next);
  }

  const worker = new Worker<WebhookJob>(queue.name, attempt, { connection: options.connection, prefix: QUEUE_PREFIX, concurrency: options.concurrency ?? 8 });
  worker.on("error", (err) => log("webhook queue error", { error: String(err) }));

  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    db.$queryRaw<DueDelivery[]>`
      SELECT id, "attemptCount", "nextAttemptAt" FROM "WebhookDelivery"
      WHERE status = 'pending' AND "nextAttemptAt" < now() - make_interval(secs => ${REQUEUE_AFTER_MS / 1000}) LIMIT 500`
      .then((due) => enqueueDeliveries(queue, due))
      .catch((err: unknown) => log("webhook sweep failed", { error: String(err) }))
      .finally(() => (sweeping = false));
  }, 5_000);

  return {
    async close() {
      clearInterval(sweep);
      await worker.close();
    },
  };
}
