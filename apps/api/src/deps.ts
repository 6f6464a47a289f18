import type { Queue } from "bullmq";
import type { ArtifactStore } from "@trellis/artifacts";
import type { PrismaClient } from "@trellis/db";
import type { EngineContext, SecretsKey, WebhookJob } from "@trellis/engine";
import type { SignInLimiter } from "./http/sign-in-limiter.js";
import type { LogHub } from "./log-hub.js";
import type { OidcConfig } from "./routes/oidc.js";

/** What route handlers may use: the engine context plus the live-log fan-out, the artifact store and the webhook queue. */
export interface ApiDeps extends EngineContext {
  db: PrismaClient;
  logHub: LogHub;
  /** Where artifact bytes live (downloads, previews, retention); the same store the workers write. */
  artifacts: ArtifactStore;
  /** Where model registry changes queue their webhook deliveries (null: the worker's reconciler picks them up). */
  webhooks: Queue<WebhookJob> | null;
  /** Counts failed sign-ins (Redis). */
  signInLimiter: SignInLimiter;
  /** The one-time setup code while no user exists (printed at start-up), else null. */
  setupCode: string | null;
  /** OIDC sign-in, when configured (TRELLIS_OIDC_*). */
  oidc: OidcConfig | null;
  /**
   * Encrypts project secrets (TRELLIS_SECRETS_KEY; the workers need the same key); null: secrets
   * are disabled.
   */
  secretsKey: SecretsKey | null;
  /** Checked by GET /health. */
  ping: { redis: () => Promise<unknown> };
}
