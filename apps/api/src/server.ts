import { artifactStoreFromEnv, type ArtifactStore } from "@trellis/artifacts";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { randomBytes } from "node:crypto";
import {
  createRedis,
  createStepQueue,
  createWebhookQueue,
  DEFAULT_PROJECT,
  ensureAdminFromEnv,
  ensureBootstrapToken,
  ensureProject,
  loadEngineConfig,
  secretsKeyFromEnv,
  setupRequired,
  webhookQueueName,
  type EngineConfig,
} from "@trellis/engine";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { LogHub } from "./log-hub.js";
import { SignInLimiter } from "./http/sign-in-limiter.js";
import { oidcConfigFromEnv } from "./routes/oidc.js";
import type { ApiDeps } from "./deps.js";

export interface ApiServer {
  app: FastifyInstance;
  deps: ApiDeps;
  /** How to sign in, for the start-up message. */
  signIn: SignInHint;
  close(): Promise<void>;
}

export type SignInHint =
  | { kind: "setup"; code: string }
  | { kind: "admin-from-env"; email: string; created: boolean }
  | { kind: "accounts" };

/**
 * First start: TRELLIS_ADMIN_EMAIL and TRELLIS_ADMIN_PASSWORD create an instance admin;
 * otherwise, while no account exists, the one-time setup page needs a code (TRELLIS_SETUP_CODE,
 * or a random one) that only whoever sees the start-up output knows. TRELLIS_BOOTSTRAP_TOKEN
 * creates (or keeps) an instance-wide admin token for automation.
 */
async function prepareAccess(db: PrismaClient, log: (message: string) => void): Promise<{ setupCode: string | null; hint: SignInHint }> {
  const bootstrap = process.env.TRELLIS_BOOTSTRAP_TOKEN;
  if (bootstrap) {
    const outcome = await ensureBootstrapToken(db, bootstrap);
    if (outcome === "revoked") log("TRELLIS_BOOTSTRAP_TOKEN was revoked and stays revoked: choose a new value or unset it");
  }
  const email = process.env.TRELLIS_ADMIN_EMAIL;
  const password = process.env.TRELLIS_ADMIN_PASSWORD;
  if (email && !password) throw new Error("TRELLIS_ADMIN_EMAIL is set without TRELLIS_ADMIN_PASSWORD");
  if (email && password) return { setupCode: null, hint: { kind: "admin-from-env", email, created: (await ensureAdminFromEnv(db, email, password)) === "created" } };
  if (!(await setupRequired(db))) return { setupCode: null, hint: { kind: "accounts" } };
  const code = process.env.TRELLIS_SETUP_CODE || randomBytes(12).toString("base64url");
  return { setupCode: code, hint: { kind: "setup", code } };
}

/** Wires real dependencies (Postgres, Redis, the step and webhook queues, the artifact store) into the app. */
export async function createApiServer(
  options: { db?: PrismaClient; config?: EngineConfig; queueName?: string; logger?: boolean; artifacts?: ArtifactStore } = {},
): Promise<ApiServer> {
  const config = options.config ?? loadEngineConfig();
  // Before any connection, like the artifact store: a partial OIDC configuration fails start-up.
  const oidc = oidcConfigFromEnv();
  // Likewise a malformed TRELLIS_SECRETS_KEY; none at all leaves secrets disabled (409 on writes).
  const secretsKey = secretsKeyFromEnv();
  // Before any connection: a misconfigured store (TRELLIS_ARTIFACT_STORE=s3 without a bucket) fails start-up with its message.
  const artifacts = options.artifacts ?? artifactStoreFromEnv(config.dataDir);
  const db = options.db ?? createPrismaClient();
  const redis = createRedis();
  const subscriber = createRedis();
  const queue = createStepQueue(redis, options.queueName);
  // Next to the step queue, as the workers that deliver them find it.
  const webhooks = createWebhookQueue(redis, webhookQueueName(options.queueName));
  const logHub = new LogHub(subscriber);
  await ensureProject(db, DEFAULT_PROJECT, "The default project");
  const { setupCode, hint } = await prepareAccess(db, (message) => console.warn(message));
  const deps: ApiDeps = {
    db,
    redis,
    queue,
    webhooks,
    config,
    logHub,
    artifacts,
    signInLimiter: new SignInLimiter(redis),
    setupCode,
    oidc,
    secretsKey,
    ping: { redis: () => redis.ping() },
  };
  const app = await buildApp(deps, { logger: options.logger ?? false });
  return {
    app,
    deps,
    signIn: hint,
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
