import { Prisma, type PrismaClient } from "@trellis/db";
import { notFound, triggerOf, type ConcurrencyPolicy, type ReprocessPolicy, type RunStatusName } from "@trellis/engine";
import { describeTrigger, nextFireTimes } from "@trellis/schedule";
import { iso, isoOrNull } from "./iso.js";

/** Read models of schedules: schedule views with their next fire times, their runs history, backfills with progress counts. */

const NEXT_FIRE_TIMES = 5;

const scheduleSelect = {
  id: true,
  name: true,
  pipelineVersion: true,
  kind: true,
  cron: true,
  timezone: true,
  intervalSeconds: true,
  params: true,
  startAt: true,
  endAt: true,
  paused: true,
  concurrency: true,
  maxConcurrent: true,
  catchup: true,
  lastFireAt: true,
  createdAt: true,
  updatedAt: true,
  pipeline: { select: { name: true } },
} as const;

type ScheduleRow = Prisma.ScheduleGetPayload<{ select: typeof scheduleSelect }>;

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The next fire times after max(now, lastFireAt), none after endAt; none while paused. */
function upcoming(s: ScheduleRow, now: Date): string[] {
  if (s.paused || (s.endAt && s.endAt <= now)) return [];
  const after = new Date(Math.max(now.getTime(), s.lastFireAt?.getTime() ?? 0, s.startAt.getTime() - 1));
  try {
    return nextFireTimes(triggerOf(s), after, NEXT_FIRE_TIMES)
      .filter((t) => !s.endAt || t <= s.endAt)
      .map(iso);
  } catch {
    return []; // a stored trigger the arithmetic refuses (cannot be created through the API)
  }
}

async function scheduleViews(db: PrismaClient, rows: ScheduleRow[], now = new Date()) {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const [lastRuns, backfills] = await Promise.all([
    db.$queryRaw<{ scheduleId: string; logicalTime: Date; runId: string; status: string }[]>`
      SELECT DISTINCT ON (sr."scheduleId") sr."scheduleId", sr."logicalTime", r.id AS "runId", r.status::text AS status
      FROM "ScheduledRun" sr JOIN "Run" r ON r.id = sr."runId"
      WHERE sr."scheduleId" = ANY(${ids}::uuid[])
      ORDER BY sr."scheduleId", sr."logicalTime" DESC, r."createdAt" DESC`,
    db.backfill.groupBy({ by: ["scheduleId"], where: { scheduleId: { in: ids }, state: "running" }, _count: { _all: true } }),
  ]);
  const lastRunOf = new Map(lastRuns.map((r) => [r.scheduleId, r]));
  const activeOf = new Map(backfills.map((b) => [b.scheduleId, b._count._all]));
  return rows.map((s) => {
    const last = lastRunOf.get(s.id);
    return {
      id: s.id,
      name: s.name,
      pipeline: s.pipeline.name,
      version: s.pipelineVersion,
      trigger:
        s.kind === "interval"
          ? { kind: "interval" as const, everySeconds: s.intervalSeconds ?? 60 }
          : { kind: "cron" as const, cron: s.cron ?? "", timezone: s.timezone },
      description: describeTrigger(triggerOf(s)),
      params: record(s.params),
      startAt: iso(s.startAt),
      endAt: isoOrNull(s.endAt),
      paused: s.paused,
      concurrency: s.concurrency as ConcurrencyPolicy,
      maxConcurrent: s.maxConcurrent,
      catchup: s.catchup,
      lastFireAt: isoOrNull(s.lastFireAt),
      nextFireTimes: upcoming(s, now),
      lastRun: last ? { runId: last.runId, status: last.status as RunStatusName, logicalTime: iso(last.logicalTime) } : null,
      activeBackfills: activeOf.get(s.id) ?? 0,
      createdAt: iso(s.createdAt),
      updatedAt: iso(s.updatedAt),
    };
  });
}

export async function listSchedules(db: PrismaClient, projectId: string) {
  const rows = await db.schedule.findMany({ where: { projectId }, orderBy: { name: "asc" }, select: scheduleSelect });
  return { items: await scheduleViews(db, rows) };
}

/** 404 unless the project has the schedule. */
export async function requireSchedule(db: PrismaClient, projectId: string, id: string): Promise<void> {
  const found = await db.schedule.findFirst({ where: { id, projectId }, select: { id: true } });
  if (!found) throw notFound(`schedule "${id}"`);
}

export async function getScheduleView(db: PrismaClient, projectId: string, id: string) {
  const row = await db.schedule.findFirst({ where: { id, projectId }, select: scheduleSelect });
  if (!row) throw notFound(`schedule "${id}"`);
  return (await scheduleViews(db, [row]))[0]!;
}

interface ScheduledRunRow {
  id: string;
  logicalTime: Date;
  intervalStart: Date;
  intervalEnd: Date;
  state: string;
  reason: string | null;
  backfillId: string | null;
  runId: string | null;
  status: string | null;
  runCreatedAt: Date | null;
  finishedAt: Date | null;
}

type ScheduledRunState = "starting" | "started" | "skipped" | "waiting" | "cancelled";

/**
 * A schedule's runs history (its own ticks and its backfills' rows), newest logical time first,
 * in pages before a logical time. A page never splits the rows of one logical time, so `before`
 * (exclusive) loses none: it may hold a few more than `limit` rows.
 */
