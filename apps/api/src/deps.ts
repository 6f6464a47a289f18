import type { PrismaClient } from "@trellis/db";
import type { EngineContext } from "@trellis/engine";
import type { LogHub } from "./log-hub.js";

/** What route handlers may use: the engine context plus the live-log fan-out. */
export interface ApiDeps extends EngineContext {
  db: PrismaClient;
  logHub: LogHub;
  /** Checked by GET /health. */
  ping: { redis: () => Promise<unknown> };
}
