import { createHash } from "node:crypto";
import { Prisma, type PrismaClient } from "@trellis/db";
import {
  canonicalJson,
  DEFAULT_CACHE_POLICY,
  isArtifactRef,
  stepReferences,
  type PipelineSpec,
  type StepSpec,
} from "@trellis/spec";
import { copyStepMetrics } from "./log-to-run.js";
import type { ReadyStep } from "./queue.js";
import type { Tx } from "./transitions.js";

/**
 * Step caching. When a step becomes ready, its cache key is computed from everything that
 * decides what it does: command or script, image, env, the code snapshot, the params it
 * references and the content of the inputs it references (artifact digests, scalar values),
 * plus its declared outputs and the project. If a CacheEntry with that key exists (and is
 * young enough for the step's maxAge), the step is completed at once with the entry's outputs
 * and never runs; its dependents are then resolved the same way, in the same transaction, so a
 * fully cached run finishes inside the transaction that queued it. Otherwise the step is queued
 * with its key, the key's parts, and a plain account of why it must run ("why did this run?").
 *
 * Env values are keyed as written (templates unrendered): what they render to is covered by the
 * params and inputs they reference.
 */

export interface CacheKeyParts {
  project: string;
  command: string;
  shell: string | null;
  image: string | null;
  env: Record<string, string>;
  code: string | null;
  params: Record<string, unknown>;
  /** `S.X` → `sha256:<digest>` for artifacts, the value for scalars. */
  inputs: Record<string, unknown>;
  outputs: Record<string, string>;
  /**
   * Names of the secrets the step declares, sorted; absent when none (so steps without secrets
   * keep their keys). Values are never part of the key, which must not reveal anything about
   * them (a rotated password also leaves a cached result reusable); steps whose result depends
   * on a secret's value should be `cache: false`.
   */
  secrets?: string[];
}

export interface KeyChange {
  part: string;
  before: unknown;
  after: unknown;
}

export type RunReason =
  | { reason: "cache-disabled" }
  | { reason: "nondeterministic" }
  | { reason: "run-no-cache"; changes: KeyChange[] }
  | { reason: "first-execution" }
  | { reason: "changed"; changes: KeyChange[]; comparedWith: { runId: string; stepName: string } }
  | { reason: "expired"; maxAgeMs: number; cachedAt: string; comparedWith: { runId: string; stepName: string } | null }
  | { reason: "no-cached-result"; comparedWith: { runId: string; stepName: string } };

export function cacheKeyParts(input: {
  projectId: string;
  spec: StepSpec;
  params: Record<string, unknown>;
  codeDigest: string | null;
  upstreamOutputs: Record<string, Record<string, unknown>>;
}): CacheKeyParts {
  const { spec } = input;
  const refs = stepReferences(spec);
  const inputs: Record<string, unknown> = {};
  for (const ref of refs.inputs) {
    const [step, output] = ref.split(".") as [string, string];
    const value = input.upstreamOutputs[step]?.[output] ?? null;
    inputs[ref] = isArtifactRef(value) ? `sha256:${value.digest}` : value;
  }
  return {
    project: input.projectId,
    command: spec.script ?? spec.run ?? "",
    shell: spec.shell ?? null,
    image: spec.image ?? null,
    env: spec.env,
    code: input.codeDigest,
    params: Object.fromEntries(refs.params.map((p) => [p, input.params[p] ?? null])),
    inputs,
    outputs: Object.fromEntries(Object.entries(spec.outputs).map(([name, o]) => [name, o.type])),
    ...(spec.secrets?.length ? { secrets: [...spec.secrets].sort() } : {}),
  };
}

export function cacheKeyOf(parts: CacheKeyParts): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

/** Which parts differ, one entry per changed env var, param and input (`env.X`, `params.X`, `inputs.S.X`). */
export function diffKeyParts(before: CacheKeyParts, after: CacheKeyParts): KeyChange[] {
  const changes: KeyChange[] = [];
  const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
  for (const part of ["command", "shell", "image", "code", "project", "secrets"] as const) {
    if (!same(before[part], after[part])) changes.push({ part, before: before[part] ?? null, after: after[part] ?? null });
  }
  for (const group of ["env", "params", "inputs"] as const) {
    const a = before[group] ?? {};
    const b = after[group] ?? {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) {
        changes.push({ part: `${group}.${key}`, before: (a as Record<string, unknown>)[key] ?? null, after: (b as Record<string, unknown>)[key] ?? null });
      }
    }
  }
  if (!same(before.outputs, after.outputs)) changes.push({ part: "outputs", before: before.outputs, after: after.outputs });
  return changes;
}