export async function listScheduledRuns(db: PrismaClient, projectId: string, scheduleId: string, page: { limit: number; before?: Date }) {
  await requireSchedule(db, projectId, scheduleId);
  const select = Prisma.sql`
    SELECT sr.id, sr."logicalTime", sr."intervalStart", sr."intervalEnd", sr.state, sr.reason, sr."backfillId",
      r.id AS "runId", r.status::text AS status, r."createdAt" AS "runCreatedAt", r."finishedAt"
    FROM "ScheduledRun" sr LEFT JOIN "Run" r ON r.id = sr."runId"
    WHERE sr."scheduleId" = ${scheduleId}::uuid`;
  const order = Prisma.sql`ORDER BY sr."logicalTime" DESC, sr."backfillId" NULLS FIRST, sr."createdAt" DESC, sr.id`;
  let rows = await db.$queryRaw<ScheduledRunRow[]>`
    ${select} ${page.before ? Prisma.sql`AND sr."logicalTime" < ${page.before}` : Prisma.empty} ${order} LIMIT ${page.limit + 1}`;
  let nextBefore: string | null = null;
  if (rows.length > page.limit) {
    // The page ends with every row of its last logical time, so that `before` skips none of them.
    const boundary = rows[page.limit - 1]!.logicalTime;
    const ofBoundary = await db.$queryRaw<ScheduledRunRow[]>`${select} AND sr."logicalTime" = ${boundary} ${order}`;
    rows = [...rows.slice(0, page.limit).filter((r) => r.logicalTime.getTime() !== boundary.getTime()), ...ofBoundary];
    const older = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM "ScheduledRun" WHERE "scheduleId" = ${scheduleId}::uuid AND "logicalTime" < ${boundary} LIMIT 1`;
    nextBefore = older.length > 0 ? iso(boundary) : null;
  }
  return {
    items: rows.map((r) => ({
      id: r.id,
      logicalTime: iso(r.logicalTime),
      intervalStart: iso(r.intervalStart),
      intervalEnd: iso(r.intervalEnd),
      state: r.state as ScheduledRunState,
      reason: r.reason,
      backfillId: r.backfillId,
      run:
        r.runId && r.status && r.runCreatedAt
          ? { id: r.runId, status: r.status as RunStatusName, createdAt: iso(r.runCreatedAt), finishedAt: isoOrNull(r.finishedAt) }
          : null,
    })),
    nextBefore,
  };
}

// ---------------------------------------------------------------------------------------------
// backfills

interface BackfillRow {
  id: string;
  scheduleId: string;
  rangeStart: Date;
  rangeEnd: Date;
  maxParallel: number;
  reprocess: string;
  state: string;
  total: number;
  createdBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

type Counts = { waiting: number; running: number; succeeded: number; failed: number; cancelled: number; skipped: number };

/**
 * Progress of backfills from their rows and their runs' statuses: starting, or started with a
 * queued or running run = running; a started row whose run was deleted counts as cancelled.
 */
async function countsOf(db: PrismaClient, ids: string[]): Promise<Map<string, Counts>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<(Counts & { backfillId: string })[]>`
    SELECT sr."backfillId",
      count(*) FILTER (WHERE sr.state = 'waiting')::int AS waiting,
      count(*) FILTER (WHERE sr.state = 'starting' OR (sr.state = 'started' AND r.status::text IN ('queued', 'running')))::int AS running,
      count(*) FILTER (WHERE sr.state = 'started' AND r.status::text = 'succeeded')::int AS succeeded,
      count(*) FILTER (WHERE sr.state = 'failed' OR (sr.state = 'started' AND r.status::text = 'failed'))::int AS failed,
      count(*) FILTER (WHERE sr.state = 'cancelled' OR (sr.state = 'started' AND (r.id IS NULL OR r.status::text = 'cancelled')))::int AS cancelled,
      count(*) FILTER (WHERE sr.state = 'skipped')::int AS skipped
    FROM "ScheduledRun" sr LEFT JOIN "Run" r ON r.id = sr."runId"
    WHERE sr."backfillId" = ANY(${ids}::uuid[])
    GROUP BY sr."backfillId"`;
  return new Map(rows.map(({ backfillId, ...counts }) => [backfillId, counts]));
}

const NO_COUNTS: Counts = { waiting: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 };

async function backfillViews(db: PrismaClient, rows: BackfillRow[]) {
  const counts = await countsOf(db, rows.map((b) => b.id));
  return rows.map((b) => ({
    id: b.id,
    scheduleId: b.scheduleId,
    rangeStart: iso(b.rangeStart),
    rangeEnd: iso(b.rangeEnd),
    maxParallel: b.maxParallel,
    reprocess: b.reprocess as ReprocessPolicy,
    state: b.state as "running" | "succeeded" | "failed" | "cancelled",
    total: b.total,
    counts: counts.get(b.id) ?? NO_COUNTS,
    createdBy: b.createdBy,
    createdAt: iso(b.createdAt),
    finishedAt: isoOrNull(b.finishedAt),
  }));
}

export async function listBackfills(db: PrismaClient, projectId: string, scheduleId: string) {
  await requireSchedule(db, projectId, scheduleId);
  const rows = await db.backfill.findMany({ where: { scheduleId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  return { items: await backfillViews(db, rows) };
}

export async function getBackfillView(db: PrismaClient, projectId: string, id: string) {
  const row = await db.backfill.findFirst({ where: { id, schedule: { projectId } } });
  if (!row) throw notFound(`backfill "${id}"`);
  return (await backfillViews(db, [row]))[0]!;
}
