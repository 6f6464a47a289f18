import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { FastifyRequest } from "fastify";
import { annotateRun, cancelRun, createRun, isTerminalRunStatus, logToRun, rerunRun, retryFailedSteps } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import {
  CreateRunBody,
  ListRunsQuery,
  LogBatchBody,
  ProjectParams,
  RerunBody,
  RetryBody,
  RunDetail,
  RunParams,
  RunSummary,
  UpdateRunBody,
  errorResponses,
} from "../http/schemas.js";
import { getRunDetail, listRuns } from "../queries/runs.js";
import { access, projectOf } from "../http/access.js";

/** The body's idempotency key, else the Idempotency-Key header. */
function idempotencyKeyOf(request: FastifyRequest, fromBody: string | undefined): { idempotencyKey?: string } {
  const header = request.headers["idempotency-key"];
  const key = fromBody ?? (typeof header === "string" ? header : undefined);
  return key !== undefined ? { idempotencyKey: key } : {};
}

const startedResponses = { 200: RunDetail, 201: RunDetail, ...errorResponses };
const IDEMPOTENCY_NOTE = "201 with a new run; 200 with the earlier run when the idempotency key was used before (a double click starts one run).";

export const runRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/projects/:project/runs",
      {
        config: { access: access.editor },
        schema: {
          tags: ["runs"],
          summary: "Start a run",
          description: `Params are validated against the version's param schema; defaults are applied. ${IDEMPOTENCY_NOTE}`,
          params: ProjectParams,
          body: CreateRunBody,
          response: startedResponses,
        },
      },
      async (request, reply) => {
        const project = projectOf(request);
        const { pipeline, version, params, experiment, name, noCache } = request.body;
        const started = await createRun(deps, {
          projectId: project.id,
          pipeline,
          params: params ?? {},
          ...(version !== undefined ? { version } : {}),
          ...(experiment !== undefined ? { experiment } : {}),
          ...(name !== undefined ? { name } : {}),
          ...(noCache ? { noCache } : {}),
          ...idempotencyKeyOf(request, request.body.idempotencyKey),
        });
        return reply.status(started.created ? 201 : 200).send(await getRunDetail(deps, project.id, started.runId));
      },
    );

    app.post(
      "/projects/:project/runs/:id/rerun",
      {
        config: { access: access.editor },
        schema: {
          tags: ["runs"],
          summary: "Rerun: a new run of the same pipeline version in the same experiment",
          description: `Every step runs again, with the origin's params or the ones given, except that a step whose cache key matches reuses its cached result (noCache: none does). The new run links to its origin. ${IDEMPOTENCY_NOTE}`,
          params: RunParams,
          body: RerunBody,
          response: startedResponses,
        },
      },
      async (request, reply) => {
        const project = projectOf(request);
        const { params, name, noCache } = request.body;
        const started = await rerunRun(deps, {
          ...(noCache ? { noCache } : {}),
          projectId: project.id,
          runId: request.params.id,
          ...(params !== undefined ? { params } : {}),
          ...(name !== undefined ? { name } : {}),
          ...idempotencyKeyOf(request, request.body.idempotencyKey),
        });
        return reply.status(started.created ? 201 : 200).send(await getRunDetail(deps, project.id, started.runId));
      },
    );

    app.post(
      "/projects/:project/runs/:id/retry",
      {
        config: { access: access.editor },
        schema: {
          tags: ["runs"],
          summary: "Retry failed steps of a finished run",
          description: `A new run where only the failed, cancelled and skipped steps run again; succeeded steps are reused (their outputs copied, each marked with the run it came from). 409 when the run has not finished or has nothing to retry. ${IDEMPOTENCY_NOTE}`,
          params: RunParams,
          body: RetryBody,
          response: startedResponses,
        },
      },
      async (request, reply) => {
        const project = projectOf(request);
        const started = await retryFailedSteps(deps, { projectId: project.id, runId: request.params.id, ...idempotencyKeyOf(request, request.body?.idempotencyKey) });
        return reply.status(started.created ? 201 : 200).send(await getRunDetail(deps, project.id, started.runId));
      },
    );

    app.patch(
      "/projects/:project/runs/:id",
      {
        config: { access: access.editor },
        schema: { tags: ["runs"], summary: "Rename a run, edit its note or tags", params: RunParams, body: UpdateRunBody, response: { 200: RunDetail, ...errorResponses } },
      },
      async (request) => {
        const project = projectOf(request);
        const { name, note, tags } = request.body;
        await annotateRun(deps.db, project.id, request.params.id, {
          ...(name !== undefined ? { name } : {}),
          ...(note !== undefined ? { note } : {}),
          ...(tags !== undefined ? { tags } : {}),
        });
        return getRunDetail(deps, project.id, request.params.id);
      },
    );

    app.post(
      "/runs/:id/log-batch",
      {
        config: { access: access.runToken },
        schema: {
          tags: ["tracking"],
          summary: "Log metrics, params and tags from a running step",
          description:
            "Authorised by the run's token (Authorization: Bearer $TRELLIS_RUN_TOKEN, set in every step's environment). At most 1000 metrics, 100 params and 100 tags per call; the batch is recorded atomically. A param keeps its first value. 409 once the run has finished.",
          params: z.object({ id: z.uuid({ message: "run id must be a UUID" }) }),
          body: LogBatchBody,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const run = await deps.db.run.findUnique({ where: { id: request.params.id }, select: { status: true } });
        if (run && isTerminalRunStatus(run.status)) {
          return reply.status(409).send({ error: { code: "CONFLICT", message: `run ${request.params.id} has ${run.status}; metrics can only be logged while it is queued or running` } });
        }
        await logToRun(deps.db, request.params.id, request.body);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/projects/:project/runs",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["runs"],
          summary: "List runs, newest first",
          description: "Keyset pagination: pass nextCursor as cursor for the next page. status may repeat or be comma-separated.",
          params: ProjectParams,
          querystring: ListRunsQuery,
          response: { 200: z.object({ items: z.array(RunSummary), nextCursor: z.string().nullable() }), ...errorResponses },
        },
      },
      async (request) => {
        const project = projectOf(request);
        const { status, pipeline, limit, cursor } = request.query;
        return listRuns(deps.db, { projectId: project.id, statuses: status, limit, ...(pipeline ? { pipeline } : {}), ...(cursor ? { cursor } : {}) });
      },
    );

    app.get(
      "/projects/:project/runs/:id",
      {
      config: { access: access.viewer }, schema: { tags: ["runs"], summary: "Get a run with its steps", params: RunParams, response: { 200: RunDetail, ...errorResponses } } },
      async (request) => getRunDetail(deps, projectOf(request).id, request.params.id),
    );

    app.post(
      "/projects/:project/runs/:id/cancel",
      {
        config: { access: access.editor },
        schema: {
          tags: ["runs"],
          summary: "Cancel a run",
          description: "Steps not started are cancelled at once; running steps are stopped (process tree killed) within about a second.",
          params: RunParams,
          response: { 202: RunDetail, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = projectOf(request);
        await cancelRun(deps, { projectId: project.id, runId: request.params.id });
        return reply.status(202).send(await getRunDetail(deps, project.id, request.params.id));
      },
    );
  };
