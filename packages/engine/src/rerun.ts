import { validateRunParams, type PipelineSpec } from "@trellis/spec";
import type { EngineContext } from "./context.js";
import { checkIdempotencyKey, checkRunName, insertRun, runByIdempotencyKey, type CreatedRun, type ReusedStep } from "./create-run.js";
import { conflict, notFound, validationFailed } from "./errors.js";
import { isTerminalRunStatus } from "./run-status.js";

interface OriginRun {
  id: string;
  status: string;
  pipelineId: string;
  pipelineVersionId: string;
  experimentId: number;
  name: string | null;
  params: Record<string, unknown>;
  spec: PipelineSpec;
}

async function loadPipelineRun(ctx: EngineContext, projectId: string, runId: string, action: string): Promise<OriginRun> {
  const run = await ctx.db.run.findFirst({
    where: { id: runId, projectId },
    select: { id: true, status: true, pipelineId: true, pipelineVersionId: true, experimentId: true, name: true, params: true, pipelineVersion: { select: { spec: true } } },
  });
  if (!run) throw notFound(`run ${runId}`);
  if (!run.pipelineId || !run.pipelineVersionId || !run.pipelineVersion) {
    throw conflict(`run ${runId} was logged through the MLflow API, not run from a pipeline: there is nothing to ${action}`);
  }
  return {
    id: run.id,
    status: run.status,
    pipelineId: run.pipelineId,
    pipelineVersionId: run.pipelineVersionId,
    experimentId: run.experimentId,
    name: run.name,
    params: run.params as Record<string, unknown>,
    spec: run.pipelineVersion.spec as unknown as PipelineSpec,
  };
}

/** The origin's values of the params its pipeline declares (logged params are not inputs). */
export function pipelineParamsOf(spec: PipelineSpec, params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(spec.params).filter((k) => k in params).map((k) => [k, params[k]]));
}

export interface RerunInput {
  projectId: string;
  runId: string;
  /** Replaces the origin's params when given (validated against the same pipeline version). */
  params?: Record<string, unknown>;
  name?: string;
  idempotencyKey?: string;
  noCache?: boolean;
}

/** A new run of the same pipeline version in the same experiment, linked to its origin: every step runs again unless a cached result applies (noCache turns that off). */
export async function rerunRun(ctx: EngineContext, input: RerunInput): Promise<CreatedRun> {
  checkIdempotencyKey(input.idempotencyKey);
  checkRunName(input.name);
  const existing = await runByIdempotencyKey(ctx, input.projectId, input.idempotencyKey);
  if (existing) return { runId: existing, created: false };
  const origin = await loadPipelineRun(ctx, input.projectId, input.runId, "rerun");
  const params = validateRunParams(origin.spec, input.params ?? pipelineParamsOf(origin.spec, origin.params));
  if (!params.ok) throw validationFailed("invalid run parameters", params.issues);
  return insertRun(ctx, {
    projectId: input.projectId,
    pipelineId: origin.pipelineId,
    versionId: origin.pipelineVersionId,
    spec: origin.spec,
    params: params.value,
    experimentId: origin.experimentId,
    origin: { runId: origin.id, kind: "rerun" },
    ...(input.noCache ? { noCache: true } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
  });
}

export interface RetryInput {
  projectId: string;
  runId: string;
  idempotencyKey?: string;
}

/**
 * A new run that runs again only the failed, cancelled and skipped steps of a finished run;
 * its succeeded steps are reused (outputs and the metrics they logged copied, marked with the
 * run that produced them). It continues the origin: same params, logged ones included.
 * Succeeded steps are closed upstream (a step only succeeds after all its upstream steps
 * did), so every step that runs again finds its inputs among the reused ones.
 */
export async function retryFailedSteps(ctx: EngineContext, input: RetryInput): Promise<CreatedRun> {
  checkIdempotencyKey(input.idempotencyKey);
  const existing = await runByIdempotencyKey(ctx, input.projectId, input.idempotencyKey);
  if (existing) return { runId: existing, created: false };
  const origin = await loadPipelineRun(ctx, input.projectId, input.runId, "retry");
  if (!isTerminalRunStatus(origin.status)) throw conflict(`run ${origin.id} is still ${origin.status}; retry its failed steps once it has finished`);
  if (origin.status === "succeeded") throw conflict(`run ${origin.id} succeeded: it has no failed, cancelled or skipped steps to retry`);
  const steps = await ctx.db.step.findMany({
    where: { runId: origin.id, status: "succeeded" },
    select: { name: true, outputs: true, resolved: true, reusedFromRunId: true, startedAt: true, finishedAt: true },
  });
  const reused = new Map<string, ReusedStep>(
    steps.map((s) => [s.name, { outputs: s.outputs, resolved: s.resolved, fromRunId: s.reusedFromRunId ?? origin.id, startedAt: s.startedAt, finishedAt: s.finishedAt }]),
  );
  return insertRun(ctx, {
    projectId: input.projectId,
    pipelineId: origin.pipelineId,
    versionId: origin.pipelineVersionId,
    spec: origin.spec,
    params: origin.params,
    experimentId: origin.experimentId,
    origin: { runId: origin.id, kind: "retry" },
    reused,
    ...(origin.name !== null ? { name: origin.name } : {}),
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
  });
}
