import { Prisma } from "@trellis/db";
import { checkTrigger, fireTimesBetween, intervalAt, intervalsInRange, nextFireTimes, previousFireTime, type ScheduleInterval, type Trigger } from "@trellis/schedule";
import { validateRunParams, type PipelineSpec } from "@trellis/spec";
import type { EngineContext } from "../context.js";
import { DomainError, conflict, notFound, validationFailed, type Issue } from "../errors.js";
import { createRun } from "../create-run.js";
import { cancelRun } from "../cancel-run.js";
import type { Tx } from "../transitions.js";

/**
 * Recurring runs and backfills. The rules that make a schedule exactly-once:
 * - a tick locks the schedule row, computes the fire times after `lastFireAt` up to now, and
 *   inserts one ScheduledRun per fire time (unique per schedule and logical time), deciding in
 *   the same transaction whether it starts, waits (queue policy) or is skipped, and moves
 *   `lastFireAt` forward — so no fire time is decided twice or forgotten;
 * - the run itself is created after commit with the idempotency key `schedule:<id>:<time>`, so
 *   a row left `starting` by a crash is finished by the next sweep with the same key, never twice.
 * Backfills work the same way with their own rows (unique per backfill and logical time).
 */

export const CONCURRENCY_POLICIES = ["allow", "skip", "queue"] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];
export const REPROCESS_POLICIES = ["skip-succeeded", "failed-only", "all"] as const;
export type ReprocessPolicy = (typeof REPROCESS_POLICIES)[number];

/** Fire times a single tick decides at most (a long outage with catchup on is worked off over several ticks). */
const MAX_FIRES_PER_TICK = 500;
/** Intervals one backfill may span. */
export const MAX_BACKFILL_INTERVALS = 1000;
/** A `starting` row older than this has lost the process that was creating its run. */
const STARTING_REPAIR_MS = 5_000;

export type TriggerInput = { kind: "cron"; cron: string; timezone?: string } | { kind: "interval"; everySeconds: number };

export interface ScheduleInput {
  name: string;
  pipeline: string;
  /** null: always the latest version. */
  version: number | null;
  trigger: TriggerInput;
  params: Record<string, unknown>;
  startAt?: Date | null;
  endAt?: Date | null;
  concurrency: ConcurrencyPolicy;
  maxConcurrent: number;
  catchup: boolean;
  paused?: boolean;
}

interface ScheduleRow {
  id: string;
  projectId: string;
  name: string;
  pipelineId: string;
  pipelineVersion: number | null;
  kind: string;
  cron: string | null;
  timezone: string;
  intervalSeconds: number | null;
  params: Record<string, unknown>;
  startAt: Date;
  endAt: Date | null;
  paused: boolean;
  concurrency: ConcurrencyPolicy;
  maxConcurrent: number;
  catchup: boolean;
  lastFireAt: Date | null;
  createdAt: Date;
}

export function triggerOf(s: Pick<ScheduleRow, "kind" | "cron" | "timezone" | "intervalSeconds" | "startAt">): Trigger {
  return s.kind === "interval"
    ? { kind: "interval", everyMs: (s.intervalSeconds ?? 60) * 1000, anchor: s.startAt }
    : { kind: "cron", cron: s.cron ?? "", timezone: s.timezone };
}

const SCHEDULE_NAME_RE = /^[A-Za-z0-9][\w.\- ]{0,99}$/;

