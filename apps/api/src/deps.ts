import type { ArtifactStore } from "@trellis/artifacts";
import type { PrismaClient } from "@trellis/db";
import type { EngineContext } from "@trellis/engine";
import type { LogHub } from "./log-hub.js";

/** What route handlers may use: the engine context plus the live-log fan-out and the artifact store. */
export interface ApiDeps extends EngineContext {
  db: PrismaClient;
  logHub: LogHub;
  /** Where artifact bytes live (downloads, previews, retention); the same store the workers write. */
  artifacts: ArtifactStore;
  /** Checked by GET /health. */
  ping: { redis: () => Promise<unknown> };
}
