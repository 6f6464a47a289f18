import type { PrismaClient } from "@trellis/db";
import { explainRunSteps, notFound, validationFailed, type EngineConfig, type Placement, type RunStatusName } from "@trellis/engine";
import { executionOf, resourceSuggestions, usageOf, versionSpec, waitingReasons } from "./resources.js";
import { iso, isoOrNull } from "./iso.js";
import { metricSummariesOf } from "./run-search.js";
import { metricView } from "./experiments.js";
import { RunReason } from "../http/schemas.js";

/**
 * A step's "why did this run?" (explainRunSteps) as the API documents it; a shape this schema
 * does not know (an older or newer engine) reads as null rather than failing the whole response.
 */
export function runReasonOf(value: unknown) {
  if (value === null || value === undefined) return null;
  const parsed = RunReason.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Opaque keyset cursor over (createdAt desc, id desc): pages stay O(limit) at any depth. */
function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== "string") throw new Error();
    return { createdAt: date, id };
  } catch {
    throw validationFailed("invalid cursor", [{ path: "query.cursor", message: "not a cursor returned by this API" }]);
  }
}

const runSelect = {
  id: true,
  status: true,
  params: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  error: true,
  failFast: true,
  name: true,
  source: true,
  originRunId: true,
  origin: true,
  pipeline: { select: { name: true } },
  pipelineVersion: { select: { version: true } },
  experiment: { select: { id: true, name: true } },
} as const;

type RunRow = {
  id: string;
  status: RunStatusName;
  params: unknown;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  name: string | null;
  source: "pipeline" | "mlflow";
  originRunId: string | null;
  origin: "rerun" | "retry" | null;
  pipeline: { name: string } | null;
  pipelineVersion: { version: number } | null;
  experiment: { id: number; name: string };
};

function toSummary(run: RunRow, stepCounts: Record<string, number>) {
  return {
    id: run.id,
    name: run.name,
    source: run.source,
    pipeline: run.pipeline?.name ?? null,
    version: run.pipelineVersion?.version ?? null,
    experiment: run.experiment,
    origin: run.originRunId && run.origin ? { runId: run.originRunId, kind: run.origin } : null,
    status: run.status,
    params: run.params as Record<string, unknown>,
    createdAt: iso(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    error: run.error,
    stepCounts,
  };
}

async function stepCountsFor(db: PrismaClient, runIds: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>(runIds.map((id) => [id, {}]));
  if (runIds.length === 0) return counts;
  const grouped = await db.step.groupBy({ by: ["runId", "status"], where: { runId: { in: runIds } }, _count: { _all: true } });
  for (const g of grouped) counts.get(g.runId)![g.status] = g._count._all;
  return counts;
}

export async function listRuns(
  db: PrismaClient,
  input: { projectId: string; statuses: RunStatusName[]; pipeline?: string; limit: number; cursor?: string },
) {
  let pipelineId: string | undefined;
  if (input.pipeline) {
    const pipeline = await db.pipeline.findUnique({ where: { projectId_name: { projectId: input.projectId, name: input.pipeline } }, select: { id: true } });
    if (!pipeline) return { items: [], nextCursor: null };
    pipelineId = pipeline.id;
  }
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const rows = await db.run.findMany({
    where: {
      projectId: input.projectId,
      ...(input.statuses.length ? { status: { in: input.statuses } } : {}),
      ...(pipelineId ? { pipelineId } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: runSelect,
  });
  const page = rows.slice(0, input.limit);
  const counts = await stepCountsFor(db, page.map((r) => r.id));
  const last = page.at(-1);
  return {
    items: page.map((r) => toSummary(r, counts.get(r.id) ?? {})),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export async function getRunDetail(deps: { db: PrismaClient; config: Pick<EngineConfig, "workerLeaseMs"> }, projectId: string, runId: string) {
  const { db } = deps;
  const run = await db.run.findFirst({
    where: { id: runId, projectId },
    select: {
      ...runSelect,
      tags: true,
      note: true,
      noCache: true,
      pipelineId: true,
      pipelineVersionId: true,
      steps: {
        orderBy: { name: "asc" },
        select: {
          name: true,
          template: true,
          needs: true,
          status: true,
          attempt: true,
          maxAttempts: true,
          queuedAt: true,
          startedAt: true,
          finishedAt: true,
          exitCode: true,
          outputs: true,
          error: true,
          failureKind: true,
          resolved: true,
          reusedFromRunId: true,
          cacheKey: true,
          cachedFromRunId: true,
          cachedFromStep: true,
          notBefore: true,
          placement: true,
          attempts: { orderBy: { attempt: "asc" } },
        },
      },
    },
  });
  if (!run) throw notFound(`run "${runId}"`);
  const stepCounts: Record<string, number> = {};
  for (const s of run.steps) stepCounts[s.status] = (stepCounts[s.status] ?? 0) + 1;
  const steps = run.steps.map((s) => ({ ...s, placement: s.placement as Placement | null }));
  const [summaries, reasons, spec, waiting, suggestions] = await Promise.all([
    metricSummariesOf(db, [run.id]),
    explainRunSteps(db, run.id),
    run.pipelineVersionId ? versionSpec(db, run.pipelineVersionId) : null,
    waitingReasons(db, deps.config.workerLeaseMs, steps),
    run.pipelineId ? resourceSuggestions(db, run.pipelineId, [...new Set(steps.map((s) => s.template))]) : new Map(),
  ]);
  const metrics = summaries.get(run.id) ?? {};
  return {
    ...toSummary(run, stepCounts),
    failFast: run.failFast,
    noCache: run.noCache,
    tags: run.tags as Record<string, string>,
    note: run.note,
    metrics: Object.entries(metrics).map(([key, m]) => ({ key, ...metricView(m) })),
    steps: steps.map((s) => ({
      name: s.name,
      template: s.template,
      needs: s.needs,
      status: s.status,
      attempt: s.attempt,
      maxAttempts: s.maxAttempts,
      queuedAt: isoOrNull(s.queuedAt),
      startedAt: isoOrNull(s.startedAt),
      finishedAt: isoOrNull(s.finishedAt),
      exitCode: s.exitCode,
      outputs: s.outputs as Record<string, unknown>,
      error: s.error,
      failureKind: s.failureKind,
      reusedFromRunId: s.reusedFromRunId,
      command: ((s.resolved as { command?: string } | null)?.command ?? null) as string | null,
      attempts: s.attempts.map((a) => ({
        attempt: a.attempt,
        status: a.status,
        workerId: a.workerId,
        startedAt: iso(a.startedAt),
        finishedAt: isoOrNull(a.finishedAt),
        exitCode: a.exitCode,
        error: a.error,
        failureKind: a.failureKind,
        placement: a.placement as Placement | null,
        gpuDevices: a.gpuDevices,
        usage: usageOf(a.usage),
        oomKilled: a.oomKilled,
        environmentDigest: a.environmentDigest,
      })),
      cache: { key: s.cacheKey, hit: s.cachedFromRunId !== null, fromRunId: s.cachedFromRunId, fromStep: s.cachedFromStep },
      runReason: runReasonOf(reasons.get(s.name)),
      ...executionOf(spec, s.template),
      placement: s.placement,
      waiting: waiting.get(s.name) ?? null,
      suggestion: suggestions.get(s.template) ?? null,
    })),
  };
}
