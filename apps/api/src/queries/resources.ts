import type { PrismaClient } from "@trellis/db";
import { liveWorkers, notFound, waitingReason, type EnvironmentInfo, type Placement, type ResourceUsage, type WorkerState } from "@trellis/engine";
import { suggestCpuRequest, suggestMemoryRequest, type PipelineSpec } from "@trellis/spec";
import { iso } from "./iso.js";

/** Specs of pipeline versions never change: read once per process (bounded). */
const specs = new Map<string, Promise<PipelineSpec | null>>();

export function versionSpec(db: PrismaClient, versionId: string): Promise<PipelineSpec | null> {
  let spec = specs.get(versionId);
  if (!spec) {
    spec = db.pipelineVersion.findUnique({ where: { id: versionId }, select: { spec: true } }).then((v) => (v ? (v.spec as unknown as PipelineSpec) : null));
    if (specs.size > 500) specs.clear();
    specs.set(versionId, spec);
    spec.catch(() => specs.delete(versionId));
  }
  return spec;
}

/** Where a step runs, from its spec (specs stored before executors existed are shared steps). */
export function executionOf(spec: PipelineSpec | null, template: string): { executor: "shared" | "container"; image: string | null } {
  const step = spec?.steps[template];
  return { executor: step?.executor ?? "shared", image: step?.image ?? null };
}

/**
 * Why each queued step is not running yet, judged against the live workers (null: a worker
 * has room and takes it next). Steps waiting out a retry delay are explained by their error.
 */
export async function waitingReasons(
  db: PrismaClient,
  leaseMs: number,
  steps: { name: string; status: string; notBefore: Date | null; placement: Placement | null }[],
): Promise<Map<string, string | null>> {
  const now = Date.now();
  const waiting = steps.filter((s) => s.status === "queued" && (s.notBefore === null || s.notBefore.getTime() <= now));
  if (waiting.length === 0) return new Map();
  const workers = await liveWorkers(db, leaseMs);
  return new Map(waiting.map((s) => [s.name, waitingReason(s.placement, workers)]));
}

export interface ResourceSuggestion {
  memoryBytes: number | null;
  cpu: number | null;
  basedOn: number;
}

/** How many recent successful executions of a step its suggestion looks at. */
const SUGGESTION_WINDOW = 10;

/**
 * Suggested requests per step template of a pipeline: the highest peaks of its latest
 * successful executions (any run of the pipeline), plus headroom, rounded up.
 */
export async function resourceSuggestions(db: PrismaClient, pipelineId: string, templates: string[]): Promise<Map<string, ResourceSuggestion>> {
  if (templates.length === 0) return new Map();
  const rows = await db.$queryRaw<{ template: string; memory: number | null; cpu: number | null; n: number }[]>`
    SELECT template, max((usage ->> 'peakMemoryBytes')::float8) AS memory, max((usage ->> 'peakCpu')::float8) AS cpu, count(*)::int AS n
    FROM (
      SELECT s.template, a.usage, row_number() OVER (PARTITION BY s.template ORDER BY a."finishedAt" DESC) AS k
      FROM "Run" r JOIN "Step" s ON s."runId" = r.id JOIN "StepAttempt" a ON a."stepId" = s.id
      WHERE r."pipelineId" = ${pipelineId}::uuid AND s.template = ANY(${templates}::text[])
        AND a.status = 'succeeded' AND a.usage IS NOT NULL
    ) recent
    WHERE k <= ${SUGGESTION_WINDOW}
    GROUP BY template`;
  return new Map(
    rows.flatMap((r) => {
      const memoryBytes = r.memory !== null && r.memory > 0 ? suggestMemoryRequest(r.memory) : null;
      const cpu = r.cpu !== null && r.cpu > 0 ? suggestCpuRequest(r.cpu) : null;
      return memoryBytes === null && cpu === null ? [] : [[r.template, { memoryBytes, cpu, basedOn: r.n }] as const];
    }),
  );
}

export function usageOf(value: unknown): ResourceUsage | null {
  if (value === null || typeof value !== "object") return null;
  const u = value as Partial<ResourceUsage>;
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);
  const usage = { peakMemoryBytes: num(u.peakMemoryBytes), peakCpu: num(u.peakCpu), cpuSeconds: num(u.cpuSeconds) };
  // Nothing sampled (a step shorter than the first sample) reads as no usage at all.
  return Object.values(usage).every((v) => v === null) ? null : usage;
}

export async function listWorkers(db: PrismaClient, leaseMs: number) {
  const workers = await liveWorkers(db, leaseMs);
  return workers.map((w: WorkerState) => ({ ...w, startedAt: iso(w.startedAt), lastSeenAt: iso(w.lastSeenAt) }));
}

/** The recorded environment of a step's attempt (default: its latest attempt that recorded one). */
export async function stepEnvironment(db: PrismaClient, stepId: string, attempt: number | undefined) {
  const row = await db.stepAttempt.findFirst({
    where: { stepId, environmentDigest: { not: null }, ...(attempt !== undefined ? { attempt } : {}) },
    orderBy: { attempt: "desc" },
    select: { attempt: true, environmentDigest: true },
  });
  if (!row?.environmentDigest) throw notFound(attempt !== undefined ? `an environment for attempt ${attempt}` : "a recorded environment for this step");
  const env = await db.environment.findUnique({ where: { digest: row.environmentDigest } });
  if (!env) throw notFound(`environment ${row.environmentDigest}`);
  return { attempt: row.attempt, digest: env.digest, environment: env.info as unknown as EnvironmentInfo };
}
