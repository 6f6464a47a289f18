import { Prisma, type PrismaClient } from "@trellis/db";
import {
  addToSeries,
  checkParamValue,
  checkTagValue,
  checkTrackingKey,
  decodeSeries,
  encodeSeries,
  summarizePoints,
  TRACKING_LIMITS,
  type MetricPointInput,
  type MetricSummaryState,
} from "@trellis/tracking";
import { notFound, validationFailed, type Issue } from "./errors.js";
import type { Tx } from "./transitions.js";

export interface MetricInput {
  key: string;
  value: number;
  /** Defaults to 0, as MLflow. */
  step?: number;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

export interface RunLogBatch {
  metrics?: MetricInput[];
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

export interface LogOptions {
  /** The pipeline step logging the batch, recorded with its metric points. */
  stepName?: string;
  /** "reject" (MLflow's rule, the default) fails the batch when a param would change value; "ignore" keeps the first value and reports it. */
  conflictingParams?: "reject" | "ignore";
}

export interface LogResult {
  ignoredParams: { key: string; kept: string; rejected: string }[];
}

/** Tags that MLflow clients use for fields Trellis keeps in their own columns. */
export const RUN_NAME_TAG = "mlflow.runName";
export const NOTE_TAG = "mlflow.note.content";

/** Param values are compared and returned as text, as MLflow does (0.01 and "0.01" are the same value). */
export function paramText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function validateBatch(batch: RunLogBatch): { points: Map<string, MetricPointInput[]>; issues: Issue[] } {
  const issues: Issue[] = [];
  const points = new Map<string, MetricPointInput[]>();
  const metrics = batch.metrics ?? [];
  const params = Object.entries(batch.params ?? {});
  const tags = Object.entries(batch.tags ?? {});
  if (metrics.length > TRACKING_LIMITS.batchMetrics) issues.push({ path: "metrics", message: `at most ${TRACKING_LIMITS.batchMetrics} metrics per batch, got ${metrics.length}` });
  if (params.length > TRACKING_LIMITS.batchParams) issues.push({ path: "params", message: `at most ${TRACKING_LIMITS.batchParams} params per batch, got ${params.length}` });
  if (tags.length > TRACKING_LIMITS.batchTags) issues.push({ path: "tags", message: `at most ${TRACKING_LIMITS.batchTags} tags per batch, got ${tags.length}` });
  if (issues.length > 0) return { points, issues };
  const now = Date.now();
  // A batch repeats a few keys many times: check each distinct key once.
  const keyProblems = new Map<unknown, string | null>();
  metrics.forEach((m, i) => {
    let keyProblem = keyProblems.get(m.key);
    if (keyProblem === undefined) keyProblems.set(m.key, (keyProblem = checkTrackingKey("metric", m.key)));
    if (keyProblem) issues.push({ path: `metrics[${i}].key`, message: keyProblem });
    if (typeof m.value !== "number") issues.push({ path: `metrics[${i}].value`, message: "must be a number" });
    const step = m.step ?? 0;
    if (!Number.isSafeInteger(step)) issues.push({ path: `metrics[${i}].step`, message: "must be an integer" });
    const timestamp = m.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp)) issues.push({ path: `metrics[${i}].timestamp`, message: "must be an integer (milliseconds since the epoch)" });
    if (issues.length === 0) {
      const list = points.get(m.key) ?? [];
      list.push({ step, value: m.value, timestamp });
      points.set(m.key, list);
    }
  });
  for (const [key, value] of params) {
    const problem = checkTrackingKey("param", key) ?? checkParamValue(paramText(value));
    if (problem) issues.push({ path: `params.${key}`, message: problem });
  }
  for (const [key, value] of tags) {
    const problem = checkTrackingKey("tag", key) ?? (typeof value === "string" ? checkTagValue(value) : "must be a string");
    if (problem) issues.push({ path: `tags.${key}`, message: problem });
  }
  return { points, issues };
}

type SummaryRow = MetricSummaryState & { key: string; bucketWidth: number; buckets: Uint8Array };

/**
 * Records a batch of metrics, params and tags on a run, atomically. Metric points are
 * appended to MetricPoint and folded into each key's MetricSummary (latest/min/max and the
 * downsampled chart series) in the same transaction, so summaries always match the points.
 */
