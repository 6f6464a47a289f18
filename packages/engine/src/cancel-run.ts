import type { EngineContext } from "./context.js";
import { conflict, notFound } from "./errors.js";
import { isTerminalRunStatus } from "./run-status.js";
import { applyEffects } from "./complete-step.js";
import { cancelRemaining, emptyEffects, lockRun, refreshRunStatus } from "./transitions.js";

/**
 * Cancels a run: steps that have not started are cancelled at once; running steps are
 * signalled and their workers stop them (process group killed) and report "cancelled",
 * which finishes the run.
 */
export async function cancelRun(ctx: EngineContext, input: { projectId: string; runId: string }): Promise<{ status: string }> {
  const effects = emptyEffects();
  const status = await ctx.db.$transaction(async (tx) => {
    const owner = await tx.run.findFirst({ where: { id: input.runId, projectId: input.projectId }, select: { id: true } });
    if (!owner) throw notFound(`run "${input.runId}"`);
    const run = await lockRun(tx, input.runId);
    if (!run) throw notFound(`run "${input.runId}"`);
    if (isTerminalRunStatus(run.status)) throw conflict(`run is already ${run.status}; only queued or running runs can be cancelled`);
    if (run.cancelRequestedAt === null) {
      run.cancelRequestedAt = new Date();
      await tx.run.update({ where: { id: run.id }, data: { cancelRequestedAt: run.cancelRequestedAt } });
    }
    effects.cancelRunningStepIds = await cancelRemaining(tx, run.id, "cancelled by user");
    return refreshRunStatus(tx, run);
  });
  await applyEffects(ctx, effects);
  return { status };
}
