import type { PrismaClient } from "@trellis/db";
import type { LiveWorker, Placement, WorkerCapacity } from "./placement.js";

/** Worker liveness rows. Times come from the database clock so hosts' clocks never matter. */
export async function registerWorker(
  db: PrismaClient,
  worker: { id: string; hostname: string; pid: number; concurrency: number; capacity: WorkerCapacity },
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "Worker" (id, hostname, pid, concurrency, capacity, "startedAt", "lastSeenAt")
    VALUES (${worker.id}, ${worker.hostname}, ${worker.pid}, ${worker.concurrency}, ${JSON.stringify(worker.capacity)}::jsonb, now(), now())
    ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now(), capacity = EXCLUDED.capacity`;
}

export interface WorkerState extends LiveWorker {
  hostname: string;
  pid: number;
  startedAt: Date;
  lastSeenAt: Date;
  /** GPU devices given to its running steps. */
  gpusInUse: string[];
}

/**
 * Workers seen within the lease, with what their running steps hold (the sum of their steps'
 * placements and the GPU devices of their current attempts).
 */
export async function liveWorkers(db: PrismaClient, leaseMs: number): Promise<WorkerState[]> {
  const rows = await db.$queryRaw<
    { id: string; hostname: string; pid: number; concurrency: number; capacity: WorkerCapacity | null; startedAt: Date; lastSeenAt: Date; placements: (Placement | null)[] | null; gpus: string[] | null }[]
  >`
    SELECT w.id, w.hostname, w.pid, w.concurrency, w.capacity, w."startedAt", w."lastSeenAt",
      (SELECT array_agg(s.placement) FROM "Step" s WHERE s."workerId" = w.id AND s.status = 'running') AS placements,
      (SELECT array_agg(g) FROM "Step" s JOIN "StepAttempt" a ON a."stepId" = s.id AND a.attempt = s.attempt, unnest(a."gpuDevices") g
        WHERE s."workerId" = w.id AND s.status = 'running') AS gpus
    FROM "Worker" w WHERE w."lastSeenAt" > now() - make_interval(secs => ${leaseMs / 1000})
    ORDER BY w.hostname, w."startedAt"`;
  return rows.map((w) => {
    const placements = w.placements ?? [];
    return {
      id: w.id,
      hostname: w.hostname,
      pid: w.pid,
      startedAt: w.startedAt,
      lastSeenAt: w.lastSeenAt,
      concurrency: w.concurrency,
      // Workers registered before capacities existed ran shared steps only.
      capacity: w.capacity ?? { executors: ["shared"], cpu: 0, memoryBytes: 0, gpus: [] },
      running: placements.length,
      inUse: {
        cpu: placements.reduce((n, p) => n + (p?.cpu ?? 0), 0),
        memoryBytes: placements.reduce((n, p) => n + (p?.memoryBytes ?? 0), 0),
        gpus: placements.reduce((n, p) => n + (p?.gpu ?? 0), 0),
      },
      gpusInUse: w.gpus ?? [],
    };
  });
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