export async function logToRun(db: PrismaClient, runId: string, batch: RunLogBatch, options: LogOptions = {}): Promise<LogResult> {
  const { points, issues } = validateBatch(batch);
  if (issues.length > 0) throw validationFailed("invalid log batch", issues);
  const hasRunFields = Object.keys(batch.params ?? {}).length > 0 || Object.keys(batch.tags ?? {}).length > 0;
  return db.$transaction(async (tx) => {
    const result: LogResult = { ignoredParams: [] };
    const run = await tx.$queryRaw<{ params: Record<string, unknown>; tags: Record<string, string> }[]>`
      SELECT params, tags FROM "Run" WHERE id = ${runId}::uuid FOR NO KEY UPDATE`;
    if (!run[0]) throw notFound(`run ${runId}`);
    if (hasRunFields) Object.assign(result, await mergeParamsAndTags(tx, runId, run[0], batch, options));
    if (points.size > 0) await appendMetrics(tx, runId, points, options.stepName ?? null);
    return result;
  });
}

async function mergeParamsAndTags(
  tx: Tx,
  runId: string,
  run: { params: Record<string, unknown>; tags: Record<string, string> },
  batch: RunLogBatch,
  options: LogOptions,
): Promise<LogResult> {
  const ignoredParams: LogResult["ignoredParams"] = [];
  // Maps, not plain objects: "__proto__" and "toString" are valid param and tag names.
  const params = new Map(Object.entries(run.params));
  const conflicts: Issue[] = [];
  for (const [key, value] of Object.entries(batch.params ?? {})) {
    if (!params.has(key)) {
      params.set(key, value);
      continue;
    }
    const kept = paramText(params.get(key));
    const rejected = paramText(value);
    if (kept === rejected) continue;
    if (options.conflictingParams === "ignore") ignoredParams.push({ key, kept, rejected });
    else conflicts.push({ path: `params.${key}`, message: `param "${key}" already has the value ${JSON.stringify(kept)}; a logged param cannot change (tried ${JSON.stringify(rejected)})` });
  }
  if (conflicts.length > 0) throw validationFailed("params cannot change once logged", conflicts);

  const tags = new Map(Object.entries(run.tags));
  let name: string | undefined;
  let note: string | undefined;
  for (const [key, value] of Object.entries(batch.tags ?? {})) {
    if (key === RUN_NAME_TAG) name = value;
    else if (key === NOTE_TAG) note = value;
    else tags.set(key, value);
  }
  await tx.run.update({
    where: { id: runId },
    data: { params: Object.fromEntries(params) as Prisma.InputJsonObject, tags: Object.fromEntries(tags), ...(name !== undefined ? { name } : {}), ...(note !== undefined ? { note } : {}) },
  });
  return { ignoredParams };
}

/** Appends points (per key, in logging order) and folds them into the keys' summaries; the caller's transaction must cover both. */
export async function appendMetrics(tx: Tx, runId: string, points: Map<string, MetricPointInput[]>, stepName: string | null): Promise<void> {
  const keys: string[] = [];
  const values: number[] = [];
  const steps: number[] = [];
  const timestamps: number[] = [];
  for (const [key, list] of points) {
    for (const p of list) {
      keys.push(key);
      values.push(p.value);
      steps.push(p.step);
      timestamps.push(p.timestamp);
    }
  }
  await tx.$executeRaw`
    INSERT INTO "MetricPoint" ("runId", key, value, step, timestamp, "stepName")
    SELECT ${runId}::uuid, k, v, s, t, ${stepName} FROM unnest(${keys}::text[], ${values.map(String)}::float8[], ${steps}::int8[], ${timestamps}::int8[]) AS u(k, v, s, t)`;

  // Placeholder rows first (count 0), so that every summary of the batch exists and can be
  // locked: concurrent batches for the same new key then queue on the row instead of racing
  // to insert it. Keys are sorted so two batches lock in the same order.
  const sortedKeys = [...points.keys()].sort();
  await tx.$executeRaw`
    INSERT INTO "MetricSummary" ("runId", key, last, "lastStep", "lastTimestamp", count, "bucketWidth", buckets, "updatedAt")
    SELECT ${runId}::uuid, k, 'NaN', 0, 0, 0, 1, ''::bytea, now() FROM unnest(${sortedKeys}::text[]) AS k
    ON CONFLICT ("runId", key) DO NOTHING`;
  const rows = await tx.$queryRaw<SummaryRow[]>`
    SELECT key, last, "lastStep"::float8 AS "lastStep", "lastTimestamp"::float8 AS "lastTimestamp", min, max, count, "bucketWidth", buckets
    FROM "MetricSummary" WHERE "runId" = ${runId}::uuid AND key = ANY(${sortedKeys}::text[])
    ORDER BY key FOR UPDATE`;
  for (const row of rows) {
    const list = points.get(row.key)!;
    const { key: _key, bucketWidth: _width, buckets: _buckets, ...state } = row;
    const prev: MetricSummaryState | null = row.count > 0 ? state : null;
    const summary = summarizePoints(prev, list)!;
    const series = addToSeries(decodeSeries(row.bucketWidth, row.buckets), list);
    await tx.$executeRaw`
      UPDATE "MetricSummary" SET last = ${String(summary.last)}::float8, "lastStep" = ${summary.lastStep}::int8, "lastTimestamp" = ${summary.lastTimestamp}::int8,
        min = ${summary.min}::float8, max = ${summary.max}::float8, count = ${summary.count}, "bucketWidth" = ${series.width},
        buckets = ${Buffer.from(encodeSeries(series))}, "updatedAt" = now()
      WHERE "runId" = ${runId}::uuid AND key = ${row.key}`;
  }
}

