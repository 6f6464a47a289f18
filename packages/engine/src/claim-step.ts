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

/**
 * Atomically takes attempt N of a queued step for a worker: queued -> running, records the
 * attempt and marks the run running, in one statement. Returns null when the step is not
 * (or no longer) queued at that attempt — the job is then stale and is dropped.
 */
export async function claimStep(ctx: Pick<EngineContext, "db">, input: { stepId: string; attempt: number; workerId: string }): Promise<ClaimedStep | null> {
  const rows = await ctx.db.$queryRaw<ClaimedStep[]>`
    WITH claimed AS (
      UPDATE "Step" SET status = 'running', "workerId" = ${input.workerId}, "startedAt" = now(), "finishedAt" = NULL,
        "exitCode" = NULL, "notBefore" = NULL
      WHERE id = ${input.stepId}::uuid AND status = 'queued' AND attempt = ${input.attempt}
      RETURNING id, "runId", name, template, needs, attempt, "maxAttempts"
    ), attempt_row AS (
      INSERT INTO "StepAttempt" (id, "stepId", attempt, status, "workerId", "startedAt")
      SELECT gen_random_uuid(), id, attempt, 'running', ${input.workerId}, now() FROM claimed
      ON CONFLICT ("stepId", attempt) DO NOTHING
    ), run_row AS (
      UPDATE "Run" SET status = 'running', "startedAt" = COALESCE("startedAt", now())
      WHERE id = (SELECT "runId" FROM claimed) AND status = 'queued'
    )
    SELECT id, "runId", name, template, needs, attempt, "maxAttempts" FROM claimed`;
  return rows[0] ?? null;
}