/** Validates a schedule; every problem is reported with its field. */
function checkSchedule(input: Partial<ScheduleInput>, startAt: Date): Issue[] {
  const issues: Issue[] = [];
  if (input.name !== undefined && !SCHEDULE_NAME_RE.test(input.name)) issues.push({ path: "name", message: "letters, digits, spaces, \".\", \"_\" and \"-\", starting with a letter or digit, at most 100 characters" });
  if (input.trigger) {
    const t = input.trigger;
    if (t.kind === "interval" && (!Number.isInteger(t.everySeconds) || t.everySeconds < 60)) {
      issues.push({ path: "trigger.everySeconds", message: "a whole number of seconds, at least 60" });
    } else {
      const problem = checkTrigger(t.kind === "cron" ? { kind: "cron", cron: t.cron, timezone: t.timezone ?? "UTC" } : { kind: "interval", everyMs: t.everySeconds * 1000, anchor: startAt });
      if (problem) issues.push({ path: t.kind === "cron" && /zone/i.test(problem) ? "trigger.timezone" : t.kind === "cron" ? "trigger.cron" : "trigger.everySeconds", message: problem });
    }
  }
  if (input.concurrency !== undefined && !(CONCURRENCY_POLICIES as readonly string[]).includes(input.concurrency)) {
    issues.push({ path: "concurrency", message: `one of ${CONCURRENCY_POLICIES.join(", ")}` });
  }
  if (input.maxConcurrent !== undefined && (!Number.isInteger(input.maxConcurrent) || input.maxConcurrent < 1 || input.maxConcurrent > 100)) {
    issues.push({ path: "maxConcurrent", message: "a whole number from 1 to 100" });
  }
  if (input.endAt && input.endAt <= startAt) issues.push({ path: "endAt", message: "must be after startAt" });
  return issues;
}

async function pipelineOf(ctx: Pick<EngineContext, "db">, projectId: string, name: string, version: number | null) {
  const pipeline = await ctx.db.pipeline.findUnique({ where: { projectId_name: { projectId, name } }, select: { id: true, latestVersion: true } });
  if (!pipeline) throw validationFailed(`pipeline "${name}" does not exist`, [{ path: "pipeline", message: `unknown pipeline "${name}"` }]);
  if (version !== null && (version < 1 || version > pipeline.latestVersion)) {
    throw validationFailed(`pipeline "${name}" has no version ${version}`, [{ path: "version", message: `versions are 1 to ${pipeline.latestVersion}` }]);
  }
  return pipeline;
}

/**
 * The params must make a valid run of the version the schedule would start: checked with the
 * schedule templates rendered for a sample interval, so a schedule never fires into an error.
 */
async function checkScheduleParams(db: EngineContext["db"] | Tx, pipelineId: string, version: number | null, params: Record<string, unknown>, now: Date): Promise<void> {
  const pipeline = await db.pipeline.findUniqueOrThrow({ where: { id: pipelineId }, select: { latestVersion: true } });
  const row = await db.pipelineVersion.findUnique({ where: { pipelineId_version: { pipelineId, version: version ?? pipeline.latestVersion } }, select: { spec: true } });
  if (!row) return;
  const sample = { logicalDate: now, start: new Date(now.getTime() - 86_400_000), end: now };
  const checked = validateRunParams(row.spec as unknown as PipelineSpec, renderScheduleParams(params, sample));
  if (!checked.ok) throw validationFailed("invalid schedule params", checked.issues.map((i) => ({ path: i.path.startsWith("params") ? i.path : `params.${i.path}`, message: i.message })));
}

function triggerColumns(t: TriggerInput) {
  return t.kind === "cron"
    ? { kind: "cron", cron: t.cron.trim(), timezone: t.timezone ?? "UTC", intervalSeconds: null }
    : { kind: "interval", cron: null, timezone: "UTC", intervalSeconds: t.everySeconds };
}

