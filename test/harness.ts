import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import {
  createRedis,
  createRun,
  createStepQueue,
  ensureProject,
  loadEngineConfig,
  pushPipeline,
  type EngineConfig,
  type EngineContext,
  type CodeFileInput,
} from "@trellis/engine";

/**
 * A real engine for integration tests: real Postgres (the test database), real Redis with a
 * queue of its own, a project of its own, and fast heartbeat/lease settings.
 */
export interface Harness {
  db: PrismaClient;
  ctx: EngineContext;
  config: EngineConfig;
  queueName: string;
  projectId: string;
  projectName: string;
  push(spec: string | object, files?: CodeFileInput[]): Promise<{ version: number }>;
  startRun(pipeline: string, params?: Record<string, unknown>): Promise<string>;
  waitForRun(runId: string, timeoutMs?: number): Promise<RunState>;
  waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs?: number): Promise<T>;
  steps(runId: string): Promise<Record<string, StepState>>;
  close(): Promise<void>;
}

export interface StepState {
  status: string;
  attempt: number;
  exitCode: number | null;
  error: string | null;
  failureKind: string | null;
  outputs: Record<string, unknown>;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface RunState {
  status: string;
  error: string | null;
  steps: Record<string, StepState>;
}

export const fastConfig = (dataDir: string): EngineConfig =>
  loadEngineConfig({ dataDir, heartbeatMs: 200, workerLeaseMs: 2_000, reconcileMs: 300, requeueAfterMs: 2_000 });

/** Polls `probe` every 25 ms until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function createHarness(): Promise<Harness> {
  const db = createPrismaClient({ max: 5 });
  const redis = createRedis();
  const queueName = `test-${randomUUID()}`;
  const queue = createStepQueue(redis, queueName);
  const config = fastConfig(mkdtempSync(path.join(os.tmpdir(), "trellis-test-")));
  const ctx: EngineContext = { db, redis, queue, config };
  const projectName = `test-${randomUUID().slice(0, 8)}`;
  const project = await ensureProject(db, projectName);

  const steps = async (runId: string) => {
    const rows = await db.step.findMany({ where: { runId } });
    return Object.fromEntries(
      rows.map((s) => [
        s.name,
        {
          status: s.status,
          attempt: s.attempt,
          exitCode: s.exitCode,
          error: s.error,
          failureKind: s.failureKind,
          outputs: s.outputs as Record<string, unknown>,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
        },
      ]),
    );
  };

  return {
    db,
    ctx,
    config,
    queueName,
    projectId: project.id,
    projectName,
    steps,
    waitFor,
    async push(spec, files) {
      const res = await pushPipeline(db, { projectId: project.id, spec, ...(files ? { code: { files } } : {}) });
      return { version: res.version };
    },
    async startRun(pipeline, params = {}) {
      return (await createRun(ctx, { projectId: project.id, pipeline, params })).runId;
    },
    async waitForRun(runId, timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const run = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
          return run && ["succeeded", "failed", "cancelled"].includes(run.status);
        },
        `run ${runId} to finish`,
        timeoutMs,
      );
      const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
      return { status: run.status, error: run.error, steps: await steps(runId) };
    },
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await redis.quit();
      await db.$disconnect();
    },
  };
}
