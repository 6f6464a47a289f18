import type { EngineContext } from "./context.js";
import type { ResourceUsage } from "./placement.js";
import { applyEffects } from "./complete-step.js";
import { emptyEffects, refreshRunStatus, type LockedRun } from "./transitions.js";
import { QUEUED_STEP_COLUMNS, recordCacheEntries, settleQueuedSteps, type QueuedStep } from "./cache.js";

export interface SucceededStep {
  stepId: string;
  attempt: number;
  workerId: string;
  exitCode: number;
  outputs: Record<string, unknown>;
  /** The resolved command, for display. */
  command: string | null;
  /** What the attempt used and ran in, recorded on its StepAttempt row. */
  usage?: ResourceUsage | null;
  environmentDigest?: string | null;
}

/**
 * The hot path of the state machine: records many successful attempts in one transaction
 * (group commit). Under load a worker's finished steps are written together, so the cost per
 * step falls with concurrency; at low load a batch is a single step and adds no latency.
 * Same rules as completeStep for a success: guarded on (running, attempt, worker), then the
 * results become cache entries, dependents whose upstream steps all succeeded are queued (or
 * completed from the cache, see cache.ts), and finished runs get their status.
 * Runs are locked in id order, so concurrent batches cannot deadlock.
 * Returns the ids of the steps whose report was applied.
 */
export async function completeSucceededSteps(ctx: EngineContext, steps: SucceededStep[]): Promise<Set<string>> {
  if (steps.length === 0) return new Set();
  const effects = emptyEffects();
  const applied = await ctx.db.$transaction(async (tx) => {
    const ids = steps.map((s) => s.stepId);
    const runs = await tx.$queryRaw<(LockedRun & { projectId: string })[]>`
      SELECT r.id, r.status::text AS status, r."failFast", r."cancelRequestedAt", r."projectId" FROM "Run" r
      WHERE r.id IN (SELECT "runId" FROM "Step" WHERE id = ANY(${ids}::uuid[])) ORDER BY r.id FOR UPDATE`;
    const done = await tx.$queryRaw<{ id: string; runId: string; name: string; dependents: string[]; cacheKey: string | null }[]>`
      UPDATE "Step" s SET status = 'succeeded', "exitCode" = v.exit_code, outputs = v.outputs::jsonb, error = NULL, "failureKind" = NULL,
        "finishedAt" = now(), resolved = CASE WHEN v.command IS NULL THEN s.resolved ELSE jsonb_build_object('command', v.command) END
      FROM unnest(${ids}::uuid[], ${steps.map((s) => s.attempt)}::int[], ${steps.map((s) => s.workerId)}::text[],
                  ${steps.map((s) => s.exitCode)}::int[], ${steps.map((s) => JSON.stringify(s.outputs))}::text[],
                  ${steps.map((s) => s.command)}::text[])
        AS v(id, attempt, worker_id, exit_code, outputs, command)
      WHERE s.id = v.id AND s.status = 'running' AND s.attempt = v.attempt AND s."workerId" = v.worker_id
      RETURNING s.id, s."runId", s.name, s.dependents, s."cacheKey"`;
    if (done.length === 0) return new Set<string>();
    const doneIds = done.map((d) => d.id);
    const reported = new Map(steps.map((s) => [s.stepId, s]));
    const doneSteps = doneIds.map((id) => reported.get(id)!);
    await tx.$executeRaw`
      UPDATE "StepAttempt" a SET status = 'succeeded', "exitCode" = 0, error = NULL, "failureKind" = NULL, "finishedAt" = now(),
        usage = v.usage::jsonb, "environmentDigest" = v.environment
      FROM unnest(${doneIds}::uuid[], ${doneSteps.map((s) => s.attempt)}::int[], ${doneSteps.map((s) => (s.usage ? JSON.stringify(s.usage) : null))}::text[],
                  ${doneSteps.map((s) => s.environmentDigest ?? null)}::text[]) AS v(id, attempt, usage, environment)
      WHERE a."stepId" = v.id AND a.attempt = v.attempt`;

    const projectOf = new Map(runs.map((r) => [r.id, r.projectId]));
    const outputsOf = new Map(steps.map((s) => [s.stepId, s.outputs]));
    await recordCacheEntries(
      tx,
      done.map((d) => ({ runId: d.runId, projectId: projectOf.get(d.runId)!, name: d.name, cacheKey: d.cacheKey, outputs: outputsOf.get(d.id)! })),
    );

    const edges = done.flatMap((d) => d.dependents.map((name) => [d.runId, name] as const));
    if (edges.length > 0) {
      const queued = await tx.$queryRaw<QueuedStep[]>`
        UPDATE "Step" c SET status = 'queued', attempt = 1, "queuedAt" = now(), "notBefore" = NULL
        FROM (SELECT DISTINCT * FROM unnest(${edges.map((e) => e[0])}::uuid[], ${edges.map((e) => e[1])}::text[])) AS d(run_id, name)
        WHERE c."runId" = d.run_id AND c.name = d.name AND c.status = 'pending'
          AND NOT EXISTS (SELECT 1 FROM "Step" u WHERE u."runId" = c."runId" AND u.name = ANY(c.needs) AND u.status <> 'succeeded')
        RETURNING ${QUEUED_STEP_COLUMNS}`;
      effects.ready = await settleQueuedSteps(tx, queued);
    }

    // Runs that still have an active step keep their status; the others are finished now.
    const touched = [...new Set(done.map((d) => d.runId))];
    const active = await tx.$queryRaw<{ runId: string }[]>`
      SELECT DISTINCT "runId" FROM "Step" WHERE "runId" = ANY(${touched}::uuid[]) AND status IN ('pending', 'queued', 'running')`;
    const stillActive = new Set(active.map((a) => a.runId));
    for (const run of runs) {
      if (touched.includes(run.id) && (!stillActive.has(run.id) || run.status !== "running")) await refreshRunStatus(tx, run);
    }
    return new Set(doneIds);
  });
  if (applied.size > 0) await applyEffects(ctx, effects);
  return applied;
}

