import { readManifest, type ArtifactStore } from "@trellis/artifacts";
import type { PrismaClient } from "@trellis/db";
import { notFound } from "@trellis/engine";
import { isArtifactRef, topologicalOrder, type ArtifactRef } from "@trellis/spec";
import { iso } from "./iso.js";

/** Read models of artifacts: a run's artifacts, one artifact's details, and the project check they share. */

export interface ArtifactRow {
  id: string;
  digest: string;
  kind: string;
  size: bigint;
  fileCount: number;
  storageKey: string;
  createdAt: Date;
}

export const artifactRowSelect = { id: true, digest: true, kind: true, size: true, fileCount: true, storageKey: true, createdAt: true } as const;

export function artifactInfo(a: ArtifactRow) {
  return {
    id: a.id,
    digest: a.digest,
    kind: a.kind === "directory" ? ("directory" as const) : ("file" as const),
    size: Number(a.size),
    fileCount: a.fileCount,
    createdAt: iso(a.createdAt),
  };
}

export type Metadata = Record<string, unknown>;
export const metadataOf = (value: unknown): Metadata => (value && typeof value === "object" && !Array.isArray(value) ? (value as Metadata) : {});

/**
 * An artifact as seen from a project: one that a run of the project produced or consumed, or
 * that one of its cache entries keeps. Artifacts are content-addressed and shared across
 * projects, so an id alone must not reveal another project's content.
 */
export async function findArtifact(db: PrismaClient, projectId: string, artifactId: string): Promise<ArtifactRow> {
  const rows = await db.$queryRaw<ArtifactRow[]>`
    SELECT a.id, a.digest, a.kind, a.size, a."fileCount", a."storageKey", a."createdAt" FROM "Artifact" a
    WHERE a.id = ${artifactId}::uuid AND (
      EXISTS (SELECT 1 FROM "ArtifactLink" l JOIN "Run" r ON r.id = l."runId" WHERE l."artifactId" = a.id AND r."projectId" = ${projectId}::uuid)
      OR EXISTS (SELECT 1 FROM "CacheEntry" c WHERE c."projectId" = ${projectId}::uuid AND a.id = ANY(c."artifactIds"))
      OR EXISTS (SELECT 1 FROM "ModelVersion" v JOIN "RegisteredModel" m ON m.id = v."modelId" WHERE v."artifactId" = a.id AND m."projectId" = ${projectId}::uuid)
    )`;
  const row = rows[0];
  if (!row) throw notFound(`artifact ${artifactId}`);
  return row;
}

/** The output link that describes an artifact best from a project: its latest producer there, else any. */
export async function describingLink(db: PrismaClient, projectId: string, artifactId: string) {
  return (
    (await db.artifactLink.findFirst({
      where: { artifactId, direction: "output", step: { run: { projectId } } },
      orderBy: { createdAt: "desc" },
      select: { name: true, type: true, metadata: true },
    })) ??
    (await db.artifactLink.findFirst({ where: { artifactId }, orderBy: { createdAt: "desc" }, select: { name: true, type: true, metadata: true } }))
  );
}

interface StepRow {
  id: string;
  name: string;
  needs: string[];
  outputs: unknown;
  cachedFromRunId: string | null;
  cachedFromStep: string | null;
  reusedFromRunId: string | null;
  cacheKeyParts: unknown;
}

export interface StepRef {
  runId: string;
  stepName: string;
}

