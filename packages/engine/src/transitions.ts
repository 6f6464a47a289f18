import { Prisma } from "@trellis/db";
import { downstreamOf } from "@trellis/spec";
import { deriveRunStatus, isTerminalRunStatus, type StepCounts, type StepStatusName } from "./run-status.js";
import type { ReadyStep } from "./queue.js";
import type { Placement } from "./placement.js";

/**
 * Building blocks of the run state machine. Each runs inside a transaction that has locked
 * the run row (lockRun), so transitions of one run are serialised and every decision is made
 * on committed state. Callers enqueue `ready` steps and publish cancellations only after commit.
 */
export type Tx = Prisma.TransactionClient;

export interface LockedRun {
  id: string;
  status: string;
  failFast: boolean;
  cancelRequestedAt: Date | null;
}

export interface TransitionEffects {
  ready: ReadyStep[];
  cancelRunningStepIds: string[];
}

export function emptyEffects(): TransitionEffects {
  return { ready: [], cancelRunningStepIds: [] };
}

export async function lockRun(tx: Tx, runId: string): Promise<LockedRun | null> {
  const rows = await tx.$queryRaw<LockedRun[]>`
    SELECT id, status::text AS status, "failFast", "cancelRequestedAt" FROM "Run" WHERE id = ${runId}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/** Locks the run that owns a step; also returns what a transition needs to know about the step. */
export interface LockedStep {
  name: string;
  template: string;
  maxAttempts: number;
  placement: Placement | null;
}

export async function lockRunOfStep(tx: Tx, stepId: string): Promise<{ run: LockedRun; step: LockedStep } | null> {
  const rows = await tx.$queryRaw<(LockedRun & { stepName: string; template: string; maxAttempts: number; placement: Placement | null })[]>`
    SELECT r.id, r.status::text AS status, r."failFast", r."cancelRequestedAt", s.name AS "stepName", s.template, s."maxAttempts", s.placement
    FROM "Step" s JOIN "Run" r ON r.id = s."runId" WHERE s.id = ${stepId}::uuid FOR UPDATE OF r`;
  const row = rows[0];
  if (!row) return null;
  const { stepName, template, maxAttempts, placement, ...run } = row;
  return { run, step: { name: stepName, template, maxAttempts, placement } };
}

/** Marks every not-yet-started step downstream of `stepName` with `status` (skipped or cancelled). */
export async function closeDownstream(tx: Tx, runId: string, stepName: string, status: "skipped" | "cancelled"): Promise<void> {
  const steps = await tx.$queryRaw<{ name: string; needs: string[] }[]>`
    SELECT name, needs FROM "Step" WHERE "runId" = ${runId}::uuid`;
  const graph = Object.fromEntries(steps.map((s) => [s.name, { needs: s.needs }]));
  const downstream = downstreamOf(graph, stepName);
  if (downstream.length === 0) return;
  const reason = status === "skipped" ? `skipped: upstream step "${stepName}" failed` : `cancelled: upstream step "${stepName}" was cancelled`;
  await tx.$executeRaw`
    UPDATE "Step" SET status = ${status}::"StepStatus", error = ${reason}, "finishedAt" = now()
    WHERE "runId" = ${runId}::uuid AND name = ANY(${downstream}::text[]) AND status IN ('pending', 'queued')`;
}

/** Cancels every step of the run that has not started; returns the running ones to signal. */
export async function cancelRemaining(tx: Tx, runId: string, reason: string, exceptStepId?: string): Promise<string[]> {
  await tx.$executeRaw`
    UPDATE "Step" SET status = 'cancelled', error = ${reason}, "finishedAt" = now()
    WHERE "runId" = ${runId}::uuid AND status IN ('pending', 'queued')`;
  const running = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Step" WHERE "runId" = ${runId}::uuid AND status = 'running'`;
  return running.map((r) => r.id).filter((id) => id !== exceptStepId);
}

/** Recomputes the run status from its steps and writes it if it changed (never leaves a terminal state). */
export async function refreshRunStatus(tx: Tx, run: LockedRun): Promise<string> {
  if (isTerminalRunStatus(run.status)) return run.status;
  if (run.status === "running") {
    // Common case while a run is in progress: nothing changes as long as a step is active.
    const active = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Step" WHERE "runId" = ${run.id}::uuid AND status IN ('pending', 'queued', 'running') LIMIT 1`;
    if (active.length > 0) return run.status;
  }
  const rows = await tx.$queryRaw<{ status: StepStatusName; n: number }[]>`
    SELECT status::text AS status, count(*)::int AS n FROM "Step" WHERE "runId" = ${run.id}::uuid GROUP BY status`;
  const counts: StepCounts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const next = deriveRunStatus(counts, run.cancelRequestedAt !== null);
  if (next === run.status) return next;
  if (isTerminalRunStatus(next)) {
    const firstFailure = await tx.$queryRaw<{ name: string; error: string | null }[]>`
      SELECT name, error FROM "Step" WHERE "runId" = ${run.id}::uuid AND status = 'failed' ORDER BY "finishedAt" ASC LIMIT 1`;
    const error =
      next === "failed" && firstFailure[0] ? `step "${firstFailure[0].name}" failed: ${firstFailure[0].error ?? "unknown error"}` : next === "cancelled" && run.cancelRequestedAt ? "cancelled by user" : null;
    await tx.$executeRaw`
      UPDATE "Run" SET status = ${next}::"RunStatus", "finishedAt" = now(), error = ${error}, "startedAt" = COALESCE("startedAt", now())
      WHERE id = ${run.id}::uuid AND status = ${run.status}::"RunStatus"`;
  } else {
    await tx.$executeRaw`
      UPDATE "Run" SET status = ${next}::"RunStatus", "startedAt" = COALESCE("startedAt", now())
      WHERE id = ${run.id}::uuid AND status = ${run.status}::"RunStatus"`;
  }
  return next;
}
