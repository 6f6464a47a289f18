import { randomUUID } from "node:crypto";
import { validateRunParams, type PipelineSpec } from "@trellis/spec";
import type { EngineContext } from "./context.js";
import { notFound, validationFailed } from "./errors.js";
import { applyEffects } from "./complete-step.js";
import type { ReadyStep } from "./queue.js";

export interface CreateRunInput {
  projectId: string;
  pipeline: string;
  version?: number;
  params?: unknown;
}

/**
 * Creates a run and one step row per spec step in one transaction; steps without upstream
 * steps start queued (attempt 1) and are enqueued right after commit. If the process dies
 * between commit and enqueue, the reconciler re-adds jobs for queued steps.
 */
export async function createRun(ctx: EngineContext, input: CreateRunInput): Promise<{ runId: string }> {
  const pipeline = await ctx.db.pipeline.findUnique({
    where: { projectId_name: { projectId: input.projectId, name: input.pipeline } },
    select: { id: true, latestVersion: true },
  });
  if (!pipeline) throw validationFailed(`pipeline "${input.pipeline}" does not exist`, [{ path: "pipeline", message: `unknown pipeline "${input.pipeline}"` }]);
  const versionNumber = input.version ?? pipeline.latestVersion;
  const version = await ctx.db.pipelineVersion.findUnique({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: versionNumber } },
    select: { id: true, spec: true },
  });
  if (!version) {
    if (input.version === undefined) throw notFound(`pipeline "${input.pipeline}" has no versions`);
    throw validationFailed(`pipeline "${input.pipeline}" has no version ${versionNumber}`, [
      { path: "version", message: `version ${versionNumber} does not exist (latest is ${pipeline.latestVersion})` },
    ]);
  }
  const spec = version.spec as unknown as PipelineSpec;
  const params = validateRunParams(spec, input.params ?? {});
  if (!params.ok) throw validationFailed("invalid run parameters", params.issues);

  const runId = randomUUID();
  const now = new Date();
  const dependents = new Map<string, string[]>();
  for (const s of Object.values(spec.steps)) for (const up of s.needs) dependents.set(up, [...(dependents.get(up) ?? []), s.name]);
  const steps = Object.values(spec.steps).map((s) => {
    const root = s.needs.length === 0;
    return {
      id: randomUUID(),
      runId,
      name: s.name,
      template: s.name,
      needs: s.needs,
      dependents: dependents.get(s.name) ?? [],
      status: root ? ("queued" as const) : ("pending" as const),
      attempt: root ? 1 : 0,
      maxAttempts: s.retries.limit + 1,
      queuedAt: root ? now : null,
    };
  });
  await ctx.db.$transaction([
    ctx.db.run.create({
      data: {
        id: runId,
        projectId: input.projectId,
        pipelineId: pipeline.id,
        pipelineVersionId: version.id,
        params: params.value as object,
        failFast: spec.failFast,
        createdAt: now,
      },
    }),
    ctx.db.step.createMany({ data: steps }),
  ]);
  const ready: ReadyStep[] = steps.filter((s) => s.status === "queued").map((s) => ({ stepId: s.id, runId, attempt: 1 }));
  await applyEffects(ctx, { ready, cancelRunningStepIds: [] });
  return { runId };
}
