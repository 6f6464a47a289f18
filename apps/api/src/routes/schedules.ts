import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  cancelBackfill,
  createBackfill,
  createSchedule,
  deleteSchedule,
  previewTrigger,
  setSchedulePaused,
  updateSchedule,
  validationFailed,
  type ScheduleInput,
} from "@trellis/engine";
import { DST_POLICY, describeTrigger } from "@trellis/schedule";
import type { ApiDeps } from "../deps.js";
import { access, actorOf, projectOf } from "../http/access.js";
import {
  BackfillParams,
  BackfillView,
  BackfillsResponse,
  CreateBackfillBody,
  CreateBackfillResponse,
  CreateScheduleBody,
  PreviewScheduleBody,
  PreviewScheduleResponse,
  ProjectParams,
  ScheduleParams,
  ScheduleRunsQuery,
  ScheduleRunsResponse,
  ScheduleView,
  SchedulesResponse,
  UpdateScheduleBody,
  errorResponses,
} from "../http/schemas.js";
import { iso } from "../queries/iso.js";
import { getBackfillView, getScheduleView, listBackfills, listScheduledRuns, listSchedules } from "../queries/schedules.js";

const tags = ["schedules"];
const NoContent = { 204: z.null(), ...errorResponses };
const PARAMS_NOTE = "String params may use ${{ schedule.logical_date }}, ${{ schedule.interval_start }} and ${{ schedule.interval_end }}: each run gets its interval's times (ISO 8601, UTC).";

