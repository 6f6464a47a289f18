import { artifactStoreFromEnv, type ArtifactStore } from "@trellis/artifacts";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { createRedis, createStepQueue, createWebhookQueue, webhookQueueName, ensureProject, DEFAULT_PROJECT, loadEngineConfig, type EngineConfig } from "@trellis/engine";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { LogHub } from "./log-hub.js";
import type { ApiDeps } from "./deps.js";

export interface ApiServer {
  app: FastifyInstance;
  deps: ApiDeps;
  close(): Promise<void>;
}

/** Wires real dependencies (Postgres, Redis, the step and webhook queues, the artifact store) into the app. */
export async function createApiServer(
  options: { db?: PrismaClient; config?: EngineConfig; queueName?: string; logger?: boolean; artifacts?: ArtifactStore } = {},
): Promise<ApiServer> {
  const config = options.config ?? loadEngineConfig();
  // Before any connection: a misconfigured store (TRELLIS_ARTIFACT_STORE=s3 without a bucket) fails start-up with its message.
  const artifacts = options.artifacts ?? artifactStoreFromEnv(config.dataDir);
  const db = options.db ?? createPrismaClient();
  const redis = createRedis();
  const subscriber = createRedis();
  const queue = createStepQueue(redis, options.queueName);
  // Next to the step queue, as the workers that deliver them find it.
  const webhooks = createWebhookQueue(redis, webhookQueueName(options.queueName));
  const logHub = new LogHub(subscriber);
  const deps: ApiDeps = { db, redis, queue, webhooks, config, logHub, artifacts, ping: { redis: () => redis.ping() } };
  await ensureProject(db, DEFAULT_PROJECT, "The default project");
  const app = await buildApp(deps, { logger: options.logger ?? false });
  return {
    app,
    deps,
    async close() {
      await app.close();
      await logHub.close();
      await queue.close();
      await webhooks.close();
      await redis.quit().catch(() => undefined);
      if (!options.db) await db.$disconnect();
      if (!options.artifacts) artifacts.close();
    },
  };
}
