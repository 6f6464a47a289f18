import type { PrismaClient } from "@trellis/db";

/** Worker liveness rows. Times come from the database clock so hosts' clocks never matter. */
export async function registerWorker(db: PrismaClient, worker: { id: string; hostname: string; pid: number; concurrency: number }): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "Worker" (id, hostname, pid, concurrency, "startedAt", "lastSeenAt")
    VALUES (${worker.id}, ${worker.hostname}, ${worker.pid}, ${worker.concurrency}, now(), now())
    ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now()`;
}

export async function heartbeatWorker(db: PrismaClient, workerId: string): Promise<void> {
  await db.$executeRaw`UPDATE "Worker" SET "lastSeenAt" = now() WHERE id = ${workerId}`;
}

export async function deregisterWorker(db: PrismaClient, workerId: string): Promise<void> {
  await db.worker.deleteMany({ where: { id: workerId } });
}

/** Ids of this worker's running steps whose run has been asked to cancel or whose step was cancelled. */
export async function cancelledStepsOf(db: PrismaClient, stepIds: string[]): Promise<string[]> {
  if (stepIds.length === 0) return [];
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT s.id FROM "Step" s JOIN "Run" r ON r.id = s."runId"
    WHERE s.id = ANY(${stepIds}::uuid[]) AND (r."cancelRequestedAt" IS NOT NULL OR s.status <> 'running')`;
  return rows.map((r) => r.id);
}
