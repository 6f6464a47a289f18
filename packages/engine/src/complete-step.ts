import { DEFAULT_RETRY_POLICY, formatBytes, formatDuration, retryDelayMs, scaledMemory, type RetryPolicy } from "@trellis/spec";
import type { Placement, ResourceUsage } from "./placement.js";
import type { EngineContext } from "./context.js";
import { enqueueSteps } from "./queue.js";
import { publishCancel } from "./signals.js";
import {
  cancelRemaining,
  closeDownstream,
  emptyEffects,
  lockRunOfStep,
  refreshRunStatus,
  type TransitionEffects,
  type Tx,
} from "./transitions.js";

export type FailureKindName = "retryable" | "terminal";

/** How an attempt that did not succeed ended. Successes go through completeSucceededSteps. */
export type UnsuccessfulOutcome =
  | {
      status: "failed";
      exitCode: number | null;
      error: string;
      failureKind: FailureKindName;
      /** Set when the kernel killed it for exceeding its memory limit: `retries.onOOM` may retry it with more memory. */
      oom?: { memoryLimitBytes: number };
    }
  | { status: "cancelled"; exitCode: number | null; error: string };

export type StepOutcome = { status: "succeeded"; exitCode: number; outputs: Record<string, unknown> } | UnsuccessfulOutcome;

export interface CompleteStepInput {
  stepId: string;
  attempt: number;
  /** When given, the transition only applies if this worker still owns the attempt. */
  workerId?: string;
  outcome: UnsuccessfulOutcome;
  /** What the attempt used and ran in, recorded on its StepAttempt row. */
  usage?: ResourceUsage | null;
  environmentDigest?: string | null;
}

export interface CompleteStepResult {
  applied: boolean;
  /** What happened to the step: its final status, or "retrying" when another attempt was queued. */
  result?: "failed" | "cancelled" | "retrying";
  runStatus?: string;
}

/**
 * Records the end of a running attempt that did not succeed, and advances the run:
 * - failed + retryable + attempts left (and the run not being cancelled): queue the next
 *   attempt after the retry policy's backoff;
 * - killed for memory with `retries.onOOM` below its cap: queue the next attempt at once with
 *   more memory (these retries are bounded by the cap, not by `retries.limit`);
 * - failed otherwise: skip everything downstream, or with failFast cancel the whole run;
 * - cancelled: cancel everything downstream.
 * Guarded on (status = running, attempt, worker): a late or duplicate report is ignored.
 */
