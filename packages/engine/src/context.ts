import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { PrismaClient } from "@trellis/db";
import type { EngineConfig } from "./config.js";
import type { StepJob } from "./queue.js";

/** Everything a state transition needs: the database, the queue it feeds, and a Redis publisher. */
export interface EngineContext {
  db: PrismaClient;
  queue: Queue<StepJob>;
  redis: Redis;
  config: EngineConfig;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}