export async function createSchedule(ctx: Pick<EngineContext, "db">, projectId: string, input: ScheduleInput, now = new Date()): Promise<{ id: string }> {
  const startAt = input.startAt ?? now;
  const issues = checkSchedule(input, startAt);
  if (issues.length > 0) throw validationFailed("invalid schedule", issues);
  const pipeline = await pipelineOf(ctx, projectId, input.pipeline, input.version);
  await checkScheduleParams(ctx.db, pipeline.id, input.version, input.params, now);
  try {
    return await ctx.db.schedule.create({
      data: {
        projectId,
        name: input.name,
        pipelineId: pipeline.id,
        pipelineVersion: input.version,
        ...triggerColumns(input.trigger),
        params: input.params as Prisma.InputJsonObject,
        startAt,
        endAt: input.endAt ?? null,
        paused: input.paused ?? false,
        concurrency: input.concurrency,
        maxConcurrent: input.maxConcurrent,
        catchup: input.catchup,
        // Nothing before its creation (or start) is due: a new schedule does not "catch up".
        lastFireAt: new Date(Math.max(startAt.getTime(), now.getTime()) - 1),
      },
      select: { id: true },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`a schedule named "${input.name}" already exists`);
    throw err;
  }
}

/**
 * Edits a schedule. A changed trigger or start takes effect from now: fire times already
 * decided stay decided, none in the past becomes due.
 */
export async function updateSchedule(ctx: Pick<EngineContext, "db">, projectId: string, id: string, input: Partial<ScheduleInput>, now = new Date()): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const current = await lockSchedule(tx, id, projectId);
    const startAt = input.startAt === undefined ? current.startAt : (input.startAt ?? current.startAt);
    const endAt = input.endAt === undefined ? current.endAt : input.endAt;
    const issues = checkSchedule({ ...input, endAt }, startAt);
    if (issues.length > 0) throw validationFailed("invalid schedule", issues);
    const pipeline = input.pipeline !== undefined || input.version !== undefined
      ? await pipelineOf({ db: tx as unknown as EngineContext["db"] }, projectId, input.pipeline ?? (await tx.pipeline.findUniqueOrThrow({ where: { id: current.pipelineId } })).name, input.version === undefined ? current.pipelineVersion : input.version)
      : null;
    if (input.params !== undefined || pipeline || input.version !== undefined) {
      await checkScheduleParams(tx, pipeline?.id ?? current.pipelineId, input.version === undefined ? current.pipelineVersion : input.version, input.params ?? current.params, now);
    }
    // Resuming without catchup starts from now (as setSchedulePaused does).
    const resumedFromNow = input.paused === false && current.paused && !(input.catchup ?? current.catchup);
    const retimed = input.trigger !== undefined || input.startAt !== undefined || resumedFromNow;
    await tx.schedule.update({
      where: { id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(pipeline ? { pipelineId: pipeline.id } : {}),
        ...(input.version !== undefined ? { pipelineVersion: input.version } : {}),
        ...(input.trigger ? triggerColumns(input.trigger) : {}),
        ...(input.params !== undefined ? { params: input.params as Prisma.InputJsonObject } : {}),
        ...(input.startAt !== undefined ? { startAt } : {}),
        ...(input.endAt !== undefined ? { endAt: input.endAt } : {}),
        ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
        ...(input.maxConcurrent !== undefined ? { maxConcurrent: input.maxConcurrent } : {}),
        ...(input.catchup !== undefined ? { catchup: input.catchup } : {}),
        ...(input.paused !== undefined ? { paused: input.paused } : {}),
        ...(retimed ? { lastFireAt: new Date(Math.max(startAt.getTime(), now.getTime(), (current.lastFireAt ?? startAt).getTime() + 1) - 1) } : {}),
      },
    });
  }).catch((err: unknown) => {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`a schedule named "${input.name}" already exists`);
    throw err;
  });
}

/**
 * Pauses or resumes. Resuming with catchup off starts from now; with catchup on, the fire
 * times missed while paused are run too.
 */
export async function setSchedulePaused(ctx: Pick<EngineContext, "db">, projectId: string, id: string, paused: boolean, now = new Date()): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const s = await lockSchedule(tx, id, projectId);
    if (s.paused === paused) return;
    await tx.schedule.update({ where: { id }, data: { paused, ...(!paused && !s.catchup ? { lastFireAt: new Date(now.getTime() - 1) } : {}) } });
  });
}

export async function deleteSchedule(ctx: Pick<EngineContext, "db">, projectId: string, id: string): Promise<void> {
  const deleted = await ctx.db.schedule.deleteMany({ where: { id, projectId } });
  if (deleted.count === 0) throw notFound(`schedule "${id}"`);
}

