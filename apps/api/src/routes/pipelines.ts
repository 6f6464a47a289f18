import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { projectByName, pushPipeline } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { PipelineSummary, ProjectParams, PushPipelineBody, PushPipelineResponse, VersionDetail, VersionSummary, errorResponses } from "../http/schemas.js";
import { getPipeline, getVersion, getVersionSummary, listPipelines, pipelineSummary } from "../queries/pipelines.js";

const PipelineParams = ProjectParams.extend({ name: z.string().min(1).max(100) });

export const pipelineRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/projects/:project/pipelines",
      { schema: { tags: ["pipelines"], summary: "List pipelines", params: ProjectParams, response: { 200: z.object({ items: z.array(PipelineSummary) }), ...errorResponses } } },
      async (request) => listPipelines(deps.db, (await projectByName(deps.db, request.params.project)).id),
    );

    app.post(
      "/projects/:project/pipelines",
      {
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ["pipelines"],
          summary: "Create a pipeline or a new version of it",
          description: "Identical spec text and code return the existing version (200) instead of creating one (201).",
          params: ProjectParams,
          body: PushPipelineBody,
          response: { 200: PushPipelineResponse, 201: PushPipelineResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = await projectByName(deps.db, request.params.project);
        const pushed = await pushPipeline(deps.db, { projectId: project.id, spec: request.body.spec, ...(request.body.code ? { code: request.body.code } : {}) });
        const [pipeline, version] = await Promise.all([pipelineSummary(deps.db, pushed.pipelineId), getVersionSummary(deps.db, pushed.pipelineId, pushed.version)]);
        return reply.status(pushed.created ? 201 : 200).send({ pipeline, version, created: pushed.created });
      },
    );

    app.get(
      "/projects/:project/pipelines/:name",
      {
        schema: {
          tags: ["pipelines"],
          summary: "Get a pipeline and its versions",
          params: PipelineParams,
          response: { 200: z.object({ pipeline: PipelineSummary, versions: z.array(VersionSummary) }), ...errorResponses },
        },
      },
      async (request) => getPipeline(deps.db, (await projectByName(deps.db, request.params.project)).id, request.params.name),
    );

    app.get(
      "/projects/:project/pipelines/:name/versions/:version",
      {
        schema: {
          tags: ["pipelines"],
          summary: "Get one version: spec text and normalised spec",
          params: PipelineParams.extend({ version: z.coerce.number().int().positive() }),
          response: { 200: VersionDetail, ...errorResponses },
        },
      },
      async (request) => getVersion(deps.db, (await projectByName(deps.db, request.params.project)).id, request.params.name, request.params.version),
    );
  };
