import type { PrismaClient } from "@trellis/db";
import { decodeSeries, downsampleSeries } from "@trellis/tracking";
import { notFound, validationFailed } from "@trellis/engine";
import { iso, isoOrNull } from "./iso.js";
import { inDagOrder } from "./artifacts.js";
import { metricSummariesOf, RUN_SELECT, type MetricSummaryView, type SearchedRun } from "./run-search.js";

/** JSON has no NaN or Infinity: such metric values are sent as null. */
export const finiteOrNull = (n: number | null) => (n !== null && Number.isFinite(n) ? n : null);

export function metricView(m: MetricSummaryView) {
  return { ...m, last: finiteOrNull(m.last), min: finiteOrNull(m.min), max: finiteOrNull(m.max) };
}

export function experimentRunView(run: SearchedRun) {
  return {
    id: run.id,
    name: run.name,
    experimentId: run.experimentId,
    source: run.source,
    status: run.status,
    pipeline: run.pipeline,
    version: run.version,
    params: run.params,
    tags: run.tags,
    note: run.note,
    createdAt: iso(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    durationMs: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    origin: run.originRunId && run.origin ? { runId: run.originRunId, kind: run.origin } : null,
    metrics: Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [k, metricView(m)])),
  };
}

export async function listExperiments(db: PrismaClient, projectId: string) {
  const rows = await db.$queryRaw<{ id: number; name: string; description: string; createdAt: Date; runCount: number; lastRunAt: Date | null }[]>`
    SELECT e.id, e.name, e.description, e."createdAt", count(r.id)::int AS "runCount", max(r."createdAt") AS "lastRunAt"
    FROM "Experiment" e LEFT JOIN "Run" r ON r."experimentId" = e.id
    WHERE e."projectId" = ${projectId}::uuid
    GROUP BY e.id ORDER BY max(r."createdAt") DESC NULLS LAST, e.name`;
  return { items: rows.map((e) => ({ ...e, createdAt: iso(e.createdAt), lastRunAt: isoOrNull(e.lastRunAt) })) };
}

/** 404 unless the project has the experiment; one indexed lookup (getExperiment also counts its runs). */
export async function requireExperiment(db: PrismaClient, projectId: string, id: number): Promise<void> {
  const found = await db.experiment.findFirst({ where: { id, projectId }, select: { id: true } });
  if (!found) throw notFound(`experiment ${id}`);
}

export async function getExperiment(db: PrismaClient, projectId: string, id: number) {
  const experiment = await db.experiment.findFirst({ where: { id, projectId } });
  if (!experiment) throw notFound(`experiment ${id}`);
  const runCount = await db.run.count({ where: { experimentId: id } });
  return {
    id: experiment.id,
    name: experiment.name,
    description: experiment.description,
    tags: experiment.tags as Record<string, string>,
    createdAt: iso(experiment.createdAt),
    runCount,
  };
}

/** The keys a column chooser offers: every param, metric and tag key used in the experiment. */
export async function experimentColumns(db: PrismaClient, projectId: string, id: number) {
  await requireExperiment(db, projectId, id);
  const [params, metrics, tags] = await Promise.all([
    db.$queryRaw<{ key: string }[]>`SELECT DISTINCT jsonb_object_keys(params) AS key FROM "Run" WHERE "experimentId" = ${id} ORDER BY 1`,
    db.$queryRaw<{ key: string }[]>`
      SELECT DISTINCT m.key FROM "MetricSummary" m JOIN "Run" r ON r.id = m."runId" WHERE r."experimentId" = ${id} AND m.count > 0 ORDER BY 1`,
    db.$queryRaw<{ key: string }[]>`SELECT DISTINCT jsonb_object_keys(tags) AS key FROM "Run" WHERE "experimentId" = ${id} ORDER BY 1`,
  ]);
  return { params: params.map((r) => r.key), metrics: metrics.map((r) => r.key), tags: tags.map((r) => r.key) };
}

/** Runs of a project by id, in the order asked; unknown ids are a 404 naming them. */
export async function compareRuns(db: PrismaClient, projectId: string, runIds: string[]) {
  const rows = await db.run.findMany({
    where: { id: { in: runIds }, projectId },
    select: {
      ...RUN_SELECT,
      originRunId: true,
      origin: true,
      pipeline: { select: { name: true } },
      pipelineVersion: { select: { version: true } },
      experiment: { select: { id: true, name: true } },
      steps: {
        orderBy: { name: "asc" },
        select: { name: true, needs: true, status: true, attempt: true, exitCode: true, startedAt: true, finishedAt: true, outputs: true, resolved: true, reusedFromRunId: true },
      },
    },
  });
  const missing = runIds.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length > 0) throw notFound(`run${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  const metrics = await metricSummariesOf(db, runIds);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const runs = runIds.map((id) => {
    const r = byId.get(id)!;
    return {
      ...experimentRunView({
        ...r,
        pipeline: r.pipeline?.name ?? null,
        version: r.pipelineVersion?.version ?? null,
        params: r.params as Record<string, unknown>,
        tags: r.tags as Record<string, string>,
        metrics: metrics.get(id) ?? {},
      }),
      experiment: r.experiment,
      steps: inDagOrder(r.steps).map((s) => ({
        name: s.name,
        status: s.status,
        attempt: s.attempt,
        exitCode: s.exitCode,
        durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
        command: ((s.resolved as { command?: string } | null)?.command ?? null) as string | null,
        outputs: s.outputs as Record<string, unknown>,
        reusedFromRunId: s.reusedFromRunId,
      })),
    };
  });
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return { runs, paramKeys, metricKeys };
}

/**
 * Downsampled histories for charts, read from each summary's bucket series (at most a few
 * hundred points per series however long the history), then merged down to `maxPoints`.
 */
export async function metricHistories(db: PrismaClient, projectId: string, runIds: string[], keys: string[], maxPoints: number, envelope: boolean) {
  const owned = await db.$queryRaw<{ id: string }[]>`SELECT id FROM "Run" WHERE id = ANY(${runIds}::uuid[]) AND "projectId" = ${projectId}::uuid`;
  if (owned.length !== new Set(runIds).size) {
    const missing = runIds.filter((id) => !owned.some((r) => r.id === id));
    throw notFound(`run${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  }
  if (keys.length === 0) throw validationFailed("no metric keys", [{ path: "query.keys", message: "name at least one metric key" }]);
  const rows = await db.$queryRaw<{ runId: string; key: string; count: number; bucketWidth: number; buckets: Uint8Array }[]>`
    SELECT "runId", key, count, "bucketWidth", buckets FROM "MetricSummary"
    WHERE "runId" = ANY(${runIds}::uuid[]) AND key = ANY(${keys}::text[]) AND count > 0`;
  return {
    series: rows.map((row) => {
      const d = downsampleSeries(decodeSeries(row.bucketWidth, row.buckets), maxPoints);
      const series = { runId: row.runId, key: row.key, count: row.count, steps: d.steps, values: d.values.map(finiteOrNull) };
      return envelope ? { ...series, min: d.min.map(finiteOrNull), max: d.max.map(finiteOrNull) } : series;
    }),
  };
}