async function lockSchedule(tx: Tx, id: string, projectId?: string): Promise<ScheduleRow> {
  const rows = await tx.$queryRaw<ScheduleRow[]>`
    SELECT id, "projectId", name, "pipelineId", "pipelineVersion", kind, cron, timezone, "intervalSeconds", params, "startAt", "endAt",
      paused, concurrency, "maxConcurrent", catchup, "lastFireAt", "createdAt"
    FROM "Schedule" WHERE id = ${id}::uuid ${projectId ? Prisma.sql`AND "projectId" = ${projectId}::uuid` : Prisma.empty} FOR UPDATE`;
  if (!rows[0]) throw notFound(`schedule "${id}"`);
  return rows[0];
}

/** `${{ schedule.logical_date }}`, `${{ schedule.interval_start }}`, `${{ schedule.interval_end }}` in string params (ISO 8601, UTC). */
export function renderScheduleParams(params: Record<string, unknown>, interval: ScheduleInterval): Record<string, unknown> {
  const values: Record<string, string> = {
    logical_date: interval.logicalDate.toISOString(),
    interval_start: interval.start.toISOString(),
    interval_end: interval.end.toISOString(),
  };
  const render = (v: unknown): unknown =>
    typeof v === "string" ? v.replace(/\$\{\{\s*schedule\.(logical_date|interval_start|interval_end)\s*\}\}/g, (_m, key: string) => values[key]!) : v;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, render(v)]));
}

const ACTIVE_RUN = Prisma.sql`(SELECT status FROM "Run" r WHERE r.id = sr."runId") IN ('queued', 'running')`;

/** The schedule's own runs still in flight (backfills are not counted: they never hold fresh runs back). */
async function activeCount(tx: Tx, scheduleId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "ScheduledRun" sr
    WHERE sr."scheduleId" = ${scheduleId}::uuid AND sr."backfillId" IS NULL
      AND (sr.state = 'starting' OR (sr.state = 'started' AND ${ACTIVE_RUN}))`;
  return rows[0]?.n ?? 0;
}

export interface TickResult {
  started: number;
  skipped: number;
  waiting: number;
}

/**
 * Decides every fire time of a schedule that is due at `now` (the clock is a parameter so tests
 * control it) and starts what must start. Safe to call from any number of workers at once.
 */
export async function tickSchedule(ctx: EngineContext, scheduleId: string, now = new Date()): Promise<TickResult> {
  const result: TickResult = { started: 0, skipped: 0, waiting: 0 };
  const schedule = await ctx.db.$transaction(async (tx) => {
    let s: ScheduleRow;
    try {
      s = await lockSchedule(tx, scheduleId);
    } catch (err) {
      if (err instanceof DomainError && err.code === "NOT_FOUND") return null; // deleted meanwhile
      throw err;
    }
    if (!s.paused) {
      const until = s.endAt && s.endAt < now ? s.endAt : now;
      const after = s.lastFireAt ?? new Date(s.startAt.getTime() - 1);
      let due: Date[] = [];
      if (after < until) {
        if (s.catchup) due = fireTimesBetween(triggerOf(s), after, until, MAX_FIRES_PER_TICK);
        else {
          // Without catchup, a backlog (Trellis was down) collapses to its latest fire time.
          const latest = previousFireTime(triggerOf(s), new Date(until.getTime() + 1));
          due = latest && latest > after ? [latest] : [];
        }
      }
      due = due.filter((t) => t >= s.startAt);
      const decided = due;
      let active = await activeCount(tx, s.id);
      for (const time of decided) {
        const interval = intervalAt(triggerOf(s), time);
        let state: "starting" | "skipped" | "waiting";
        let reason: string | null = null;
        if (s.concurrency === "skip" && active > 0) {
          state = "skipped";
          reason = "skipped: the previous run was still running (concurrency: skip)";
        } else if (s.concurrency === "allow" && active >= s.maxConcurrent) {
          state = "skipped";
          reason = `skipped: ${active} runs were already running (maxConcurrent: ${s.maxConcurrent})`;
        } else if (s.concurrency === "queue" && (active >= s.maxConcurrent || (await waitingCount(tx, s.id)) > 0)) {
          state = "waiting";
          reason = "waiting for a running run to finish (concurrency: queue)";
        } else state = "starting";
        const inserted = await tx.$executeRaw`
          INSERT INTO "ScheduledRun" (id, "scheduleId", "logicalTime", "intervalStart", "intervalEnd", state, reason, "updatedAt")
          VALUES (gen_random_uuid(), ${s.id}::uuid, ${time}, ${interval.start}, ${interval.end}, ${state}, ${reason}, now())
          ON CONFLICT ("scheduleId", "logicalTime") WHERE "backfillId" IS NULL DO NOTHING`;
        if (inserted === 0) continue; // decided before (another worker, an earlier tick)
        if (state === "starting") active++;
        result[state === "starting" ? "started" : state]++;
      }
      const last = due.at(-1);
      if (last && (!s.lastFireAt || last > s.lastFireAt)) await tx.schedule.update({ where: { id: s.id }, data: { lastFireAt: last } });
      // Queue policy: the oldest waiting runs start as running ones finish.
      if (s.concurrency === "queue") {
        const free = s.maxConcurrent - active;
        if (free > 0) {
          const promoted = await tx.$executeRaw`
            UPDATE "ScheduledRun" SET state = 'starting', reason = NULL, "updatedAt" = now()
            WHERE id IN (SELECT id FROM "ScheduledRun" WHERE "scheduleId" = ${s.id}::uuid AND "backfillId" IS NULL AND state = 'waiting'
              ORDER BY "logicalTime" LIMIT ${free})`;
          result.started += promoted;
        }
      }
    }
    return s;
  });
  if (schedule) await startDecidedRuns(ctx, schedule.id);
  return result;
}

async function waitingCount(tx: Tx, scheduleId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "ScheduledRun" WHERE "scheduleId" = ${scheduleId}::uuid AND "backfillId" IS NULL AND state = 'waiting'`;
  return rows[0]?.n ?? 0;
}

