import Fastify, { LogController, type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { ApiDeps } from "./deps.js";
import { registerErrorHandling } from "./http/errors.js";
import { healthRoutes } from "./routes/health.js";
import { resourceRoutes } from "./routes/resources.js";
import { projectRoutes } from "./routes/projects.js";
import { pipelineRoutes } from "./routes/pipelines.js";
import { runRoutes } from "./routes/runs.js";
import { logRoutes } from "./routes/logs.js";
import { experimentRoutes } from "./routes/experiments.js";
import { artifactRoutes } from "./routes/artifacts.js";
import { modelRoutes } from "./routes/models.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { mlflowApi } from "./mlflow/routes.js";

export const API_PREFIX = "/api/v1";

/** Routes only do transport: validate with zod, call a domain function or query, shape the reply. */
export async function buildApp(deps: ApiDeps, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  // Errors and warnings are logged; per-request lines are not (the UI polls every second).
  const app = Fastify({
    logger: options.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  await app.register(cors, { origin: true });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Trellis API", version: "1.0.0", description: "Pipelines, runs, steps, logs, artifacts and the model registry of a Trellis control plane." },
      servers: [{ url: "/" }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(
    async (api) => {
      await api.register(healthRoutes(deps));
      await api.register(projectRoutes(deps));
      await api.register(pipelineRoutes(deps));
      await api.register(runRoutes(deps));
      await api.register(logRoutes(deps));
      await api.register(experimentRoutes(deps));
      await api.register(artifactRoutes(deps));
      await api.register(resourceRoutes(deps));
      await api.register(modelRoutes(deps));
      await api.register(webhookRoutes(deps));
      await api.register(scheduleRoutes(deps));
      api.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );
  // MLflow's tracking API (its own error shape, JSON parser and 404s): /api/2.0/mlflow and /projects/:project/api/2.0/mlflow.
  await app.register(mlflowApi(deps));
  return app;
}
