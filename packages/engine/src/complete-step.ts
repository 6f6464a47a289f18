import { retryDelayMs, type PipelineSpec } from "@trellis/spec";
import type { EngineContext } from "./context.js";
import { enqueueSteps } from "./queue.js";
import { publishCancel } from "./signals.js";
import {
  cancelRemaining,
  closeDownstream,
  dependentsOf,
  emptyEffects,
  lockRun,
  queueReadySteps,
  refreshRunStatus,
  type TransitionEffects,
} from "./transitions.js";

export type FailureKindName = "retryable" | "terminal";

export type StepOutcome =
  | { status: "succeeded"; exitCode: number; outputs: Record<string, unknown> }
  | { status: "failed"; exitCode: number | null; error: string; failureKind: FailureKindName }
  | { status: "cancelled"; exitCode: number | null; error: string };

export interface CompleteStepInput {
  stepId: string;
  attempt: number;
  /** When given, the transition only applies if this worker still owns the attempt. */
  workerId?: string;
  outcome: StepOutcome;
}

export interface CompleteStepResult {
  applied: boolean;
  /** What happened to the step: its final status, or "retrying" when another attempt was queued. */
  result?: "succeeded" | "failed" | "cancelled" | "retrying";
  runStatus?: string;
}

/**
 * Records the end of a running attempt and advances the run:
 * - succeeded: queue dependents whose upstream steps all succeeded;
 * - failed + retryable + attempts left (and the run not being cancelled): queue the next
 *   attempt after the retry policy's backoff;
 * - failed otherwise: skip everything downstream, or with failFast cancel the whole run;
 * - cancelled: cancel everything downstream.
 * Guarded on (status = running, attempt, worker): a late or duplicate report is ignored.
 */
export async function completeStep(ctx: EngineContext, input: CompleteStepInput): Promise<CompleteStepResult> {
  const { outcome } = input;
  const effects: TransitionEffects = emptyEffects();
  const result = await ctx.db.$transaction(async (tx) => {
    const stepRow = await tx.step.findUnique({
      where: { id: input.stepId },
      select: { runId: true, name: true, maxAttempts: true, run: { select: { pipelineVersion: { select: { spec: true } } } } },
    });
    if (!stepRow) return { applied: false } satisfies CompleteStepResult;
    const run = await lockRun(tx, stepRow.runId);
    if (!run) return { applied: false } satisfies CompleteStepResult;

    const owned = await tx.step.updateMany({
      where: { id: input.stepId, status: "running", attempt: input.attempt, ...(input.workerId ? { workerId: input.workerId } : {}) },
      data: { finishedAt: new Date() },
    });
    if (owned.count === 0) return { applied: false } satisfies CompleteStepResult;

    await tx.stepAttempt.updateMany({
      where: { stepId: input.stepId, attempt: input.attempt },
      data: {
        status: outcome.status,
        exitCode: outcome.exitCode,
        error: outcome.status === "succeeded" ? null : outcome.error,
        failureKind: outcome.status === "failed" ? outcome.failureKind : null,
        finishedAt: new Date(),
      },
    });

    let stepResult: CompleteStepResult["result"];
    if (outcome.status === "succeeded") {
      await tx.step.update({
        where: { id: input.stepId },
        data: { status: "succeeded", exitCode: outcome.exitCode, outputs: outcome.outputs as object, error: null, failureKind: null },
      });
      effects.ready = await queueReadySteps(tx, run.id, await dependentsOf(tx, run.id, stepRow.name));
      stepResult = "succeeded";
    } else if (
      outcome.status === "failed" &&
      outcome.failureKind === "retryable" &&
      input.attempt < stepRow.maxAttempts &&
      run.cancelRequestedAt === null
    ) {
      const spec = stepRow.run.pipelineVersion.spec as unknown as PipelineSpec;
      const policy = spec.steps[stepRow.name]?.retries;
      const delay = policy ? retryDelayMs(policy, input.attempt) : 1000;
      const notBefore = new Date(Date.now() + delay);
      await tx.step.update({
        where: { id: input.stepId },
        data: {
          status: "queued",
          attempt: input.attempt + 1,
          exitCode: outcome.exitCode,
          error: `attempt ${input.attempt} failed (${outcome.error}); retrying in ${Math.round(delay / 100) / 10}s`,
          failureKind: outcome.failureKind,
          queuedAt: new Date(),
          notBefore,
          finishedAt: null,
          workerId: null,
        },
      });
      effects.ready = [{ stepId: input.stepId, runId: run.id, attempt: input.attempt + 1, notBefore }];
      stepResult = "retrying";
    } else if (outcome.status === "failed") {
      const exhausted = outcome.failureKind === "retryable" && stepRow.maxAttempts > 1 ? ` (after ${input.attempt} attempts)` : "";
      await tx.step.update({
        where: { id: input.stepId },
        data: { status: "failed", exitCode: outcome.exitCode, error: outcome.error + exhausted, failureKind: outcome.failureKind },
      });
      if (run.failFast) {
        effects.cancelRunningStepIds = await cancelRemaining(tx, run.id, `cancelled: step "${stepRow.name}" failed and the pipeline is failFast`, input.stepId);
      } else {
        await closeDownstream(tx, run.id, stepRow.name, "skipped");
      }
      stepResult = "failed";
    } else {
      await tx.step.update({
        where: { id: input.stepId },
        data: { status: "cancelled", exitCode: outcome.exitCode, error: outcome.error, failureKind: null },
      });
      await closeDownstream(tx, run.id, stepRow.name, "cancelled");
      stepResult = "cancelled";
    }
    const runStatus = await refreshRunStatus(tx, run);
    return { applied: true, result: stepResult, runStatus } satisfies CompleteStepResult;
  });
  if (result.applied) await applyEffects(ctx, effects);
  return result;
}

/** Post-commit side effects. A failure here is recovered by the reconciler (queued steps are re-added). */
export async function applyEffects(ctx: EngineContext, effects: TransitionEffects): Promise<void> {
  try {
    await enqueueSteps(ctx.queue, effects.ready);
  } catch (err) {
    ctx.log?.("enqueue failed; the reconciler will re-add the jobs", { error: String(err) });
  }
  try {
    await publishCancel(ctx.redis, effects.cancelRunningStepIds);
  } catch (err) {
    ctx.log?.("cancel signal failed; workers will see the cancellation on their next poll", { error: String(err) });
  }
}