/**
 * Creates the runs of rows decided `starting` (of one schedule, or all stale ones), each with
 * an idempotency key derived from its row, so a repeated call never makes a second run.
 */
async function startDecidedRuns(ctx: EngineContext, scheduleId: string | null, staleOnly = false): Promise<number> {
  const rows = await ctx.db.$queryRaw<
    { id: string; scheduleId: string; backfillId: string | null; logicalTime: Date; intervalStart: Date; intervalEnd: Date; projectId: string; pipeline: string; version: number | null; params: Record<string, unknown>; name: string }[]
  >`
    SELECT sr.id, sr."scheduleId", sr."backfillId", sr."logicalTime", sr."intervalStart", sr."intervalEnd", s."projectId", p.name AS pipeline,
      s."pipelineVersion" AS version, s.params, s.name
    FROM "ScheduledRun" sr JOIN "Schedule" s ON s.id = sr."scheduleId" JOIN "Pipeline" p ON p.id = s."pipelineId"
    WHERE sr.state = 'starting' ${scheduleId ? Prisma.sql`AND sr."scheduleId" = ${scheduleId}::uuid` : Prisma.empty}
      ${staleOnly ? Prisma.sql`AND sr."updatedAt" < now() - make_interval(secs => ${STARTING_REPAIR_MS / 1000})` : Prisma.empty}
    ORDER BY sr."logicalTime" LIMIT 200`;
  let started = 0;
  for (const row of rows) {
    const interval = { logicalDate: row.logicalTime, start: row.intervalStart, end: row.intervalEnd };
    const key = `${row.backfillId ? `backfill:${row.backfillId}` : `schedule:${row.scheduleId}`}:${row.logicalTime.toISOString()}`;
    let runId: string | null = null;
    let failure: string | null = null;
    try {
      runId = (
        await createRun(ctx, {
          projectId: row.projectId,
          pipeline: row.pipeline,
          ...(row.version !== null ? { version: row.version } : {}),
          params: renderScheduleParams(row.params, interval),
          name: `${row.name} ${row.logicalTime.toISOString().replace(/:00\.000Z$/, "Z")}`,
          idempotencyKey: key,
        })
      ).runId;
    } catch (err) {
      // The schedule's params or pinned version no longer make a valid run: say so on the row.
      if (err instanceof DomainError) failure = `could not start: ${err.message}${err.issues.length ? ` (${err.issues.map((i) => `${i.path}: ${i.message}`).join("; ")})` : ""}`;
      else throw err;
    }
    const recorded = await ctx.db.$executeRaw`
      UPDATE "ScheduledRun" SET state = ${runId ? "started" : "failed"}, "runId" = ${runId}::uuid, reason = ${failure}, "updatedAt" = now()
      WHERE id = ${row.id}::uuid AND state = 'starting'`;
    if (runId && recorded === 0) {
      // Another caller recorded the same run (same idempotency key) — or the row was cancelled
      // meanwhile (its backfill was), and then the run just made must not go on.
      const now = await ctx.db.scheduledRun.findUnique({ where: { id: row.id }, select: { state: true } });
      if (now?.state === "cancelled") await cancelRun(ctx, { projectId: row.projectId, runId }).catch(() => undefined);
    } else if (runId) started++;
  }
  return started;
}

