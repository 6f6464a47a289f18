import type { Queue } from "bullmq";
import type { ArtifactStore } from "@trellis/artifacts";
import type { PrismaClient } from "@trellis/db";
import type { EngineContext, WebhookJob } from "@trellis/engine";
import type { LogHub } from "./log-hub.js";

/** What route handlers may use: the engine context plus the live-log fan-out, the artifact store and the webhook queue. */
export interface ApiDeps extends EngineContext {
  db: PrismaClient;
  logHub: LogHub;
  /** Where artifact bytes live (downloads, previews, retention); the same store the workers write. */
  artifacts: ArtifactStore;
  /** Where model registry changes queue their webhook deliveries (null: the worker's reconciler picks them up). */
  webhooks: Queue<WebhookJob> | null;
  /** Checked by GET /health. */
  ping: { redis: () => Promise<unknown> };
}
