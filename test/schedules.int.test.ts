import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceBackfill, cancelRun, createBackfill, createRun, createSchedule, tickSchedule, type ScheduleInput } from "@trellis/engine";
import { startStepWorker } from "../apps/worker/src/step-worker.js";
import { createHarness, type Harness } from "./harness.js";

/**
 * Schedules with a controlled clock (tickSchedule's `now`) against real Postgres and Redis, and
 * with real workers for restarts and backfills.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.push(`name: nightly
params:
  day: { type: string }
steps:
  work:
    run: echo "day=\${{ params.day }}"
`);
});

afterAll(async () => {
  // The test database outlives the suite: schedules left behind would keep firing in the
  // sweeps of later suites' workers.
  await h.db.schedule.deleteMany({ where: { projectId: h.projectId } });
  await h.close();
});

const base = (over: Partial<ScheduleInput> = {}): ScheduleInput => ({
  name: `s-${Math.random().toString(36).slice(2, 8)}`,
  pipeline: "nightly",
  version: null,
  trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Europe/Berlin" },
  params: { day: "${{ schedule.logical_date }}" },
  concurrency: "allow",
  maxConcurrent: 10,
  catchup: false,
  ...over,
});

async function runsOf(scheduleId: string) {
  return h.db.scheduledRun.findMany({ where: { scheduleId }, orderBy: { logicalTime: "asc" }, include: { schedule: false } });
}

async function paramsOf(runId: string) {
  return ((await h.db.run.findUniqueOrThrow({ where: { id: runId }, select: { params: true } })).params as { day: string }).day;
}

describe("schedule ticks", () => {
  it("create each logical time's run exactly once, however many ticks race, across a DST change", async () => {
    const created = new Date("2026-03-27T12:00:00Z");
    const { id } = await createSchedule(h.ctx, h.projectId, base(), created);
    // Nothing is due before the first 02:00 after creation.
    expect(await tickSchedule(h.ctx, id, new Date("2026-03-28T00:59:00Z"))).toEqual({ started: 0, skipped: 0, waiting: 0 });
    // 02:00 CET on the 28th is 01:00Z; ten workers tick at once.
    const results = await Promise.all(Array.from({ length: 10 }, () => tickSchedule(h.ctx, id, new Date("2026-03-28T01:00:00Z"))));
    expect(results.reduce((n, r) => n + r.started, 0)).toBe(1);
    // 02:00 on the 29th does not exist (clocks jump 02:00 → 03:00): it fires once, at 03:00 CEST = 01:00Z.
    await Promise.all(Array.from({ length: 5 }, () => tickSchedule(h.ctx, id, new Date("2026-03-29T06:00:00Z"))));
    const rows = await runsOf(id);
    expect(rows.map((r) => [r.logicalTime.toISOString(), r.state])).toEqual([
      ["2026-03-28T01:00:00.000Z", "started"],
      ["2026-03-29T01:00:00.000Z", "started"],
    ]);
    expect(rows[1]!.intervalStart.toISOString()).toBe("2026-03-28T01:00:00.000Z");
    expect(await paramsOf(rows[1]!.runId!)).toBe("2026-03-29T01:00:00.000Z");
    expect(await h.db.run.count({ where: { id: { in: rows.map((r) => r.runId!) } } })).toBe(2);
  });

  it("run every missed fire time with catchup on, and only the latest with catchup off", async () => {
    const created = new Date("2026-01-01T00:00:30Z");
    const on = await createSchedule(h.ctx, h.projectId, base({ trigger: { kind: "cron", cron: "0 * * * *", timezone: "UTC" }, catchup: true }), created);
    const off = await createSchedule(h.ctx, h.projectId, base({ trigger: { kind: "cron", cron: "0 * * * *", timezone: "UTC" }, catchup: false }), created);
    const later = new Date("2026-01-01T05:30:00Z"); // down from 00:00:30 to 05:30
    expect((await tickSchedule(h.ctx, on.id, later)).started).toBe(5);
    expect((await tickSchedule(h.ctx, off.id, later)).started).toBe(1);
    expect((await runsOf(off.id)).map((r) => r.logicalTime.toISOString())).toEqual(["2026-01-01T05:00:00.000Z"]);
  });

  it("skip, or queue, a fire time while the previous run is still running", async () => {
    const created = new Date("2026-02-01T00:00:00Z");
    const every = { kind: "interval", everySeconds: 3600 } as const;
    const skip = await createSchedule(h.ctx, h.projectId, base({ trigger: every, concurrency: "skip", startAt: created }), created);
    const queue = await createSchedule(h.ctx, h.projectId, base({ trigger: every, concurrency: "queue", maxConcurrent: 1, startAt: created }), created);
    // No worker here: runs stay queued, i.e. in flight.
    for (const at of ["2026-02-01T01:00:00Z", "2026-02-01T02:00:00Z"]) {
      await tickSchedule(h.ctx, skip.id, new Date(at));
      await tickSchedule(h.ctx, queue.id, new Date(at));
    }
    const skipped = await runsOf(skip.id);
    expect(skipped.map((r) => r.state)).toEqual(["started", "skipped"]);
    expect(skipped[1]!.reason).toMatch(/previous run was still running/);
    const queued = await runsOf(queue.id);
    expect(queued.map((r) => r.state)).toEqual(["started", "waiting"]);
    // The running one ends (cancelled here): the waiting one starts at the next tick.
    await cancelRun(h.ctx, { projectId: h.projectId, runId: queued[0]!.runId! });
    await tickSchedule(h.ctx, queue.id, new Date("2026-02-01T02:00:30Z"));
    expect((await runsOf(queue.id)).map((r) => r.state)).toEqual(["started", "started"]);
  });
});

describe("with workers", () => {
  it("finish a run whose creation a dead worker left half done, once, across a worker restart", async () => {
    const created = new Date("2026-04-01T00:00:00Z");
    // Paused, so the workers' sweep (on the real clock) adds no fire time of its own.
    const { id } = await createSchedule(h.ctx, h.projectId, base({ trigger: { kind: "cron", cron: "0 0 * * *", timezone: "UTC" }, paused: true }), created);
    // A worker decided two fire times and died: one before creating its run, one after creating
    // it but before recording it.
    const times = ["2026-04-02T00:00:00Z", "2026-04-03T00:00:00Z"].map((t) => new Date(t));
    for (const t of times) {
      await h.db.scheduledRun.create({
        data: { scheduleId: id, logicalTime: t, intervalStart: new Date(t.getTime() - 86_400_000), intervalEnd: t, state: "starting", updatedAt: new Date(Date.now() - 60_000) },
      });
    }
    await h.db.$executeRaw`UPDATE "ScheduledRun" SET "updatedAt" = now() - interval '1 minute' WHERE "scheduleId" = ${id}::uuid`;
    await h.db.schedule.update({ where: { id }, data: { lastFireAt: times[1] } });
    const orphan = await createRun(h.ctx, { projectId: h.projectId, pipeline: "nightly", params: { day: "x" }, idempotencyKey: `schedule:${id}:${times[1]!.toISOString()}` });

    for (let restart = 0; restart < 2; restart++) {
      const worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 2, docker: null, scheduleSweepMs: 200 });
      try {
        await h.waitFor(async () => (await runsOf(id)).every((r) => r.state === "started"), "the sweep to finish both runs");
      } finally {
        await worker.stop();
      }
    }
    const rows = await runsOf(id);
    expect(rows.map((r) => r.state)).toEqual(["started", "started"]);
    expect(rows[1]!.runId).toBe(orphan.runId);
    const keys = await h.db.run.findMany({ where: { idempotencyKey: { startsWith: `schedule:${id}:` } }, select: { idempotencyKey: true } });
    expect(keys.map((k) => k.idempotencyKey).sort()).toEqual(times.map((t) => `schedule:${id}:${t.toISOString()}`));
  });

  it("backfill five days two at a time, never duplicating a run still in flight", async () => {
    const created = new Date("2026-05-01T00:00:00Z");
    const { id } = await createSchedule(h.ctx, h.projectId, base({ trigger: { kind: "cron", cron: "0 0 * * *", timezone: "UTC" }, paused: true }), created);
    const range = { projectId: h.projectId, scheduleId: id, from: new Date("2026-05-01T00:00:00Z"), to: new Date("2026-05-06T00:00:00Z"), actor: "test" };
    const preview = await createBackfill(h.ctx, { ...range, maxParallel: 2, reprocess: "skip-succeeded", dryRun: true });
    expect(preview.backfillId).toBeNull();
    expect(preview.intervals.map((i) => [i.logicalTime.toISOString().slice(0, 10), i.action])).toEqual([
      ["2026-05-01", "run"],
      ["2026-05-02", "run"],
      ["2026-05-03", "run"],
      ["2026-05-04", "run"],
      ["2026-05-05", "run"],
    ]);
    const started = await createBackfill(h.ctx, { ...range, maxParallel: 2, reprocess: "skip-succeeded" });
    // Two start at once; the rest wait (no worker yet, so the two stay in flight).
    expect((await h.db.scheduledRun.findMany({ where: { backfillId: started.backfillId } })).filter((r) => r.state === "started")).toHaveLength(2);
    // A second backfill over the same range runs nothing in flight: neither the two running
    // nor the three the first backfill is about to start.
    const overlap = await createBackfill(h.ctx, { ...range, maxParallel: 2, reprocess: "all", dryRun: true });
    expect(overlap.intervals.map((i) => i.action)).toEqual(["skip", "skip", "skip", "skip", "skip"]);
    expect(overlap.intervals.every((i) => /in flight/.test(i.reason ?? ""))).toBe(true);

    const worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 4, docker: null, scheduleSweepMs: 200 });
    try {
      const done = await h.waitFor(async () => {
        await advanceBackfill(h.ctx, started.backfillId!);
        const b = await h.db.backfill.findUniqueOrThrow({ where: { id: started.backfillId! } });
        return b.state !== "running" && b;
      }, "the backfill to finish");
      expect(done.state).toBe("succeeded");
    } finally {
      await worker.stop();
    }
    const rows = await h.db.scheduledRun.findMany({ where: { backfillId: started.backfillId }, orderBy: { logicalTime: "asc" } });
    const runs = await h.db.run.findMany({ where: { id: { in: rows.map((r) => r.runId!) } }, select: { id: true, startedAt: true, finishedAt: true, params: true, status: true } });
    expect(runs.every((r) => r.status === "succeeded")).toBe(true);
    expect(runs.map((r) => (r.params as { day: string }).day).sort()).toEqual(rows.map((r) => r.logicalTime.toISOString()));
    // Never more than two at once.
    for (const r of runs) {
      const overlapping = runs.filter((o) => o.startedAt! < r.finishedAt! && r.startedAt! < o.finishedAt!);
      expect(overlapping.length).toBeLessThanOrEqual(2);
    }
    // Reprocess policies: everything succeeded, so skip-succeeded and failed-only run nothing; all reruns the five.
    for (const [reprocess, runCount] of [["skip-succeeded", 0], ["failed-only", 0], ["all", 5]] as const) {
      const plan = await createBackfill(h.ctx, { ...range, maxParallel: 2, reprocess, dryRun: true });
      expect(plan.intervals.filter((i) => i.action === "run")).toHaveLength(runCount);
    }
  });
});
