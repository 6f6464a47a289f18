import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { advanceBackfill, loadEngineConfig, tickSchedule } from "@trellis/engine";
import { createApiServer, type ApiServer } from "./server.js";
import { apiClient, bearer, type Json } from "../../../test/http.js";
import { memberToken } from "../../../test/principals.js";

/**
 * Schedules and backfills through the REST API, with real Postgres and Redis. No worker runs:
 * ticks are driven with `tickSchedule` and a controlled clock, and runs stay queued (in flight)
 * unless a test finishes them in the database.
 */

let server: ApiServer;
let db: PrismaClient;
const project = `sched-${randomUUID().slice(0, 8)}`;
const queueName = `schedules-test-${randomUUID()}`;

const api = apiClient(() => server.app);

const spec = `name: etl
params:
  day: { type: string }
  note: { type: string, default: "-" }
steps:
  load:
    run: echo "\${{ params.day }} \${{ params.note }}"
`;

const schedules = () => `/projects/${project}/schedules`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function createSchedule(body: Record<string, unknown>): Promise<Json> {
  const res = await api("POST", schedules(), { pipeline: "etl", params: { day: "${{ schedule.logical_date }}" }, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Runs of a backfill in flight (queued or running), from the database. */
async function activeBackfillRuns(backfillId: string): Promise<number> {
  const rows = await db.scheduledRun.findMany({ where: { backfillId, state: "started" }, select: { runId: true } });
  const runIds = rows.flatMap((r) => (r.runId ? [r.runId] : []));
  return db.run.count({ where: { id: { in: runIds }, status: { in: ["queued", "running"] } } });
}

/** Named members of the test project, each calling with a personal token. */
const tokens: Record<string, string> = {};
const as = {
  bob: () => bearer(tokens.bob!),
};

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-schedules-")) });
  server = await createApiServer({ db, config, queueName });
  await db.project.create({ data: { name: project } });
  const { id: projectId } = await db.project.findUniqueOrThrow({ where: { name: project } });
  tokens.bob = await memberToken(db, { projectId, email: "bob@example.com", role: "editor" });

  const pushed = await api("POST", `/projects/${project}/pipelines`, { spec });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
});

afterAll(async () => {
  // The test database outlives the suite: schedules left behind would keep firing in the
  // sweeps of later suites' workers.
  await db.schedule.deleteMany({ where: { project: { name: project } } });
  await server.deps.queue.obliterate({ force: true });
  await server.deps.webhooks?.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
});

describe("schedules API", () => {
  it("creates, lists, reads, edits, pauses, resumes and deletes a schedule", async () => {
    const before = Date.now();
    const created = await createSchedule({ name: "nightly", trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Europe/Berlin" } });
    expect(created).toEqual({
      id: expect.any(String),
      name: "nightly",
      pipeline: "etl",
      version: null,
      trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Europe/Berlin" },
      description: "every day at 02:00 (Europe/Berlin)",
      params: { day: "${{ schedule.logical_date }}" },
      startAt: expect.stringMatching(ISO),
      endAt: null,
      paused: false,
      concurrency: "allow",
      maxConcurrent: 1,
      catchup: false,
      lastFireAt: expect.stringMatching(ISO),
      nextFireTimes: expect.any(Array),
      lastRun: null,
      activeBackfills: 0,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(created.nextFireTimes).toHaveLength(5);
    for (const t of created.nextFireTimes as string[]) expect(Date.parse(t)).toBeGreaterThan(before);

    const taken = await api("POST", schedules(), { name: "nightly", pipeline: "etl", params: { day: "x" }, trigger: { kind: "interval", everySeconds: 3600 } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("CONFLICT");

    const hourly = await createSchedule({
      name: "adhoc",
      version: 1,
      trigger: { kind: "interval", everySeconds: 3600 },
      startAt: "2030-01-01T00:00:00+01:00",
      endAt: "2030-01-01T05:00:00Z",
      concurrency: "skip",
      paused: false,
    });
    expect(hourly).toMatchObject({
      version: 1,
      trigger: { kind: "interval", everySeconds: 3600 },
      startAt: "2029-12-31T23:00:00.000Z",
      endAt: "2030-01-01T05:00:00.000Z",
      concurrency: "skip",
      nextFireTimes: ["2029-12-31T23:00:00.000Z", "2030-01-01T00:00:00.000Z", "2030-01-01T01:00:00.000Z", "2030-01-01T02:00:00.000Z", "2030-01-01T03:00:00.000Z"],
    });

    const list = await api("GET", schedules());
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: Json) => s.name)).toEqual(["adhoc", "nightly"]);

    const one = await api("GET", `${schedules()}/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ ...created, nextFireTimes: expect.any(Array) });
    expect((await api("GET", `${schedules()}/${randomUUID()}`)).status).toBe(404);
    const badId = await api("GET", `${schedules()}/not-a-uuid`);
    expect(badId.status).toBe(400);
    expect(badId.body.error.issues[0].path).toBe("params.id");
    expect((await api("GET", `/projects/no-such-project-${randomUUID().slice(0, 6)}/schedules`)).status).toBe(404);

    const patched = await api("PATCH", `${schedules()}/${created.id}`, {
      trigger: { kind: "interval", everySeconds: 600 },
      concurrency: "queue",
      maxConcurrent: 3,
      catchup: true,
      params: { day: "fixed", note: "${{ schedule.interval_end }}" },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      name: "nightly",
      trigger: { kind: "interval", everySeconds: 600 },
      concurrency: "queue",
      maxConcurrent: 3,
      catchup: true,
      params: { day: "fixed", note: "${{ schedule.interval_end }}" },
    });
    expect(patched.body.description).not.toBe(created.description);
    const fires = (patched.body.nextFireTimes as string[]).map((t) => Date.parse(t));
    expect(fires).toHaveLength(5);
    expect(fires[1]! - fires[0]!).toBe(600_000);

    const renamed = await api("PATCH", `${schedules()}/${created.id}`, { name: "adhoc" });
    expect(renamed.status).toBe(409);
    const unpinned = await api("PATCH", `${schedules()}/${hourly.id}`, { version: null, endAt: null });
    expect(unpinned.body).toMatchObject({ version: null, endAt: null });

    const paused = await api("POST", `${schedules()}/${created.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, nextFireTimes: [] });
    const resumed = await api("POST", `${schedules()}/${created.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.nextFireTimes).toHaveLength(5);
    const pausedByPatch = await api("PATCH", `${schedules()}/${created.id}`, { paused: true });
    expect(pausedByPatch.body).toMatchObject({ paused: true, nextFireTimes: [] });
    expect((await api("POST", `${schedules()}/${randomUUID()}/pause`)).status).toBe(404);

    expect((await api("DELETE", `${schedules()}/${created.id}`)).status).toBe(204);
    expect((await api("GET", `${schedules()}/${created.id}`)).status).toBe(404);
    expect((await api("DELETE", `${schedules()}/${created.id}`)).status).toBe(404);
    expect((await api("DELETE", `${schedules()}/${hourly.id}`)).status).toBe(204);
  });

  it("refuses bad input with 400 naming the field", async () => {
    const base = { name: "bad", pipeline: "etl", trigger: { kind: "cron", cron: "0 2 * * *" } };
    const cases: [Record<string, unknown>, string][] = [
      [{ trigger: { kind: "cron", cron: "61 * * * *" } }, "trigger.cron"],
      [{ trigger: { kind: "cron", cron: "0 2 * *" } }, "trigger.cron"],
      [{ trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Mars/Olympus_Mons" } }, "trigger.timezone"],
      [{ trigger: { kind: "interval", everySeconds: 30 } }, "trigger.everySeconds"],
      [{ trigger: { kind: "interval", everySeconds: 90.5 } }, "trigger.everySeconds"],
      [{ pipeline: "no-such-pipeline" }, "pipeline"],
      [{ version: 9 }, "version"],
      [{ startAt: "2030-01-02T00:00:00Z", endAt: "2030-01-01T00:00:00Z" }, "endAt"],
      [{ startAt: "tomorrow" }, "startAt"],
      [{ concurrency: "sometimes" }, "concurrency"],
      [{ maxConcurrent: 0 }, "maxConcurrent"],
      [{ name: "-bad/name" }, "name"],
    ];
    for (const [override, field] of cases) {
      const res = await api("POST", schedules(), { ...base, ...override });
      expect(res.status, `${JSON.stringify(override)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.issues.map((i: Json) => i.path), JSON.stringify(res.body)).toContain(field);
    }
    expect((await api("GET", schedules())).body.items.find((s: Json) => s.name === "bad")).toBeUndefined();

    const ok = await createSchedule({ name: "valid", trigger: { kind: "cron", cron: "0 2 * * *" } });
    const badPatch = await api("PATCH", `${schedules()}/${ok.id}`, { trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Nowhere/City" } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.issues[0].path).toBe("trigger.timezone");
    const badVersion = await api("PATCH", `${schedules()}/${ok.id}`, { version: 7 });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.error.issues[0].path).toBe("version");
    expect((await api("PATCH", `${schedules()}/${randomUUID()}`, { maxConcurrent: 2 })).status).toBe(404);
    expect((await api("DELETE", `${schedules()}/${ok.id}`)).status).toBe(204);
  });

  it("previews a trigger across the daylight-saving change with its description", async () => {
    const res = await api("POST", `${schedules()}/preview`, {
      trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Europe/Berlin" },
      startAt: "2030-03-29T00:00:00Z",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      // 02:00 CET is 01:00Z; on 2030-03-31 02:00 does not exist and fires at 03:00 CEST (01:00Z); then 02:00 CEST is 00:00Z.
      fireTimes: ["2030-03-29T01:00:00.000Z", "2030-03-30T01:00:00.000Z", "2030-03-31T01:00:00.000Z", "2030-04-01T00:00:00.000Z", "2030-04-02T00:00:00.000Z"],
      description: "every day at 02:00 (Europe/Berlin)",
      dstPolicy: expect.stringContaining("time zone"),
    });
    const interval = await api("POST", `${schedules()}/preview`, { trigger: { kind: "interval", everySeconds: 7200 }, startAt: "2030-01-01T00:00:00Z", count: 3 });
    expect(interval.body.fireTimes).toEqual(["2030-01-01T00:00:00.000Z", "2030-01-01T02:00:00.000Z", "2030-01-01T04:00:00.000Z"]);
    const badZone = await api("POST", `${schedules()}/preview`, { trigger: { kind: "cron", cron: "0 2 * * *", timezone: "Europe/Atlantis" } });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.issues).toEqual([{ path: "trigger.timezone", message: expect.stringContaining("Europe/Atlantis") }]);
    const badCron = await api("POST", `${schedules()}/preview`, { trigger: { kind: "cron", cron: "0 25 * * *" } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.error.issues[0].path).toBe("trigger.cron");
    const tooMany = await api("POST", `${schedules()}/preview`, { trigger: { kind: "cron", cron: "0 2 * * *" }, count: 21 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.issues[0].path).toBe("count");
  });

  it("records ticks in the runs history and renders the logical date into the run's params", async () => {
    const s = await createSchedule({
      name: "hourly",
      trigger: { kind: "cron", cron: "0 * * * *" },
      startAt: "2030-01-01T00:00:00Z",
      maxConcurrent: 2,
      params: { day: "${{ schedule.logical_date }}", note: "${{ schedule.interval_start }}/${{ schedule.interval_end }}" },
    });
    const ctx = server.deps;
    // Catchup off: the backlog 00:00-03:00 collapses to its latest fire time.
    expect(await tickSchedule(ctx, s.id, new Date("2030-01-01T03:30:00Z"))).toEqual({ started: 1, skipped: 0, waiting: 0 });
    expect(await tickSchedule(ctx, s.id, new Date("2030-01-01T03:30:00Z"))).toEqual({ started: 0, skipped: 0, waiting: 0 });
    expect(await tickSchedule(ctx, s.id, new Date("2030-01-01T04:10:00Z"))).toEqual({ started: 1, skipped: 0, waiting: 0 });
    // Two runs are still queued (no worker): maxConcurrent 2 skips the third.
    expect(await tickSchedule(ctx, s.id, new Date("2030-01-01T05:10:00Z"))).toEqual({ started: 0, skipped: 1, waiting: 0 });

    const history = await api("GET", `${schedules()}/${s.id}/runs`);
    expect(history.status).toBe(200);
    expect(history.body.nextBefore).toBeNull();
    expect(history.body.items).toEqual([
      {
        id: expect.any(String),
        logicalTime: "2030-01-01T05:00:00.000Z",
        intervalStart: "2030-01-01T04:00:00.000Z",
        intervalEnd: "2030-01-01T05:00:00.000Z",
        state: "skipped",
        reason: expect.stringContaining("maxConcurrent: 2"),
        backfillId: null,
        run: null,
      },
      {
        id: expect.any(String),
        logicalTime: "2030-01-01T04:00:00.000Z",
        intervalStart: "2030-01-01T03:00:00.000Z",
        intervalEnd: "2030-01-01T04:00:00.000Z",
        state: "started",
        reason: null,
        backfillId: null,
        run: { id: expect.any(String), status: "queued", createdAt: expect.stringMatching(ISO), finishedAt: null },
      },
      expect.objectContaining({ logicalTime: "2030-01-01T03:00:00.000Z", intervalStart: "2030-01-01T02:00:00.000Z", state: "started" }),
    ]);
    const runId = history.body.items[2].run.id as string;
    const run = await api("GET", `/projects/${project}/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.params).toEqual({ day: "2030-01-01T03:00:00.000Z", note: "2030-01-01T02:00:00.000Z/2030-01-01T03:00:00.000Z" });
    expect(run.body.pipeline).toBe("etl");

    const view = await api("GET", `${schedules()}/${s.id}`);
    expect(view.body).toMatchObject({
      lastFireAt: "2030-01-01T05:00:00.000Z",
      lastRun: { runId: history.body.items[1].run.id, status: "queued", logicalTime: "2030-01-01T04:00:00.000Z" },
      nextFireTimes: ["2030-01-01T06:00:00.000Z", "2030-01-01T07:00:00.000Z", "2030-01-01T08:00:00.000Z", "2030-01-01T09:00:00.000Z", "2030-01-01T10:00:00.000Z"],
    });

    // Pages: newest first, before = the last logical time of the previous page.
    const first = await api("GET", `${schedules()}/${s.id}/runs?limit=2`);
    expect(first.body.items.map((i: Json) => i.logicalTime)).toEqual(["2030-01-01T05:00:00.000Z", "2030-01-01T04:00:00.000Z"]);
    expect(first.body.nextBefore).toBe("2030-01-01T04:00:00.000Z");
    const second = await api("GET", `${schedules()}/${s.id}/runs?limit=2&before=${encodeURIComponent(first.body.nextBefore)}`);
    expect(second.body.items.map((i: Json) => i.logicalTime)).toEqual(["2030-01-01T03:00:00.000Z"]);
    expect(second.body.nextBefore).toBeNull();
    const badBefore = await api("GET", `${schedules()}/${s.id}/runs?before=yesterday`);
    expect(badBefore.status).toBe(400);
    expect(badBefore.body.error.issues[0].path).toBe("querystring.before");
    expect((await api("GET", `${schedules()}/${randomUUID()}/runs`)).status).toBe(404);
  });

  it("plans a backfill (dry run), runs it at most maxParallel at a time, and cancels it", async () => {
    const s = await createSchedule({ name: "daily", trigger: { kind: "cron", cron: "0 0 * * *" } });
    const backfills = `${schedules()}/${s.id}/backfills`;
    const range = { from: "2026-01-01T00:00:00Z", to: "2026-01-06T00:00:00Z" };

    const dry = await api("POST", backfills, { ...range, dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.backfill).toBeNull();
    expect(dry.body.intervals).toEqual(
      ["01", "02", "03", "04", "05"].map((d) => ({
        logicalTime: `2026-01-${d}T00:00:00.000Z`,
        intervalStart: new Date(Date.parse(`2026-01-${d}T00:00:00Z`) - 86_400_000).toISOString(),
        intervalEnd: `2026-01-${d}T00:00:00.000Z`,
        action: "run",
        reason: null,
      })),
    );
    expect((await api("GET", backfills)).body).toEqual({ items: [] });

    const badRange = await api("POST", backfills, { from: range.to, to: range.from });
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.issues[0].path).toBe("to");
    const badParallel = await api("POST", backfills, { ...range, maxParallel: 0 });
    expect(badParallel.status).toBe(400);
    expect(badParallel.body.error.issues[0].path).toBe("maxParallel");
    const badDate = await api("POST", backfills, { from: "2026-01-01", to: range.to });
    expect(badDate.status).toBe(400);
    expect(badDate.body.error.issues[0].path).toBe("from");
    expect((await api("POST", `${schedules()}/${randomUUID()}/backfills`, range)).status).toBe(404);

    const created = await api("POST", backfills, { ...range, maxParallel: 2 }, as.bob());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const b = created.body.backfill;
    expect(b).toEqual({
      id: expect.any(String),
      scheduleId: s.id,
      rangeStart: "2026-01-01T00:00:00.000Z",
      rangeEnd: "2026-01-06T00:00:00.000Z",
      maxParallel: 2,
      reprocess: "skip-succeeded",
      state: "running",
      total: 5,
      counts: { waiting: 3, running: 2, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 },
      createdBy: "bob@example.com",
      createdAt: expect.stringMatching(ISO),
      finishedAt: null,
    });
    expect(created.body.intervals).toHaveLength(5);
    expect(await activeBackfillRuns(b.id)).toBe(2);

    // Advancing while both runs are queued starts nothing more.
    await advanceBackfill(server.deps, b.id);
    await advanceBackfill(server.deps, b.id);
    expect(await activeBackfillRuns(b.id)).toBe(2);
    expect((await api("GET", `${schedules()}/${s.id}`)).body.activeBackfills).toBe(1);

    // The oldest interval's run finishes: the next interval starts, still 2 at a time.
    const history = await api("GET", `${schedules()}/${s.id}/runs`);
    const oldest = history.body.items.find((i: Json) => i.logicalTime === "2026-01-01T00:00:00.000Z");
    expect(oldest).toMatchObject({ backfillId: b.id, state: "started", run: { status: "queued" } });
    const run = await api("GET", `/projects/${project}/runs/${oldest.run.id}`);
    expect(run.body.params.day).toBe("2026-01-01T00:00:00.000Z");
    await db.run.update({ where: { id: oldest.run.id }, data: { status: "succeeded", finishedAt: new Date() } });
    await advanceBackfill(server.deps, b.id);
    expect(await activeBackfillRuns(b.id)).toBe(2);
    const listed = await api("GET", backfills);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ id: b.id, state: "running", counts: { waiting: 2, running: 2, succeeded: 1, failed: 0, cancelled: 0, skipped: 0 } });

    // A second plan of the same range skips the succeeded interval, the ones in flight and the
    // ones this backfill is about to start.
    const replan = await api("POST", backfills, { ...range, dryRun: true });
    expect(replan.body.intervals.map((i: Json) => i.action)).toEqual(["skip", "skip", "skip", "skip", "skip"]);
    expect(replan.body.intervals[0].reason).toBe("already succeeded");
    expect(replan.body.intervals.slice(1).every((i: Json) => /in flight/.test(i.reason))).toBe(true);

    const cancelled = await api("POST", `/projects/${project}/backfills/${b.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({
      id: b.id,
      state: "cancelled",
      finishedAt: expect.stringMatching(ISO),
      counts: { waiting: 0, running: 0, succeeded: 1, failed: 0, cancelled: 4, skipped: 0 },
    });
    expect(await activeBackfillRuns(b.id)).toBe(0);
    const again = await api("POST", `/projects/${project}/backfills/${b.id}/cancel`);
    expect(again.status).toBe(409);
    expect((await api("POST", `/projects/${project}/backfills/${randomUUID()}/cancel`)).status).toBe(404);
    expect((await api("GET", `${schedules()}/${s.id}`)).body.activeBackfills).toBe(0);
    const rows = (await api("GET", `${schedules()}/${s.id}/runs`)).body.items as Json[];
    expect(rows.filter((r) => r.state === "cancelled").map((r) => r.reason)).toEqual(["the backfill was cancelled", "the backfill was cancelled"]);
  });

  it("documents schedules and backfills in the OpenAPI document", async () => {
    const { status, body } = await api("GET", "/openapi.json");
    expect(status).toBe(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/projects/{project}/schedules",
        "/api/v1/projects/{project}/schedules/{id}",
        "/api/v1/projects/{project}/schedules/preview",
        "/api/v1/projects/{project}/schedules/{id}/runs",
        "/api/v1/projects/{project}/schedules/{id}/backfills",
        "/api/v1/projects/{project}/backfills/{id}/cancel",
      ]),
    );
    expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(["Schedule", "Trigger", "ScheduledRun", "Backfill"]));
  });
});