export interface RunAnnotations {
  /** null clears the name. */
  name?: string | null;
  note?: string;
  /** Tags to set; null removes the tag. */
  tags?: Record<string, string | null>;
}

/** Edits what people write about a run (name, note, tags); params and metrics stay as logged. */
export async function annotateRun(db: PrismaClient, projectId: string, runId: string, changes: RunAnnotations): Promise<void> {
  const issues: Issue[] = [];
  for (const [key, value] of Object.entries(changes.tags ?? {})) {
    const problem = checkTrackingKey("tag", key) ?? (value === null ? null : checkTagValue(value));
    if (problem) issues.push({ path: `tags.${key}`, message: problem });
  }
  if (changes.name && changes.name.length > TRACKING_LIMITS.runNameLength) issues.push({ path: "name", message: `at most ${TRACKING_LIMITS.runNameLength} characters` });
  if (issues.length > 0) throw validationFailed("invalid run changes", issues);
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ tags: Record<string, string> }[]>`
      SELECT tags FROM "Run" WHERE id = ${runId}::uuid AND "projectId" = ${projectId}::uuid FOR NO KEY UPDATE`;
    if (!rows[0]) throw notFound(`run "${runId}"`);
    const tags = new Map(Object.entries(rows[0].tags));
    for (const [key, value] of Object.entries(changes.tags ?? {})) {
      if (value === null) tags.delete(key);
      else tags.set(key, value);
    }
    await tx.run.update({
      where: { id: runId },
      data: { tags: Object.fromEntries(tags), ...(changes.name !== undefined ? { name: changes.name } : {}), ...(changes.note !== undefined ? { note: changes.note } : {}) },
    });
  });
}

/**
 * Copies the metric points that `steps` logged in run `from` to run `to`, with their summaries:
 * a step reused by a retry, or completed from the cache, brings its metrics along.
 */
export async function copyStepMetrics(tx: Tx, from: string, to: string, steps: string[], renameTo?: string): Promise<void> {
  const rows = await tx.$queryRaw<{ stepName: string; key: string; value: number; step: number; timestamp: number }[]>`
    SELECT "stepName", key, value, step::float8 AS step, timestamp::float8 AS timestamp FROM "MetricPoint"
    WHERE "runId" = ${from}::uuid AND "stepName" = ANY(${steps}::text[]) ORDER BY id`;
  const byStep = new Map<string, Map<string, MetricPointInput[]>>();
  for (const { stepName, key, ...point } of rows) {
    const byKey = byStep.get(stepName) ?? new Map<string, MetricPointInput[]>();
    byKey.set(key, [...(byKey.get(key) ?? []), point]);
    byStep.set(stepName, byKey);
  }
  for (const [stepName, points] of byStep) await appendMetrics(tx, to, points, renameTo ?? stepName);
}
