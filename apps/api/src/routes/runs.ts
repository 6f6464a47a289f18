import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { cancelRun, createRun, projectByName } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { CreateRunBody, ListRunsQuery, ProjectParams, RunDetail, RunParams, RunSummary, errorResponses } from "../http/schemas.js";
import { getRunDetail, listRuns } from "../queries/runs.js";

export const runRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/projects/:project/runs",
      {
        schema: {
          tags: ["runs"],
          summary: "Start a run",
          description: "Params are validated against the version's param schema; defaults are applied.",
          params: ProjectParams,
          body: CreateRunBody,
          response: { 201: RunDetail, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = await projectByName(deps.db, request.params.project);
        const { runId } = await createRun(deps, {
          projectId: project.id,
          pipeline: request.body.pipeline,
          ...(request.body.version !== undefined ? { version: request.body.version } : {}),
          params: request.body.params ?? {},
        });
        return reply.status(201).send(await getRunDetail(deps.db, project.id, runId));
      },
    );

    app.get(
      "/projects/:project/runs",
      {
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
        const project = await projectByName(deps.db, request.params.project);
        const { status, pipeline, limit, cursor } = request.query;
        return listRuns(deps.db, { projectId: project.id, statuses: status, limit, ...(pipeline ? { pipeline } : {}), ...(cursor ? { cursor } : {}) });
      },
    );

    app.get(
      "/projects/:project/runs/:id",
      { schema: { tags: ["runs"], summary: "Get a run with its steps", params: RunParams, response: { 200: RunDetail, ...errorResponses } } },
      async (request) => getRunDetail(deps.db, (await projectByName(deps.db, request.params.project)).id, request.params.id),
    );

    app.post(
      "/projects/:project/runs/:id/cancel",
      {
        schema: {
          tags: ["runs"],
          summary: "Cancel a run",
          description: "Steps not started are cancelled at once; running steps are stopped (process tree killed) within about a second.",
          params: RunParams,
          response: { 202: RunDetail, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = await projectByName(deps.db, request.params.project);
        await cancelRun(deps, { projectId: project.id, runId: request.params.id });
        return reply.status(202).send(await getRunDetail(deps.db, project.id, request.params.id));
      },
    );
  };
