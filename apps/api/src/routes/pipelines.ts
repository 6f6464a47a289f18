import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { pushPipeline } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { PipelineSummary, ProjectParams, PushPipelineBody, PushPipelineResponse, VersionDetail, VersionSummary, errorResponses } from "../http/schemas.js";
import { getPipeline, getVersion, getVersionSummary, listPipelines, pipelineSummary } from "../queries/pipelines.js";
import { access, projectOf } from "../http/access.js";

const PipelineParams = ProjectParams.extend({ name: z.string().min(1).max(100) });

export const pipelineRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/projects/:project/pipelines",
      {
      config: { access: access.viewer }, schema: { tags: ["pipelines"], summary: "List pipelines", params: ProjectParams, response: { 200: z.object({ items: z.array(PipelineSummary) }), ...errorResponses } } },
      async (request) => listPipelines(deps.db, projectOf(request).id),
    );

    app.post(
      "/projects/:project/pipelines",
      {
        config: { access: access.editor },
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
        const project = projectOf(request);
        const pushed = await pushPipeline(deps.db, { projectId: project.id, spec: request.body.spec, ...(request.body.code ? { code: request.body.code } : {}) });
        const [pipeline, version] = await Promise.all([pipelineSummary(deps.db, pushed.pipelineId), getVersionSummary(deps.db, pushed.pipelineId, pushed.version)]);
        return reply.status(pushed.created ? 201 : 200).send({ pipeline, version, created: pushed.created });
      },
    );

    app.get(
      "/projects/:project/pipelines/:name",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["pipelines"],
          summary: "Get a pipeline and its versions",
          params: PipelineParams,
          response: { 200: z.object({ pipeline: PipelineSummary, versions: z.array(VersionSummary) }), ...errorResponses },
        },
      },
      async (request) => getPipeline(deps.db, projectOf(request).id, request.params.name),
    );

    app.get(
      "/projects/:project/pipelines/:name/versions/:version",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["pipelines"],
          summary: "Get one version: spec text and normalised spec",
          params: PipelineParams.extend({ version: z.coerce.number().int().positive() }),
          response: { 200: VersionDetail, ...errorResponses },
        },
      },
      async (request) => getVersion(deps.db, projectOf(request).id, request.params.name, request.params.version),
    );
  };