// ---------------------------------------------------------------------------------------------
// backfills

export interface BackfillInput {
  projectId: string;
  scheduleId: string;
  from: Date;
  to: Date;
  maxParallel: number;
  reprocess: ReprocessPolicy;
  dryRun?: boolean;
  actor: string;
}

export interface BackfillPlanEntry {
  logicalTime: Date;
  intervalStart: Date;
  intervalEnd: Date;
  action: "run" | "skip";
  /** Why it is skipped, or what the latest run of the interval was. */
  reason: string | null;
}

export interface BackfillPlan {
  backfillId: string | null;
  intervals: BackfillPlanEntry[];
  truncated: boolean;
}

/**
 * The latest run per logical time of a schedule (its own and earlier backfills'); an interval
 * that another backfill (or a queued tick) is about to run counts as in flight ("queued").
 */
async function latestRunsByTime(tx: Tx, scheduleId: string, from: Date, to: Date): Promise<Map<number, { status: string; runId: string }>> {
  const rows = await tx.$queryRaw<{ logicalTime: Date; status: string; runId: string }[]>`
    SELECT DISTINCT ON (sr."logicalTime") sr."logicalTime", r.status::text AS status, r.id AS "runId"
    FROM "ScheduledRun" sr JOIN "Run" r ON r.id = sr."runId"
    WHERE sr."scheduleId" = ${scheduleId}::uuid AND sr."logicalTime" >= ${from} AND sr."logicalTime" < ${to}
    ORDER BY sr."logicalTime", r."createdAt" DESC`;
  const latest = new Map(rows.map((r) => [r.logicalTime.getTime(), { status: r.status, runId: r.runId }]));
  const pending = await tx.$queryRaw<{ logicalTime: Date; id: string }[]>`
    SELECT "logicalTime", id FROM "ScheduledRun"
    WHERE "scheduleId" = ${scheduleId}::uuid AND "logicalTime" >= ${from} AND "logicalTime" < ${to} AND state IN ('waiting', 'starting')`;
  for (const p of pending) latest.set(p.logicalTime.getTime(), { status: "queued", runId: `not created yet, interval ${p.id}` });
  return latest;
}

/**
 * Plans (dryRun) or starts a backfill: one run per interval of the schedule in [from, to),
 * filtered by the reprocess policy. An interval with a run still in flight is never run again.
 */
