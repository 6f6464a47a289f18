import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@trellis/db";
import { createRedis, createRun, createStepQueue, ensureProject, loadEngineConfig, pushPipeline, type CodeFileInput, type EngineContext } from "@trellis/engine";
import { startStepWorker } from "../apps/worker/src/step-worker.js";

/** A real engine (Postgres, Redis, one worker) in a throwaway project and queue. */
export async function benchEngine(concurrency: number) {
  const db = createPrismaClient({ max: 20 });
  const redis = createRedis();
  const queueName = `bench-${randomUUID()}`;
  const queue = createStepQueue(redis, queueName);
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-bench-")) });
  const ctx: EngineContext = { db, redis, queue, config };
  const project = await ensureProject(db, `bench-${randomUUID().slice(0, 8)}`);
  const worker = await startStepWorker({ db, config, queueName, concurrency });

  return {
    db,
    /** Pushes the spec (with its code files, text) and starts a run of it. */
    async run(spec: object, files?: Record<string, string>): Promise<string> {
      const code: CodeFileInput[] | undefined = files && Object.entries(files).map(([p, text]) => ({ path: p, content: Buffer.from(text).toString("base64") }));
      await pushPipeline(db, { projectId: project.id, spec, ...(code ? { code: { files: code } } : {}) });
      // noCache: every trial must really execute its steps, not reuse the previous trial's results.
      return (await createRun(ctx, { projectId: project.id, pipeline: (spec as { name: string }).name, noCache: true })).runId;
    },
    async waitForRun(runId: string): Promise<string> {
      for (;;) {
        const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
        if (["succeeded", "failed", "cancelled"].includes(run.status)) return run.status;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await worker.stop();
      await db.project.delete({ where: { id: project.id } });
      await queue.obliterate({ force: true });
      await queue.close();
      await redis.quit();
      await db.$disconnect();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}