/** The part of a run reason decided when the step is queued; explainRunSteps completes it. */
export type StoredRunReason =
  | { reason: "cache-disabled" }
  | { reason: "nondeterministic" }
  | { reason: "run-no-cache" }
  | { reason: "expired"; maxAgeMs: number; cachedAt: string };

/** Artifact ids among a step's outputs: what a cache entry keeps alive. */
export function artifactIdsOf(outputs: Record<string, unknown>): string[] {
  return Object.values(outputs).flatMap((v) => (isArtifactRef(v) ? [v.artifactId] : []));
}

interface RunContext {
  projectId: string;
  pipelineId: string;
  params: Record<string, unknown>;
  noCache: boolean;
  codeDigest: string | null;
  spec: PipelineSpec;
}

/** Versions are immutable, so their specs are cached for the life of the process. */
const specs = new Map<string, PipelineSpec>();

async function runContext(tx: Tx, runId: string): Promise<RunContext | null> {
  const rows = await tx.$queryRaw<{ projectId: string; pipelineId: string | null; params: Record<string, unknown>; noCache: boolean; versionId: string | null; codeDigest: string | null }[]>`
    SELECT r."projectId", r."pipelineId", r.params, r."noCache", r."pipelineVersionId" AS "versionId", v."codeDigest"
    FROM "Run" r LEFT JOIN "PipelineVersion" v ON v.id = r."pipelineVersionId" WHERE r.id = ${runId}::uuid`;
  const row = rows[0];
  if (!row?.versionId || !row.pipelineId) return null;
  let spec = specs.get(row.versionId);
  if (!spec) {
    const version = await tx.pipelineVersion.findUniqueOrThrow({ where: { id: row.versionId }, select: { spec: true } });
    spec = version.spec as unknown as PipelineSpec;
    if (specs.size > 500) specs.clear();
    specs.set(row.versionId, spec);
  }
  return { projectId: row.projectId, pipelineId: row.pipelineId, params: row.params, noCache: row.noCache, codeDigest: row.codeDigest, spec };
}

/** A step just moved to queued, with what settling it needs (see QUEUED_STEP_COLUMNS). */
export interface QueuedStep extends ReadyStep {
  template: string;
  dependents: string[];
  /** Outputs of its upstream steps by name (null: no upstream steps). */
  upstream: Record<string, Record<string, unknown>> | null;
}

/** RETURNING columns (for `UPDATE "Step" c … RETURNING`) that make a QueuedStep. */
export const QUEUED_STEP_COLUMNS = Prisma.sql`c.id AS "stepId", c."runId", c.attempt, c.template, c.dependents, c.placement,
  (SELECT jsonb_object_agg(u.name, u.outputs) FROM "Step" u WHERE u."runId" = c."runId" AND u.name = ANY(c.needs)) AS upstream`;

const readyStep = (s: QueuedStep): ReadyStep => ({ stepId: s.stepId, runId: s.runId, attempt: s.attempt, placement: s.placement ?? null });

/** Run contexts never change after a run starts (declared params, version, no-cache switch). */
const runContexts = new Map<string, RunContext | null>();

async function cachedRunContext(tx: Tx, runId: string): Promise<RunContext | null> {
  let context = runContexts.get(runId);
  if (context === undefined) {
    context = await runContext(tx, runId);
    if (runContexts.size > 5000) runContexts.clear();
    runContexts.set(runId, context);
  }
  return context;
}

/**
 * Settles steps that were just queued: cache hits complete at once (and their dependents are
 * settled in turn); misses get their key, its parts, and what is known of why they must run.
 * Returns the steps that must really run, for the caller to enqueue after commit. The caller
 * holds the runs' locks. Batched: one lookup and one write per level of cascade, however many
 * steps, because this sits on the path from one step's exit to the next one's start.
 */
