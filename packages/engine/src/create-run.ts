import { randomUUID } from "node:crypto";
import { Prisma } from "@trellis/db";
import { validateRunParams, type PipelineSpec } from "@trellis/spec";
import { TRACKING_LIMITS } from "@trellis/tracking";
import type { EngineContext } from "./context.js";
import { conflict, notFound, validationFailed } from "./errors.js";
import { applyEffects } from "./complete-step.js";
import { ensureExperiment } from "./experiments.js";
import { copyStepMetrics } from "./log-to-run.js";
import { refreshRunStatus } from "./transitions.js";
import { settleQueuedSteps } from "./cache.js";
import type { ReadyStep } from "./queue.js";
import { placementOf } from "./placement.js";
import { undefinedSecretIssues } from "./secrets/secrets.js";

export interface CreateRunInput {
  projectId: string;
  pipeline: string;
  version?: number;
  params?: unknown;
  /** Experiment name; default: the pipeline's name. Created on first use. */
  experiment?: string;
  name?: string;
  /** A second request with the same key returns the first request's run (double clicks, client retries). */
  idempotencyKey?: string;
  /** Run every step even when a cached result exists. */
  noCache?: boolean;
}

export interface CreatedRun {
  runId: string;
  /** false when the idempotency key matched an earlier run, which is returned instead. */
  created: boolean;
}

/** A succeeded step carried over by "retry failed steps": not run again, outputs copied. */
export interface ReusedStep {
  outputs: unknown;
  /** The resolved command and settings it ran with. */
  resolved: unknown;
  /** The run whose step actually ran (followed through earlier retries). */
  fromRunId: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Everything needed to insert a run; create, rerun and retry all end here. */
export interface RunPlan {
  projectId: string;
  pipelineId: string;
  versionId: string;
  spec: PipelineSpec;
  /** Already validated against the spec. */
  params: Record<string, unknown>;
  experimentId: number;
  name?: string;
  idempotencyKey?: string;
  origin?: { runId: string; kind: "rerun" | "retry" };
  /** Steps carried over from the origin run; their metric points are copied too. */
  reused?: Map<string, ReusedStep>;
  /** No step reuses a cached result (results are still recorded for later runs). */
  noCache?: boolean;
}

export function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw validationFailed("invalid idempotency key", [{ path: "idempotencyKey", message: "must be 1 to 200 characters" }]);
  }
}

export function checkRunName(name: string | undefined, path = "name"): void {
  if (name !== undefined && name.length > TRACKING_LIMITS.runNameLength) {
    throw validationFailed("run name is too long", [{ path, message: `at most ${TRACKING_LIMITS.runNameLength} characters` }]);
  }
}

export async function runByIdempotencyKey(ctx: EngineContext, projectId: string, key: string | undefined): Promise<string | null> {
  if (key === undefined) return null;
  const run = await ctx.db.run.findUnique({ where: { projectId_idempotencyKey: { projectId, idempotencyKey: key } }, select: { id: true } });
  return run?.id ?? null;
}

const jsonOrDbNull = (value: object | null) => (value === null ? Prisma.DbNull : (value as Prisma.InputJsonObject));

