import type { EngineContext } from "./context.js";

export interface ClaimedStep {
  id: string;
  runId: string;
  name: string;
  template: string;
  needs: string[];
  attempt: number;
  maxAttempts: number;
}

export interface ClaimRequest {
  stepId: string;
  attempt: number;
}

/**
 * Atomically takes attempts of queued steps for a worker, in one statement: queued -> running
 * (only if still queued at that attempt), records each attempt and marks their runs running.
 * Requests that are stale (the step is no longer queued at that attempt) claim nothing; their
 * jobs are dropped. Workers claim in batches when several jobs arrive together.
 */
export async function claimSteps(ctx: Pick<EngineContext, "db">, workerId: string, requests: ClaimRequest[]): Promise<Map<string, ClaimedStep>> {
  if (requests.length === 0) return new Map();
  const rows = await ctx.db.$queryRaw<ClaimedStep[]>`
    WITH claimed AS (
      UPDATE "Step" s SET status = 'running', "workerId" = ${workerId}, "startedAt" = now(), "finishedAt" = NULL,
        "exitCode" = NULL, "notBefore" = NULL
      FROM unnest(${requests.map((r) => r.stepId)}::uuid[], ${requests.map((r) => r.attempt)}::int[]) AS v(id, attempt)
      WHERE s.id = v.id AND s.status = 'queued' AND s.attempt = v.attempt
      RETURNING s.id, s."runId", s.name, s.template, s.needs, s.attempt, s."maxAttempts"
    ), attempt_rows AS (
      INSERT INTO "StepAttempt" (id, "stepId", attempt, status, "workerId", "startedAt")
      SELECT gen_random_uuid(), id, attempt, 'running', ${workerId}, now() FROM claimed
      ON CONFLICT ("stepId", attempt) DO NOTHING
    ), run_rows AS (
      UPDATE "Run" SET status = 'running', "startedAt" = COALESCE("startedAt", now())
      WHERE id IN (SELECT "runId" FROM claimed) AND status = 'queued'
    )
    SELECT id, "runId", name, template, needs, attempt, "maxAttempts" FROM claimed`;
  return new Map(rows.map((r) => [r.id, r]));
}