export async function settleQueuedSteps(tx: Tx, queued: QueuedStep[]): Promise<ReadyStep[]> {
  const mustRun: ReadyStep[] = [];
  let pending = queued;
  while (pending.length > 0) {
    const settled: { step: QueuedStep; spec: StepSpec; ctx: RunContext; parts: CacheKeyParts; key: string | null }[] = [];
    for (const step of pending) {
      const ctx = await cachedRunContext(tx, step.runId);
      const spec = ctx?.spec.steps[step.template];
      if (!ctx || !spec) {
        mustRun.push(readyStep(step));
        continue;
      }
      const parts = cacheKeyParts({ projectId: ctx.projectId, spec, params: ctx.params, codeDigest: ctx.codeDigest, upstreamOutputs: step.upstream ?? {} });
      const policy = spec.cache ?? DEFAULT_CACHE_POLICY;
      settled.push({ step, spec, ctx, parts, key: policy.enabled && !spec.nondeterministic ? cacheKeyOf(parts) : null });
    }
    const lookups = [...new Set(settled.filter((s) => s.key && !s.ctx.noCache).map((s) => s.key!))];
    const entries = new Map(lookups.length ? (await tx.cacheEntry.findMany({ where: { key: { in: lookups } } })).map((e) => [e.key, e]) : []);

    const hits: typeof settled = [];
    const misses: { step: QueuedStep; key: string | null; parts: CacheKeyParts; reason: StoredRunReason | null }[] = [];
    for (const s of settled) {
      const policy = s.spec.cache ?? DEFAULT_CACHE_POLICY;
      const entry = s.key && !s.ctx.noCache ? entries.get(s.key) : undefined;
      const fresh = entry && (policy.maxAgeMs === null || Date.now() - entry.createdAt.getTime() <= policy.maxAgeMs);
      if (entry && fresh) {
        hits.push(s);
        continue;
      }
      // Only what is known now is recorded; comparisons with earlier executions are made when
      // someone asks (explainRunSteps).
      const reason: StoredRunReason | null = !policy.enabled
        ? { reason: "cache-disabled" }
        : s.spec.nondeterministic
          ? { reason: "nondeterministic" }
          : s.ctx.noCache
            ? { reason: "run-no-cache" }
            : entry
              ? { reason: "expired", maxAgeMs: policy.maxAgeMs!, cachedAt: entry.createdAt.toISOString() }
              : null;
      misses.push({ step: s.step, key: s.key, parts: s.parts, reason });
      mustRun.push(readyStep(s.step));
    }

    if (misses.length > 0) {
      await tx.$executeRaw`
        UPDATE "Step" s SET "cacheKey" = v.key, "cacheKeyParts" = v.parts::jsonb, "runReason" = v.reason::jsonb
        FROM unnest(${misses.map((m) => m.step.stepId)}::uuid[], ${misses.map((m) => m.key)}::text[],
                    ${misses.map((m) => JSON.stringify(m.parts))}::text[], ${misses.map((m) => (m.reason ? JSON.stringify(m.reason) : null))}::text[])
          AS v(id, key, parts, reason)
        WHERE s.id = v.id`;
    }

    const next: QueuedStep[] = [];
    for (const hit of hits) {
      const entry = entries.get(hit.key!)!;
      await tx.$executeRaw`
        UPDATE "Step" SET status = 'succeeded', attempt = 0, outputs = ${JSON.stringify(entry.outputs)}::jsonb, "cacheKey" = ${hit.key},
          "cacheKeyParts" = ${JSON.stringify(hit.parts)}::jsonb, "cachedFromRunId" = ${entry.runId}::uuid, "cachedFromStep" = ${entry.stepName},
          "runReason" = NULL, "startedAt" = now(), "finishedAt" = now(), error = NULL, "failureKind" = NULL
        WHERE id = ${hit.step.stepId}::uuid AND status = 'queued'`;
      await copyStepMetrics(tx, entry.runId, hit.step.runId, [entry.stepName], hit.spec.name);
      if (hit.step.dependents.length > 0) {
        next.push(
          ...(await tx.$queryRaw<QueuedStep[]>`
            UPDATE "Step" c SET status = 'queued', attempt = 1, "queuedAt" = now(), "notBefore" = NULL
            WHERE c."runId" = ${hit.step.runId}::uuid AND c.name = ANY(${hit.step.dependents}::text[]) AND c.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM "Step" u WHERE u."runId" = c."runId" AND u.name = ANY(c.needs) AND u.status <> 'succeeded')
            RETURNING ${QUEUED_STEP_COLUMNS}`),
        );
      }
    }
    pending = next;
  }
  return mustRun;
}

