import type { PrismaClient } from "@trellis/db";
import { notFound } from "@trellis/engine";
import { parsePipelineSpec } from "@trellis/spec";
import { iso } from "./iso.js";

async function lastRuns(db: PrismaClient, pipelineIds: string[]) {
  if (pipelineIds.length === 0) return new Map<string, { id: string; status: string; createdAt: string }>();
  // One index probe per pipeline on Run(projectId, pipelineId, createdAt desc, id desc).
  const rows = await db.$queryRaw<{ pipelineId: string; id: string; status: string; createdAt: Date }[]>`
    SELECT p.id AS "pipelineId", r.id, r.status::text AS status, r."createdAt"
    FROM "Pipeline" p CROSS JOIN LATERAL (
      SELECT id, status, "createdAt" FROM "Run"
      WHERE "projectId" = p."projectId" AND "pipelineId" = p.id
      ORDER BY "createdAt" DESC, id DESC LIMIT 1) r
    WHERE p.id = ANY(${pipelineIds}::uuid[])`;
  return new Map(rows.map((r) => [r.pipelineId, { id: r.id, status: r.status, createdAt: iso(r.createdAt) }]));
}

type PipelineRow = { id: string; name: string; description: string; latestVersion: number; createdAt: Date; updatedAt: Date };

function toSummary(p: PipelineRow, last: Map<string, { id: string; status: string; createdAt: string }>) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    latestVersion: p.latestVersion,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    lastRun: (last.get(p.id) ?? null) as { id: string; status: "queued" | "running" | "succeeded" | "failed" | "cancelled"; createdAt: string } | null,
  };
}

export async function listPipelines(db: PrismaClient, projectId: string) {
  const rows = await db.pipeline.findMany({ where: { projectId }, orderBy: { name: "asc" } });
  const last = await lastRuns(db, rows.map((r) => r.id));
  return { items: rows.map((r) => toSummary(r, last)) };
}

export async function pipelineSummary(db: PrismaClient, pipelineId: string) {
  const row = await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId } });
  return toSummary(row, await lastRuns(db, [row.id]));
}

async function pipelineByName(db: PrismaClient, projectId: string, name: string) {
  const pipeline = await db.pipeline.findUnique({ where: { projectId_name: { projectId, name } } });
  if (!pipeline) throw notFound(`pipeline "${name}"`);
  return pipeline;
}

const versionSummarySelect = { version: true, createdAt: true, contentDigest: true, codeDigest: true } as const;

export async function getPipeline(db: PrismaClient, projectId: string, name: string) {
  const pipeline = await pipelineByName(db, projectId, name);
  const versions = await db.pipelineVersion.findMany({ where: { pipelineId: pipeline.id }, orderBy: { version: "desc" }, select: versionSummarySelect });
  return {
    pipeline: toSummary(pipeline, await lastRuns(db, [pipeline.id])),
    versions: versions.map((v) => ({ ...v, createdAt: iso(v.createdAt) })),
  };
}

export async function getVersionSummary(db: PrismaClient, pipelineId: string, version: number) {
  const v = await db.pipelineVersion.findUniqueOrThrow({ where: { pipelineId_version: { pipelineId, version } }, select: versionSummarySelect });
  return { ...v, createdAt: iso(v.createdAt) };
}

export async function getVersion(db: PrismaClient, projectId: string, name: string, version: number) {
  const pipeline = await pipelineByName(db, projectId, name);
  const v = await db.pipelineVersion.findUnique({
    where: { pipelineId_version: { pipelineId: pipeline.id, version } },
    select: { ...versionSummarySelect, specText: true, spec: true },
  });
  if (!v) throw notFound(`version ${version} of pipeline "${name}"`);
  // The stored jsonb copy does not keep key order; the spec text does, and the UI shows params
  // and steps in the order the author wrote them.
  const parsed = parsePipelineSpec(v.specText);
  const spec = (parsed.ok ? parsed.value : v.spec) as Record<string, unknown>;
  return { ...v, createdAt: iso(v.createdAt), spec };
}