export async function createBackfill(ctx: EngineContext, input: BackfillInput): Promise<BackfillPlan> {
  const issues: Issue[] = [];
  if (!(input.from < input.to)) issues.push({ path: "to", message: "must be after from" });
  if (!Number.isInteger(input.maxParallel) || input.maxParallel < 1 || input.maxParallel > 50) issues.push({ path: "maxParallel", message: "a whole number from 1 to 50" });
  if (!(REPROCESS_POLICIES as readonly string[]).includes(input.reprocess)) issues.push({ path: "reprocess", message: `one of ${REPROCESS_POLICIES.join(", ")}` });
  if (issues.length > 0) throw validationFailed("invalid backfill", issues);
  const plan = await ctx.db.$transaction(async (tx) => {
    const s = await lockSchedule(tx, input.scheduleId, input.projectId);
    const { intervals, truncated } = intervalsInRange(triggerOf(s), input.from, input.to, MAX_BACKFILL_INTERVALS);
    if (truncated) throw validationFailed("backfill too large", [{ path: "to", message: `the range holds more than ${MAX_BACKFILL_INTERVALS} intervals` }]);
    const latest = await latestRunsByTime(tx, s.id, input.from, input.to);
    const entries: BackfillPlanEntry[] = intervals.map((i) => {
      const previous = latest.get(i.logicalDate.getTime());
      const base = { logicalTime: i.logicalDate, intervalStart: i.start, intervalEnd: i.end };
      if (previous && (previous.status === "queued" || previous.status === "running")) return { ...base, action: "skip", reason: `a run of this interval is in flight (${previous.runId})` };
      if (input.reprocess === "skip-succeeded" && previous?.status === "succeeded") return { ...base, action: "skip", reason: "already succeeded" };
      if (input.reprocess === "failed-only" && previous?.status !== "failed" && previous?.status !== "cancelled") {
        return { ...base, action: "skip", reason: previous ? "already succeeded" : "never ran (failed-only reruns failed intervals)" };
      }
      return { ...base, action: "run", reason: previous ? `previous run ${previous.status}` : null };
    });
    if (input.dryRun) return { backfillId: null, intervals: entries, truncated };
    const backfill = await tx.backfill.create({
      data: { scheduleId: s.id, rangeStart: input.from, rangeEnd: input.to, maxParallel: input.maxParallel, reprocess: input.reprocess, total: entries.filter((e) => e.action === "run").length, createdBy: input.actor },
      select: { id: true },
    });
    await tx.scheduledRun.createMany({
      data: entries.map((e) => ({
        scheduleId: s.id,
        backfillId: backfill.id,
        logicalTime: e.logicalTime,
        intervalStart: e.intervalStart,
        intervalEnd: e.intervalEnd,
        state: e.action === "run" ? "waiting" : "skipped",
        reason: e.action === "run" ? null : e.reason,
      })),
    });
    return { backfillId: backfill.id, intervals: entries, truncated };
  });
  if (plan.backfillId) await advanceBackfill(ctx, plan.backfillId);
  return plan;
}

/**
 * Starts waiting intervals of a backfill up to its parallelism (oldest first) and finishes it
 * when nothing is left. Called after creation and by the workers' sweep.
 */
export async function advanceBackfill(ctx: EngineContext, backfillId: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; state: string; maxParallel: number }[]>`
      SELECT id, state, "maxParallel" FROM "Backfill" WHERE id = ${backfillId}::uuid FOR UPDATE`;
    const b = rows[0];
    if (!b || b.state !== "running") return;
    const counts = await tx.$queryRaw<{ active: number; waiting: number; failed: number }[]>`
      SELECT count(*) FILTER (WHERE sr.state = 'starting' OR (sr.state = 'started' AND ${ACTIVE_RUN}))::int AS active,
        count(*) FILTER (WHERE sr.state = 'waiting')::int AS waiting,
        count(*) FILTER (WHERE sr.state = 'failed' OR (sr.state = 'started' AND (SELECT status FROM "Run" r WHERE r.id = sr."runId") IN ('failed', 'cancelled')))::int AS failed
      FROM "ScheduledRun" sr WHERE sr."backfillId" = ${backfillId}::uuid`;
    const { active, waiting, failed } = counts[0]!;
    if (active === 0 && waiting === 0) {
      await tx.backfill.update({ where: { id: backfillId }, data: { state: failed > 0 ? "failed" : "succeeded", finishedAt: new Date() } });
      return;
    }
    const free = b.maxParallel - active;
    if (free > 0 && waiting > 0) {
      await tx.$executeRaw`
        UPDATE "ScheduledRun" SET state = 'starting', "updatedAt" = now()
        WHERE id IN (SELECT id FROM "ScheduledRun" WHERE "backfillId" = ${backfillId}::uuid AND state = 'waiting' ORDER BY "logicalTime" LIMIT ${free})`;
    }
  });
  const scheduleId = (await ctx.db.backfill.findUnique({ where: { id: backfillId }, select: { scheduleId: true } }))?.scheduleId;
  if (scheduleId) await startDecidedRuns(ctx, scheduleId);
}