/** Records successful steps' outputs as the cache entries of their keys (the latest result wins), in one statement. */
export async function recordCacheEntries(tx: Tx, steps: { runId: string; projectId: string; name: string; cacheKey: string | null; outputs: Record<string, unknown> }[]): Promise<void> {
  // One row per key: a statement may not update the same row twice (identical steps of two runs can finish together).
  const cacheable = [...new Map(steps.filter((s) => s.cacheKey !== null).map((s) => [s.cacheKey!, s])).values()];
  if (cacheable.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "CacheEntry" (key, "projectId", outputs, "artifactIds", "runId", "stepName", "createdAt")
    SELECT v.key, v.project_id, v.outputs::jsonb, ARRAY(SELECT jsonb_array_elements_text(v.artifact_ids::jsonb))::uuid[], v.run_id, v.step_name, now()
    FROM unnest(${cacheable.map((s) => s.cacheKey)}::text[], ${cacheable.map((s) => s.projectId)}::uuid[], ${cacheable.map((s) => JSON.stringify(s.outputs))}::text[],
                ${cacheable.map((s) => JSON.stringify(artifactIdsOf(s.outputs)))}::text[], ${cacheable.map((s) => s.runId)}::uuid[], ${cacheable.map((s) => s.name)}::text[])
      AS v(key, project_id, outputs, artifact_ids, run_id, step_name)
    ON CONFLICT (key) DO UPDATE SET "projectId" = EXCLUDED."projectId", outputs = EXCLUDED.outputs, "artifactIds" = EXCLUDED."artifactIds",
      "runId" = EXCLUDED."runId", "stepName" = EXCLUDED."stepName", "createdAt" = EXCLUDED."createdAt"`;
}

/**
 * "Why did this run?" for every step of a run that ran (null for steps completed from the cache
 * or not started): what was decided when it was queued (cache off, nondeterministic, the run's
 * no-cache switch, an expired result), plus the parts of its cache key that differ from the
 * step's latest execution in an earlier run of the same pipeline.
 */
export async function explainRunSteps(db: PrismaClient, runId: string): Promise<Map<string, RunReason | null>> {
  const steps = await db.$queryRaw<{ name: string; template: string; attempt: number; cachedFromRunId: string | null; cacheKeyParts: CacheKeyParts | null; runReason: StoredRunReason | null }[]>`
    SELECT name, template, attempt, "cachedFromRunId", "cacheKeyParts", "runReason" FROM "Step" WHERE "runId" = ${runId}::uuid`;
  const explained = new Map<string, RunReason | null>();
  const ran = steps.filter((s) => s.cacheKeyParts !== null && s.cachedFromRunId === null && s.attempt > 0);
  for (const s of steps) explained.set(s.name, null);
  if (ran.length === 0) return explained;
  // For each step, its latest execution in an earlier run of the same pipeline.
  const earlier = await db.$queryRaw<{ template: string; runId: string; name: string; cacheKeyParts: CacheKeyParts }[]>`
    SELECT t.template, e."runId", e.name, e."cacheKeyParts"
    FROM "Run" cur, unnest(${ran.map((s) => s.template)}::text[]) AS t(template),
    LATERAL (
      SELECT s."runId", s.name, s."cacheKeyParts" FROM "Run" r JOIN "Step" s ON s."runId" = r.id AND s.name = t.template
      WHERE r."projectId" = cur."projectId" AND r."pipelineId" = cur."pipelineId" AND r."createdAt" < cur."createdAt"
        AND s."cacheKeyParts" IS NOT NULL AND s."cachedFromRunId" IS NULL AND s.attempt > 0
      ORDER BY r."createdAt" DESC, r.id DESC LIMIT 1
    ) e
    WHERE cur.id = ${runId}::uuid`;
  const earlierOf = new Map(earlier.map((e) => [e.template, e]));
  for (const s of ran) {
    const before = earlierOf.get(s.template);
    const comparedWith = before ? { runId: before.runId, stepName: before.name } : null;
    const changes = before ? diffKeyParts(before.cacheKeyParts, s.cacheKeyParts!) : [];
    const stored = s.runReason;
    let reason: RunReason;
    if (stored?.reason === "cache-disabled" || stored?.reason === "nondeterministic") reason = stored;
    else if (stored?.reason === "run-no-cache") reason = { reason: "run-no-cache", changes };
    else if (stored?.reason === "expired") reason = { ...stored, comparedWith };
    else if (!comparedWith) reason = { reason: "first-execution" };
    else if (changes.length > 0) reason = { reason: "changed", changes, comparedWith };
    else reason = { reason: "no-cached-result", comparedWith };
    explained.set(s.name, reason);
  }
  return explained;
}