export async function completeStep(ctx: EngineContext, input: CompleteStepInput): Promise<CompleteStepResult> {
  const { outcome } = input;
  const effects: TransitionEffects = emptyEffects();
  const result = await ctx.db.$transaction(async (tx) => {
    const locked = await lockRunOfStep(tx, input.stepId);
    if (!locked) return { applied: false } satisfies CompleteStepResult;
    const { run, step } = locked;
    const workerGuard = input.workerId ?? null;
    const now = new Date();

    // Decide the transition first, then apply it as one guarded update of the step.
    const oom = outcome.status === "failed" ? outcome.oom : undefined;
    const policy = oom || (outcome.status === "failed" && outcome.failureKind === "retryable") ? await retryPolicyOf(tx, input.stepId, step.template) : DEFAULT_RETRY_POLICY;
    const oomRetry = oom && run.cancelRequestedAt === null ? nextOomPlacement(policy, step.placement) : null;
    const retry =
      oomRetry !== null ||
      (outcome.status === "failed" && outcome.failureKind === "retryable" && input.attempt < step.maxAttempts && run.cancelRequestedAt === null);
    let stepResult: NonNullable<CompleteStepResult["result"]>;
    let applied: number;
    if (retry) {
      stepResult = "retrying";
      // More memory is the fix for an out-of-memory kill: no reason to wait.
      const delay = oomRetry ? 0 : retryDelayMs(policy, input.attempt);
      const notBefore = new Date(now.getTime() + delay);
      const placement = oomRetry ?? step.placement;
      const error = oomRetry
        ? `attempt ${input.attempt} ran out of memory (${outcome.error}); retrying with ${formatBytes(oomRetry.memoryBytes!)} memory`
        : `attempt ${input.attempt} failed (${outcome.error}); retrying in ${formatDuration(delay)}`;
      applied = await tx.$executeRaw`
        UPDATE "Step" SET status = 'queued', attempt = ${input.attempt + 1}, "exitCode" = ${outcome.exitCode}, error = ${error},
          "failureKind" = ${outcome.status === "failed" ? outcome.failureKind : null}::"FailureKind", "queuedAt" = ${now}, "notBefore" = ${notBefore},
          "finishedAt" = NULL, "workerId" = NULL, placement = ${placement ? JSON.stringify(placement) : null}::jsonb
        WHERE id = ${input.stepId}::uuid AND status = 'running' AND attempt = ${input.attempt}
          AND (${workerGuard}::text IS NULL OR "workerId" = ${workerGuard})`;
      if (applied) effects.ready = [{ stepId: input.stepId, runId: run.id, attempt: input.attempt + 1, notBefore, placement }];
    } else {
      stepResult = outcome.status;
      const exhausted =
        oom && policy.onOOM
          ? ` (already at the out-of-memory retry cap, retries.onOOM.maxMemory = ${formatBytes(policy.onOOM.maxMemoryBytes)})`
          : outcome.status === "failed" && outcome.failureKind === "retryable" && step.maxAttempts > 1
            ? ` (after ${input.attempt} attempts)`
            : "";
      applied = await tx.$executeRaw`
        UPDATE "Step" SET status = ${outcome.status}::"StepStatus", "exitCode" = ${outcome.exitCode}, error = ${outcome.error + exhausted},
          "failureKind" = ${outcome.status === "failed" ? outcome.failureKind : null}::"FailureKind", "finishedAt" = ${now}
        WHERE id = ${input.stepId}::uuid AND status = 'running' AND attempt = ${input.attempt}
          AND (${workerGuard}::text IS NULL OR "workerId" = ${workerGuard})`;
    }
    if (applied === 0) return { applied: false } satisfies CompleteStepResult;

    await tx.$executeRaw`
      UPDATE "StepAttempt" SET status = ${outcome.status}::"StepStatus", "exitCode" = ${outcome.exitCode},
        error = ${outcome.error},
        "failureKind" = ${outcome.status === "failed" ? outcome.failureKind : null}::"FailureKind", "finishedAt" = ${now},
        usage = COALESCE(${input.usage ? JSON.stringify(input.usage) : null}::jsonb, usage), "oomKilled" = ${oom !== undefined},
        "environmentDigest" = COALESCE(${input.environmentDigest ?? null}, "environmentDigest")
      WHERE "stepId" = ${input.stepId}::uuid AND attempt = ${input.attempt}`;

    if (stepResult === "failed") {
      if (run.failFast) {
        effects.cancelRunningStepIds = await cancelRemaining(tx, run.id, `cancelled: step "${step.name}" failed and the pipeline is failFast`, input.stepId);
      } else {
        await closeDownstream(tx, run.id, step.name, "skipped");
      }
    } else if (stepResult === "cancelled") {
      await closeDownstream(tx, run.id, step.name, "cancelled");
    }
    const runStatus = await refreshRunStatus(tx, run);
    return { applied: true, result: stepResult, runStatus } satisfies CompleteStepResult;
  });
  if (result.applied) await applyEffects(ctx, effects);
  return result;
}

/** The placement of the next attempt after an out-of-memory kill, or null when no retry applies (no policy, or at the cap). */
function nextOomPlacement(policy: RetryPolicy, placement: Placement | null): Placement | null {
  const onOOM = policy.onOOM ?? null;
  if (!onOOM || !placement || placement.memoryBytes === null) return null;
  const memoryBytes = scaledMemory(placement.memoryBytes, onOOM.memoryFactor, onOOM.maxMemoryBytes);
  return memoryBytes === null ? null : { ...placement, memoryBytes };
}

async function retryPolicyOf(tx: Tx, stepId: string, template: string): Promise<RetryPolicy> {
  const rows = await tx.$queryRaw<{ policy: RetryPolicy | null }[]>`
    SELECT v.spec -> 'steps' -> ${template} -> 'retries' AS policy
    FROM "Step" s JOIN "Run" r ON r.id = s."runId" JOIN "PipelineVersion" v ON v.id = r."pipelineVersionId"
    WHERE s.id = ${stepId}::uuid`;
  return rows[0]?.policy ?? DEFAULT_RETRY_POLICY;
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