/** Recurring runs of a pipeline (cron in a time zone, or a fixed interval), their history, and backfills of past intervals. */
export const scheduleRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/projects/:project/schedules",
      {
        config: { access: access.viewer },
        schema: { tags, summary: "List schedules", description: "By name.", params: ProjectParams, response: { 200: SchedulesResponse, ...errorResponses } },
      },
      async (request) => listSchedules(deps.db, projectOf(request).id),
    );

    app.post(
      "/projects/:project/schedules",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Create a schedule",
          description: [
            "Runs the pipeline at each fire time of the trigger from startAt (default now) until endAt; fire times before its creation are not due.",
            "version null (default): the pipeline's latest version at each fire time.",
            "concurrency (default allow, with maxConcurrent default 1) says what happens to a fire time while earlier runs are in flight.",
            PARAMS_NOTE,
            "409 when the name is taken.",
          ].join(" "),
          params: ProjectParams,
          body: CreateScheduleBody,
          response: { 201: ScheduleView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        const b = request.body;
        const input: ScheduleInput = {
          name: b.name,
          pipeline: b.pipeline,
          version: b.version ?? null,
          trigger: b.trigger,
          params: b.params ?? {},
          startAt: b.startAt ?? null,
          endAt: b.endAt ?? null,
          concurrency: b.concurrency ?? "allow",
          maxConcurrent: b.maxConcurrent ?? 1,
          catchup: b.catchup ?? false,
          paused: b.paused ?? false,
        };
        const { id } = await createSchedule(deps, pid, input);
        return reply.status(201).send(await getScheduleView(deps.db, pid, id));
      },
    );

    app.post(
      "/projects/:project/schedules/preview",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Preview a trigger",
          description: "The next fire times of a trigger (after now, or after startAt when later), its description in words, and how cron times behave across daylight-saving changes. Changes nothing.",
          params: ProjectParams,
          body: PreviewScheduleBody,
          response: { 200: PreviewScheduleResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { trigger, startAt, count } = request.body;
        const now = new Date();
        const times = previewTrigger(trigger, now, count, startAt);
        if (typeof times === "string") {
          const path = trigger.kind === "interval" ? "trigger.everySeconds" : /zone/i.test(times) ? "trigger.timezone" : "trigger.cron";
          throw validationFailed("invalid trigger", [{ path, message: times }]);
        }
        const description = describeTrigger(
          trigger.kind === "cron"
            ? { kind: "cron", cron: trigger.cron, timezone: trigger.timezone ?? "UTC" }
            : { kind: "interval", everyMs: trigger.everySeconds * 1000, anchor: startAt ?? now },
        );
        return { fireTimes: times.map(iso), description, dstPolicy: DST_POLICY };
      },
    );

    app.get(
      "/projects/:project/schedules/:id",
      {
      config: { access: access.viewer }, schema: { tags, summary: "A schedule", params: ScheduleParams, response: { 200: ScheduleView, ...errorResponses } } },
      async (request) => getScheduleView(deps.db, projectOf(request).id, request.params.id),
    );

    app.patch(
      "/projects/:project/schedules/:id",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Edit a schedule",
          description: [
            "Fields left out are unchanged; params are replaced as a whole; endAt null removes the end.",
            "A changed trigger or startAt takes effect from now: fire times already decided stay decided, none in the past becomes due.",
            "paused works as POST …/pause and …/resume.",
          ].join(" "),
          params: ScheduleParams,
          body: UpdateScheduleBody,
          response: { 200: ScheduleView, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const { id } = request.params;
        const { paused, ...fields } = request.body;
        const input: Partial<ScheduleInput> = {};
        if (fields.name !== undefined) input.name = fields.name;
        if (fields.pipeline !== undefined) input.pipeline = fields.pipeline;
        if (fields.version !== undefined) input.version = fields.version;
        if (fields.trigger !== undefined) input.trigger = fields.trigger;
        if (fields.params !== undefined) input.params = fields.params;
        if (fields.startAt !== undefined) input.startAt = fields.startAt;
        if (fields.endAt !== undefined) input.endAt = fields.endAt;
        if (fields.concurrency !== undefined) input.concurrency = fields.concurrency;
        if (fields.maxConcurrent !== undefined) input.maxConcurrent = fields.maxConcurrent;
        if (fields.catchup !== undefined) input.catchup = fields.catchup;
        if (Object.keys(input).length > 0 || paused === undefined) await updateSchedule(deps, pid, id, input);
        // Resuming through the pause endpoint's rules (catchup off: from now on).
        if (paused !== undefined) await setSchedulePaused(deps, pid, id, paused);
        return getScheduleView(deps.db, pid, id);
      },
    );

    app.delete(
      "/projects/:project/schedules/:id",
      {
        config: { access: access.editor },
        schema: { tags, summary: "Delete a schedule", description: "Its history and backfills go with it; the runs it started stay.", params: ScheduleParams, response: NoContent },
      },
      async (request, reply) => {
        await deleteSchedule(deps, projectOf(request).id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/projects/:project/schedules/:id/pause",
      {
        config: { access: access.editor },
        schema: { tags, summary: "Pause a schedule", description: "No fire time is due while paused.", params: ScheduleParams, response: { 200: ScheduleView, ...errorResponses } },
      },
      async (request) => {
        const pid = projectOf(request).id;
        await setSchedulePaused(deps, pid, request.params.id, true);
        return getScheduleView(deps.db, pid, request.params.id);
      },
    );

    app.post(
      "/projects/:project/schedules/:id/resume",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Resume a schedule",
          description: "With catchup off it continues from now; with catchup on, the fire times missed while paused run too.",
          params: ScheduleParams,
          response: { 200: ScheduleView, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        await setSchedulePaused(deps, pid, request.params.id, false);
        return getScheduleView(deps.db, pid, request.params.id);
      },
    );

    app.get(
      "/projects/:project/schedules/:id/runs",
      {
        config: { access: access.viewer },
        schema: {
          tags,
          summary: "A schedule's runs history",
          description: "Each decided logical time (the schedule's own ticks and its backfills'), newest first, with why it was skipped or waits and its run. Pages: pass nextBefore as before.",
          params: ScheduleParams,
          querystring: ScheduleRunsQuery,
          response: { 200: ScheduleRunsResponse, ...errorResponses },
        },
      },
      async (request) =>
        listScheduledRuns(deps.db, projectOf(request).id, request.params.id, {
          limit: request.query.limit,
          ...(request.query.before ? { before: new Date(request.query.before) } : {}),
        }),
    );

    // ---- backfills ------------------------------------------------------------------------

    app.post(
      "/projects/:project/schedules/:id/backfills",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Backfill past intervals",
          description: [
            "One run per interval of the schedule whose logical time is in [from, to), at most maxParallel at a time (default 2), oldest first.",
            "reprocess (default skip-succeeded) chooses which intervals run again; an interval with a run in flight never does.",
            "dryRun: 200 with the plan only; otherwise 201 with the backfill.",
            "Recorded as created by the X-Trellis-Actor header (default anonymous).",
          ].join(" "),
          params: ScheduleParams,
          body: CreateBackfillBody,
          response: { 200: CreateBackfillResponse, 201: CreateBackfillResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        const { from, to, maxParallel, reprocess, dryRun } = request.body;
        const plan = await createBackfill(deps, { projectId: pid, scheduleId: request.params.id, from, to, maxParallel, reprocess, dryRun, actor: actorOf(request) });
        const intervals = plan.intervals.map((i) => ({
          logicalTime: iso(i.logicalTime),
          intervalStart: iso(i.intervalStart),
          intervalEnd: iso(i.intervalEnd),
          action: i.action,
          reason: i.reason,
        }));
        if (!plan.backfillId) return reply.status(200).send({ backfill: null, intervals });
        return reply.status(201).send({ backfill: await getBackfillView(deps.db, pid, plan.backfillId), intervals });
      },
    );

    app.get(
      "/projects/:project/schedules/:id/backfills",
      {
        config: { access: access.viewer },
        schema: { tags, summary: "A schedule's backfills", description: "Newest first, with progress counts.", params: ScheduleParams, response: { 200: BackfillsResponse, ...errorResponses } },
      },
      async (request) => listBackfills(deps.db, projectOf(request).id, request.params.id),
    );

    app.post(
      "/projects/:project/backfills/:id/cancel",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Cancel a backfill",
          description: "Intervals not started yet are cancelled, and so are its runs in flight. 409 when it is no longer running.",
          params: BackfillParams,
          response: { 200: BackfillView, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        await cancelBackfill(deps, pid, request.params.id);
        return getBackfillView(deps.db, pid, request.params.id);
      },
    );
  };
