import Fastify, { LogController, type FastifyInstance } from "fastify";
import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { ApiDeps } from "./deps.js";
import { registerErrorHandling } from "./http/errors.js";
import { access } from "./http/access.js";
import { registerAccessControl, type RouteAccess } from "./http/access-control.js";
import { authRoutes } from "./routes/auth.js";
import { userRoutes } from "./routes/users.js";
import { memberRoutes } from "./routes/members.js";
import { oidcRoutes } from "./routes/oidc.js";
import { secretRoutes } from "./routes/secrets.js";
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

/** Every route with its declared access (filled as routes register): the authorization-matrix test walks it. */
export const routeTables = new WeakMap<FastifyInstance, RouteAccess[]>();

/** Routes only do transport: validate with zod, call a domain function or query, shape the reply. */
export async function buildApp(deps: ApiDeps, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  // Errors and warnings are logged; per-request lines are not (the UI polls every second).
  const app = Fastify({
    logger: options.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // The web server proxies browsers' requests from the same host: their address (for
    // sign-in rate limits and the audit log) and scheme (Secure cookies) come from its
    // X-Forwarded-* headers, trusted from loopback only unless TRELLIS_TRUST_PROXY says more.
    trustProxy: process.env.TRELLIS_TRUST_PROXY ?? "loopback",
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // No CORS: browsers reach the API same-origin through the web server's /api/v1 proxy, so
  // other sites' scripts cannot read answers even with a user's cookies.
  await app.register(cookie);
  routeTables.set(app, registerAccessControl(app, deps));
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
      await api.register(authRoutes(deps));
      await api.register(userRoutes(deps));
      await api.register(oidcRoutes(deps, deps.oidc));
      await api.register(memberRoutes(deps));
      await api.register(secretRoutes(deps));
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
      api.get("/openapi.json", { config: { access: access.public }, schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: API_PREFIX },
  );
  // MLflow's tracking API (its own error shape, JSON parser and 404s): /api/2.0/mlflow and /projects/:project/api/2.0/mlflow.
  await app.register(mlflowApi(deps));
  return app;
}