/** Starts a run of a pushed pipeline version (the latest unless `version` is given). */
export async function createRun(ctx: EngineContext, input: CreateRunInput): Promise<CreatedRun> {
  checkIdempotencyKey(input.idempotencyKey);
  checkRunName(input.name);
  const existing = await runByIdempotencyKey(ctx, input.projectId, input.idempotencyKey);
  if (existing) return { runId: existing, created: false };

  const pipeline = await ctx.db.pipeline.findUnique({
    where: { projectId_name: { projectId: input.projectId, name: input.pipeline } },
    select: { id: true, name: true, latestVersion: true },
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
  const experiment = await ensureExperiment(ctx.db, input.projectId, input.experiment ?? pipeline.name);
  return insertRun(ctx, {
    projectId: input.projectId,
    pipelineId: pipeline.id,
    versionId: version.id,
    spec,
    params: params.value,
    experimentId: experiment.id,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    ...(input.noCache ? { noCache: true } : {}),
  });
}

/**
 * Inserts a run and one step row per spec step in one transaction. Reused steps start
 * succeeded; a step whose upstream steps have all succeeded starts queued (attempt 1) and,
 * unless the cache completes it in the same transaction (settleQueuedSteps), is enqueued right
 * after commit; the rest wait as pending. If the process dies between commit and enqueue, the
 * reconciler re-adds jobs for queued steps.
 */
export async function insertRun(ctx: EngineContext, plan: RunPlan): Promise<CreatedRun> {
  const runId = randomUUID();
  const now = new Date();
  const reused = plan.reused ?? new Map<string, ReusedStep>();
  const dependents = new Map<string, string[]>();
  for (const s of Object.values(plan.spec.steps)) for (const up of s.needs) dependents.set(up, [...(dependents.get(up) ?? []), s.name]);
  const steps = Object.values(plan.spec.steps).map((s) => {
    const base = {
      id: randomUUID(),
      runId,
      name: s.name,
      template: s.name,
      needs: s.needs,
      dependents: dependents.get(s.name) ?? [],
      maxAttempts: s.retries.limit + 1,
      placement: jsonOrDbNull(placementOf(s)),
    };
    const carried = reused.get(s.name);
    if (carried) {
      return {
        ...base,
        status: "succeeded" as const,
        outputs: carried.outputs as Prisma.InputJsonValue,
        resolved: (carried.resolved ?? Prisma.DbNull) as Prisma.InputJsonValue,
        reusedFromRunId: carried.fromRunId,
        startedAt: carried.startedAt,
        finishedAt: carried.finishedAt,
      };
    }
    const ready = s.needs.every((up) => reused.has(up));
    return { ...base, status: ready ? ("queued" as const) : ("pending" as const), attempt: ready ? 1 : 0, queuedAt: ready ? now : null };
  });
  if (steps.every((s) => s.status === "succeeded")) throw conflict("every step would be reused: there is nothing to run");
  // Refused now rather than failing the step later; the worker still checks, as a secret can be deleted meanwhile.
  const secretIssues = await undefinedSecretIssues(ctx.db, plan.projectId, plan.spec, new Set(reused.keys()));
  if (secretIssues.length > 0) throw validationFailed("the pipeline uses secrets this project does not define", secretIssues);
  let ready: ReadyStep[] = [];
  try {
    ready = await ctx.db.$transaction(async (tx) => {
      await tx.run.create({
        data: {
          id: runId,
          projectId: plan.projectId,
          experimentId: plan.experimentId,
          pipelineId: plan.pipelineId,
          pipelineVersionId: plan.versionId,
          params: plan.params as Prisma.InputJsonObject,
          failFast: plan.spec.failFast,
          noCache: plan.noCache ?? false,
          createdAt: now,
          ...(plan.name !== undefined ? { name: plan.name } : {}),
          ...(plan.idempotencyKey !== undefined ? { idempotencyKey: plan.idempotencyKey } : {}),
          ...(plan.origin ? { originRunId: plan.origin.runId, origin: plan.origin.kind } : {}),
        },
      });
      await tx.step.createMany({ data: steps });
      if (plan.origin && reused.size > 0) await copyStepMetrics(tx, plan.origin.runId, runId, [...reused.keys()]);
      const upstream = Object.fromEntries([...reused].map(([name, r]) => [name, r.outputs as Record<string, unknown>]));
      const queued = steps
        .filter((s) => s.status === "queued")
        .map((s) => ({
          stepId: s.id,
          runId,
          attempt: 1,
          placement: placementOf(plan.spec.steps[s.template]!),
          template: s.template,
          dependents: s.dependents,
          upstream: Object.fromEntries(s.needs.map((n) => [n, upstream[n] ?? {}])),
        }));
      const mustRun = await settleQueuedSteps(tx, queued);
      // Cache hits may have finished the run already.
      if (mustRun.length < queued.length) await refreshRunStatus(tx, { id: runId, status: "queued", failFast: plan.spec.failFast, cancelRequestedAt: null });
      return mustRun;
    });
  } catch (err) {
    // Two requests with the same idempotency key raced: the other one's run stands.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002" && plan.idempotencyKey !== undefined) {
      const winner = await runByIdempotencyKey(ctx, plan.projectId, plan.idempotencyKey);
      if (winner) return { runId: winner, created: false };
    }
    throw err;
  }
  await applyEffects(ctx, { ready, cancelRunningStepIds: [] });
  return { runId, created: true };
}
