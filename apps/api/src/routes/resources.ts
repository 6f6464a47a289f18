import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ApiDeps } from "../deps.js";
import { AttemptQuery, StepEnvironment, StepParams, WorkersResponse, errorResponses } from "../http/schemas.js";
import { listWorkers, stepEnvironment } from "../queries/resources.js";
import { findStep } from "../queries/steps.js";
import { access } from "../http/access.js";

export const resourceRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/workers",
      {
        config: { access: access.signedIn },
        schema: {
          tags: ["workers"],
          summary: "Live workers with their capacity and what their running steps hold",
          response: { 200: WorkersResponse, ...errorResponses },
        },
      },
      async () => ({ items: await listWorkers(deps.db, deps.config.workerLeaseMs) }),
    );

    app.get(
      "/projects/:project/runs/:id/steps/:step/environment",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["runs"],
          summary: "The environment a step attempt ran in",
          description:
            "Container steps: the image reference, its id (content digest) and registry digests, and the image's Python packages. Shared steps: host, OS and the Python interpreter with its packages. attempt defaults to the latest that recorded one.",
          params: StepParams,
          querystring: AttemptQuery,
          response: { 200: StepEnvironment, ...errorResponses },
        },
      },
      async (request) => {
        const step = await findStep(deps.db, request.params);
        return stepEnvironment(deps.db, step.id, request.query.attempt);
      },
    );
  };