/** Cancels a backfill: intervals not started are cancelled, running runs are cancelled. */
export async function cancelBackfill(ctx: EngineContext, projectId: string, backfillId: string): Promise<void> {
  const runIds = await ctx.db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; state: string }[]>`
      SELECT b.id, b.state FROM "Backfill" b JOIN "Schedule" s ON s.id = b."scheduleId"
      WHERE b.id = ${backfillId}::uuid AND s."projectId" = ${projectId}::uuid FOR UPDATE OF b`;
    if (!rows[0]) throw notFound(`backfill "${backfillId}"`);
    if (rows[0].state !== "running") throw conflict(`the backfill has already ${rows[0].state === "cancelled" ? "been cancelled" : rows[0].state}`);
    await tx.$executeRaw`UPDATE "ScheduledRun" SET state = 'cancelled', reason = 'the backfill was cancelled', "updatedAt" = now() WHERE "backfillId" = ${backfillId}::uuid AND state IN ('waiting', 'starting')`;
    await tx.backfill.update({ where: { id: backfillId }, data: { state: "cancelled", finishedAt: new Date() } });
    const started = await tx.$queryRaw<{ runId: string }[]>`
      SELECT sr."runId" FROM "ScheduledRun" sr WHERE sr."backfillId" = ${backfillId}::uuid AND sr.state = 'started' AND ${ACTIVE_RUN}`;
    return started.map((r) => r.runId);
  });
  for (const runId of runIds) await cancelRun(ctx, { projectId, runId }).catch(() => undefined);
}

/**
 * The periodic safety net run by every worker: ticks every active schedule (a missed or late
 * BullMQ tick is caught up here; the database decides, so ticking twice is harmless), finishes
 * `starting` rows whose creator died, and advances running backfills.
 */
export async function sweepSchedules(ctx: EngineContext, now = new Date()): Promise<void> {
  // Ended schedules whose last fire times are all decided are left alone.
  const schedules = await ctx.db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Schedule" WHERE NOT paused AND ("endAt" IS NULL OR "lastFireAt" IS NULL OR "lastFireAt" < "endAt")`;
  for (const s of schedules) await tickSchedule(ctx, s.id, now);
  await startDecidedRuns(ctx, null, true);
  const backfills = await ctx.db.backfill.findMany({ where: { state: "running" }, select: { id: true } });
  for (const b of backfills) await advanceBackfill(ctx, b.id);
}

/** The next fire times of a trigger, for previews (cron helper, schedules list). */
export function previewTrigger(trigger: TriggerInput, from: Date, count: number, startAt?: Date): Date[] | string {
  const t: Trigger = trigger.kind === "cron" ? { kind: "cron", cron: trigger.cron, timezone: trigger.timezone ?? "UTC" } : { kind: "interval", everyMs: trigger.everySeconds * 1000, anchor: startAt ?? from };
  const problem = checkTrigger(t);
  if (problem) return problem;
  return nextFireTimes(t, new Date(Math.max(from.getTime(), (startAt ?? from).getTime()) - 1), count);
}
