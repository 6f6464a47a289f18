import type { EngineContext } from "./context.js";
import type { Placement } from "./placement.js";

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
  /** What the worker reserved for it (the job's placement) and the GPU devices it assigned; recorded on the attempt. */
  placement?: Placement | null;
  gpuDevices?: string[];
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
    WITH requested AS (
      SELECT * FROM unnest(${requests.map((r) => r.stepId)}::uuid[], ${requests.map((r) => r.attempt)}::int[],
        ${requests.map((r) => (r.placement ? JSON.stringify(r.placement) : null))}::text[], ${requests.map((r) => JSON.stringify(r.gpuDevices ?? []))}::text[])
        AS v(id, attempt, placement, gpus)
    ), claimed AS (
      UPDATE "Step" s SET status = 'running', "workerId" = ${workerId}, "startedAt" = now(), "finishedAt" = NULL,
        "exitCode" = NULL, "notBefore" = NULL
      FROM requested v
      WHERE s.id = v.id AND s.status = 'queued' AND s.attempt = v.attempt
      RETURNING s.id, s."runId", s.name, s.template, s.needs, s.attempt, s."maxAttempts"
    ), attempt_rows AS (
      INSERT INTO "StepAttempt" (id, "stepId", attempt, status, "workerId", "startedAt", placement, "gpuDevices")
      SELECT gen_random_uuid(), c.id, c.attempt, 'running', ${workerId}, now(), v.placement::jsonb,
        ARRAY(SELECT jsonb_array_elements_text(v.gpus::jsonb))
      FROM claimed c JOIN requested v ON v.id = c.id
      ON CONFLICT ("stepId", attempt) DO NOTHING
    ), run_rows AS (
      UPDATE "Run" SET status = 'running', "startedAt" = COALESCE("startedAt", now())
      WHERE id IN (SELECT "runId" FROM claimed) AND status = 'queued'
    )
    SELECT id, "runId", name, template, needs, attempt, "maxAttempts" FROM claimed`;
  return new Map(rows.map((r) => [r.id, r]));
}
