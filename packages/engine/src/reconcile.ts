import type { EngineContext } from "./context.js";
import { completeStep } from "./complete-step.js";
import { enqueueSteps } from "./queue.js";
import type { Placement } from "./placement.js";
import { lockRun, refreshRunStatus } from "./transitions.js";

export interface ReconcileReport {
  lostSteps: number;
  requeuedSteps: number;
  finalizedRuns: number;
}

/**
 * Repairs what a crash can leave behind. Safe to run concurrently from every worker: each
 * repair is a guarded transition.
 * 1. Running steps whose worker stopped heartbeating fail with "worker lost" (retryable, so
 *    the retry policy applies).
 * 2. Queued steps that nobody claimed for a while get their job re-added (a no-op if it exists).
 * 3. Unfinished runs with no active step get their final status.
 * 4. Rows of workers silent for an hour, with no step left, are removed.
 */
export async function reconcile(ctx: EngineContext): Promise<ReconcileReport> {
  const leaseSeconds = ctx.config.workerLeaseMs / 1000;
  const lost = await ctx.db.$queryRaw<{ id: string; attempt: number; workerId: string | null }[]>`
    SELECT s.id, s.attempt, s."workerId" FROM "Step" s LEFT JOIN "Worker" w ON w.id = s."workerId"
    WHERE s.status = 'running' AND (w.id IS NULL OR w."lastSeenAt" < now() - make_interval(secs => ${leaseSeconds}))
    LIMIT 200`;
  let lostSteps = 0;
  // Each repair stands alone: one that fails (and is logged) must not hold up the others.
  const attempt = async (what: string, repair: () => Promise<void>) => {
    try {
      await repair();
    } catch (err) {
      ctx.log?.("reconcile: repair failed", { what, error: String(err) });
    }
  };
  for (const step of lost) {
    await attempt(`fail lost step ${step.id}`, async () => {
      const res = await completeStep(ctx, {
        stepId: step.id,
        attempt: step.attempt,
        ...(step.workerId ? { workerId: step.workerId } : {}),
        outcome: {
          status: "failed",
          exitCode: null,
          failureKind: "retryable",
          error: `worker lost: worker ${step.workerId ?? "(unknown)"} stopped responding while the step was running`,
        },
      });
      if (res.applied) lostSteps++;
    });
  }

  const staleSeconds = ctx.config.requeueAfterMs / 1000;
  const stale = await ctx.db.$queryRaw<{ id: string; runId: string; attempt: number; placement: Placement | null }[]>`
    SELECT id, "runId", attempt, placement FROM "Step"
    WHERE status = 'queued' AND "queuedAt" < now() - make_interval(secs => ${staleSeconds})
      AND ("notBefore" IS NULL OR "notBefore" < now() - make_interval(secs => ${staleSeconds}))
    LIMIT 1000`;
  await enqueueSteps(ctx.queue, stale.map((s) => ({ stepId: s.id, runId: s.runId, attempt: s.attempt, placement: s.placement })));

  const orphanRuns = await ctx.db.$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "Run" r WHERE r.status IN ('queued', 'running') AND r.source = 'pipeline'
      AND NOT EXISTS (SELECT 1 FROM "Step" s WHERE s."runId" = r.id AND s.status IN ('pending', 'queued', 'running'))
    LIMIT 200`;
  let finalizedRuns = 0;
  for (const { id } of orphanRuns) {
    await attempt(`finalize run ${id}`, () =>
      ctx.db.$transaction(async (tx) => {
        const run = await lockRun(tx, id);
        if (run && (await refreshRunStatus(tx, run)) !== run.status) finalizedRuns++;
      }),
    );
  }
  await ctx.db.$executeRaw`
    DELETE FROM "Worker" w WHERE w."lastSeenAt" < now() - interval '1 hour'
      AND NOT EXISTS (SELECT 1 FROM "Step" s WHERE s."workerId" = w.id AND s.status = 'running')`;
  return { lostSteps, requeuedSteps: stale.length, finalizedRuns };
}