/** Steps in dependency order (upstream first), ties by name. */
export function inDagOrder<T extends { name: string; needs: string[] }>(steps: T[]): T[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  try {
    return topologicalOrder(Object.fromEntries(steps.map((s) => [s.name, { needs: s.needs.filter((n) => byName.has(n)) }]))).map((n) => byName.get(n)!);
  } catch {
    return [...steps].sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

/**
 * Who actually produced each step's outputs: the step itself when it ran; the cache entry's
 * source on a cache hit; on a reused step ("retry failed steps") the origin's step, or where
 * that one's cached result came from.
 */
export async function producersOf(db: PrismaClient, runId: string, steps: StepRow[]): Promise<Map<string, StepRef>> {
  const producers = new Map<string, StepRef>();
  const reused = steps.filter((s) => !s.cachedFromRunId && s.reusedFromRunId);
  const origins = reused.length
    ? await db.step.findMany({
        where: { OR: reused.map((s) => ({ runId: s.reusedFromRunId!, name: s.name })) },
        select: { runId: true, name: true, cachedFromRunId: true, cachedFromStep: true },
      })
    : [];
  const originOf = new Map(origins.map((o) => [`${o.runId}\0${o.name}`, o]));
  for (const s of steps) {
    if (s.cachedFromRunId) producers.set(s.name, { runId: s.cachedFromRunId, stepName: s.cachedFromStep ?? s.name });
    else if (s.reusedFromRunId) {
      const origin = originOf.get(`${s.reusedFromRunId}\0${s.name}`);
      producers.set(
        s.name,
        origin?.cachedFromRunId ? { runId: origin.cachedFromRunId, stepName: origin.cachedFromStep ?? s.name } : { runId: s.reusedFromRunId, stepName: s.name },
      );
    } else producers.set(s.name, { runId, stepName: s.name });
  }
  return producers;
}

export const artifactRefsOf = (outputs: unknown): [string, ArtifactRef][] =>
  Object.entries(metadataOf(outputs)).filter((e): e is [string, ArtifactRef] => isArtifactRef(e[1]));

/**
 * The `S.X` references a step's cache key says it read (its artifact inputs), for steps without
 * input links: cache hits and reused steps never ran, so no worker recorded what they consumed.
 */
export function keyedInputsOf(cacheKeyParts: unknown): string[] {
  const inputs = metadataOf(metadataOf(cacheKeyParts).inputs);
  return Object.entries(inputs)
    .filter(([, v]) => typeof v === "string" && v.startsWith("sha256:"))
    .map(([k]) => k)
    .sort();
}

export const runStepSelect = {
  id: true,
  name: true,
  needs: true,
  outputs: true,
  cachedFromRunId: true,
  cachedFromStep: true,
  reusedFromRunId: true,
  cacheKeyParts: true,
} as const;

/** Every artifact a run's steps output (cached and reused steps included) and consumed. */
export async function listRunArtifacts(db: PrismaClient, projectId: string, runId: string) {
  const run = await db.run.findFirst({ where: { id: runId, projectId }, select: { id: true, steps: { select: runStepSelect } } });
  if (!run) throw notFound(`run "${runId}"`);
  const steps = inDagOrder(run.steps);
  const producers = await producersOf(db, run.id, steps);
  const links = await db.artifactLink.findMany({
    where: { runId: run.id },
    select: { stepName: true, direction: true, name: true, type: true, metadata: true, artifactId: true },
    orderBy: { name: "asc" },
  });
  const outputLink = new Map(links.filter((l) => l.direction === "output").map((l) => [`${l.stepName}\0${l.name}`, l]));
  const refsByStep = new Map(steps.map((s) => [s.name, new Map(artifactRefsOf(s.outputs))]));

  const ids = new Set<string>(links.map((l) => l.artifactId));
  for (const refs of refsByStep.values()) for (const ref of refs.values()) ids.add(ref.artifactId);
  const artifacts = new Map((await db.artifact.findMany({ where: { id: { in: [...ids] } }, select: artifactRowSelect })).map((a) => [a.id, a]));
  // Outputs of steps that did not run have no link here, and input links carry no metadata:
  // describe those artifacts by their latest output link anywhere.
  const describedHere = new Set([...outputLink.values()].map((l) => l.artifactId));
  const undescribed = [...ids].filter((id) => !describedHere.has(id));
  const elsewhere = undescribed.length
    ? await db.artifactLink.findMany({
        where: { artifactId: { in: undescribed }, direction: "output" },
        orderBy: { createdAt: "desc" },
        distinct: ["artifactId"],
        select: { artifactId: true, metadata: true },
      })
    : [];
  const metadataById = new Map(elsewhere.map((l) => [l.artifactId, metadataOf(l.metadata)]));
  for (const l of outputLink.values()) if (!metadataById.has(l.artifactId)) metadataById.set(l.artifactId, metadataOf(l.metadata));
  const describe = (artifactId: string, link?: { metadata: unknown }) => (link ? metadataOf(link.metadata) : (metadataById.get(artifactId) ?? {}));
  const ranHere = (s: StepRow) => !s.cachedFromRunId && !s.reusedFromRunId;

  const outputs = steps.flatMap((s) =>
    [...refsByStep.get(s.name)!.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([name, ref]) => {
        const row = artifacts.get(ref.artifactId);
        if (!row) return [];
        const link = outputLink.get(`${s.name}\0${name}`);
        return [
          {
            ...artifactInfo(row),
            step: s.name,
            name,
            type: link?.type ?? ref.type,
            metadata: describe(ref.artifactId, link),
            producedBy: producers.get(s.name) ?? null,
            cached: !ranHere(s),
          },
        ];
      }),
  );

  const stepByName = new Map(steps.map((s) => [s.name, s]));
  const producerOfInput = (reference: string): StepRef | null => {
    const upstream = reference.split(".")[0] ?? "";
    return stepByName.has(upstream) ? (producers.get(upstream) ?? null) : null;
  };
  const inputs: typeof outputs = [];
  const linkedInputSteps = new Set(links.filter((l) => l.direction === "input").map((l) => l.stepName));
  for (const s of steps) {
    if (linkedInputSteps.has(s.name)) {
      for (const l of links.filter((x) => x.direction === "input" && x.stepName === s.name)) {
        const row = artifacts.get(l.artifactId);
        if (row) inputs.push({ ...artifactInfo(row), step: s.name, name: l.name, type: l.type, metadata: describe(l.artifactId), producedBy: producerOfInput(l.name), cached: !ranHere(s) });
      }
      continue;
    }
    for (const reference of keyedInputsOf(s.cacheKeyParts)) {
      const [upstream = "", output = ""] = reference.split(".");
      const ref = refsByStep.get(upstream)?.get(output);
      const row = ref ? artifacts.get(ref.artifactId) : undefined;
      if (!ref || !row) continue;
      inputs.push({
        ...artifactInfo(row),
        step: s.name,
        name: reference,
        type: ref.type,
        metadata: describe(ref.artifactId),
        producedBy: producerOfInput(reference),
        cached: !ranHere(s),
      });
    }
  }
  return { outputs, inputs };
}

const USE_LIMIT = 50;
const FILE_LIMIT = 1000;

const useRunSelect = { id: true, name: true, status: true, pipeline: { select: { name: true } }, pipelineVersion: { select: { version: true } } } as const;

/**
 * The steps that produced (output links) or consumed an artifact, newest first. Consumers include
 * cache hits of a consuming step: the same template and cache key, which covers the inputs'
 * digests, so they consumed the same content although no worker recorded it.
 */
async function usesOf(db: PrismaClient, projectId: string, artifactId: string, direction: "output" | "input") {
  const uses = await db.$queryRaw<{ stepId: string; name: string; at: Date; cached: boolean }[]>`
    WITH direct AS (
      SELECT l."stepId", l.name, l."createdAt" AS at, false AS cached, s.template, s."cacheKey"
      FROM "ArtifactLink" l JOIN "Run" r ON r.id = l."runId" JOIN "Step" s ON s.id = l."stepId"
      WHERE l."artifactId" = ${artifactId}::uuid AND l.direction = ${direction} AND r."projectId" = ${projectId}::uuid
    ),
    hits AS (
      SELECT t.id AS "stepId", d.name, COALESCE(t."finishedAt", r."createdAt") AS at, true AS cached
      FROM direct d JOIN "Step" t ON t.template = d.template AND t."cacheKey" = d."cacheKey" AND t."cachedFromRunId" IS NOT NULL
        JOIN "Run" r ON r.id = t."runId"
      WHERE ${direction} = 'input' AND r."projectId" = ${projectId}::uuid
    )
    SELECT DISTINCT ON ("stepId") "stepId", name, at, cached FROM (
      SELECT "stepId", name, at, cached FROM direct UNION ALL SELECT "stepId", name, at, cached FROM hits
    ) u ORDER BY "stepId", cached, at DESC`;
  uses.sort((a, b) => b.at.getTime() - a.at.getTime() || (a.stepId < b.stepId ? -1 : 1));
  const page = uses.slice(0, USE_LIMIT);
  const steps = new Map(
    (await db.step.findMany({ where: { id: { in: page.map((u) => u.stepId) } }, select: { id: true, name: true, run: { select: useRunSelect } } })).map((s) => [s.id, s]),
  );
  return {
    count: uses.length,
    items: page.flatMap((u) => {
      const step = steps.get(u.stepId);
      if (!step) return [];
      return [
        {
          runId: step.run.id,
          runName: step.run.name,
          runStatus: step.run.status,
          pipeline: step.run.pipeline?.name ?? null,
          version: step.run.pipelineVersion?.version ?? null,
          stepName: step.name,
          name: u.name,
          at: iso(u.at),
          cached: u.cached,
        },
      ];
    }),
  };
}

/** One artifact: what it is, who produced and consumed it, and a directory's files. */
export async function getArtifactDetail(db: PrismaClient, store: ArtifactStore, projectId: string, artifactId: string) {
  const artifact = await findArtifact(db, projectId, artifactId);
  const [link, producers, consumers, cacheEntries] = await Promise.all([
    describingLink(db, projectId, artifact.id),
    usesOf(db, projectId, artifact.id, "output"),
    usesOf(db, projectId, artifact.id, "input"),
    db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "CacheEntry" WHERE "projectId" = ${projectId}::uuid AND ${artifact.id}::uuid = ANY("artifactIds")`,
  ]);
  let files: { path: string; size: number; digest: string }[] | null = null;
  let filesTruncated = false;
  if (artifact.kind === "directory") {
    const manifest = await readManifest(store, { digest: artifact.digest, kind: "directory", storageKey: artifact.storageKey });
    files = manifest.slice(0, FILE_LIMIT).map((f) => ({ path: f.path, size: f.size, digest: f.digest }));
    filesTruncated = manifest.length > FILE_LIMIT;
  }
  return {
    ...artifactInfo(artifact),
    type: link?.type ?? null,
    name: link?.name ?? null,
    metadata: metadataOf(link?.metadata),
    producers: producers.items,
    producerCount: producers.count,
    consumers: consumers.items,
    consumerCount: consumers.count,
    cacheEntries: cacheEntries[0]?.n ?? 0,
    files,
    filesTruncated,
  };
}
