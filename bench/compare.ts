// The compare view's API at its stated scale: R runs (default 100) x 5 metrics x P points
// (default 10,000) each, logged through logToRun in batches of 1000 like any client, then
// GET /compare (params, summaries, steps) and GET /metrics/history (downsampled series for
// all 5 metrics) timed through the real Fastify app (request to response bytes; parsing the
// JSON is the client's cost and not counted).
//   npm run bench:compare [-- --runs 100 --points 10000]
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@trellis/db";
import { ensureExperiment, logToRun } from "@trellis/engine";
import { createApiServer } from "../apps/api/src/server.js";
import { percentile } from "./lib.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg("runs", 100);
const POINTS = arg("points", 10_000);
const KEYS = ["loss", "accuracy", "val_loss", "val_accuracy", "lr"];

const db = createPrismaClient({ max: 10 });
// The benchmark reads as an instance admin, through a bootstrap token the server creates.
const token = (process.env.TRELLIS_BOOTSTRAP_TOKEN ||= `trl_bench_${randomUUID()}`);
const server = await createApiServer({ db, queueName: `bench-${randomUUID()}` });
const projectName = `bench-compare-${randomUUID().slice(0, 8)}`;
const project = await db.project.create({ data: { name: projectName } });
try {
  const experiment = await ensureExperiment(db, project.id, "compare");
  const runIds: string[] = [];
  const t0 = performance.now();
  for (let r = 0; r < RUNS; r++) {
    const run = await db.run.create({
      data: { projectId: project.id, experimentId: experiment.id, params: { lr: 10 ** -(1 + (r % 4)), batch: 32 * (1 + (r % 3)) }, status: "succeeded", source: "mlflow" },
    });
    runIds.push(run.id);
  }
  // Five clients log in parallel, as five training processes would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let r = next++; r < RUNS; r = next++) {
        for (let step = 0; step < POINTS; step += 200) {
          const metrics = [];
          for (let s = step; s < Math.min(step + 200, POINTS); s++) for (const [k, key] of KEYS.entries()) metrics.push({ key, value: Math.exp(-s / 2000) * (1 + k) + Math.random() * 0.05, step: s });
          await logToRun(db, runIds[r]!, { metrics });
        }
      }
    }),
  );
  console.log(`logged ${RUNS} runs x ${KEYS.length} metrics x ${POINTS} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const time = async (label: string, url: string, repeat = 30) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      const res = await server.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
      ms.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      bytes = res.rawPayload.length;
    }
    ms.sort((a, b) => a - b);
    console.log(`${label.padEnd(52)} p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms  (${(bytes / 1024).toFixed(0)} KiB)`);
  };
  const runs = runIds.join(",");
  const base = `/api/v1/projects/${projectName}`;
  await time(`compare ${RUNS} runs (params, summaries, steps)`, `${base}/compare?runs=${runs}`);
  for (const maxPoints of [200, 500]) {
    const url = `${base}/metrics/history?runs=${runs}&keys=${KEYS.join(",")}&maxPoints=${maxPoints}`;
    await time(`history ${RUNS} runs x ${KEYS.length} metrics, maxPoints=${maxPoints}`, url);
    await time(`  the same with min/max envelopes`, `${url}&envelope=true`);
  }
  await time(`history 1 metric of ${RUNS} runs, maxPoints=500`, `${base}/metrics/history?runs=${runs}&keys=loss&maxPoints=500`);
} finally {
  await db.project.delete({ where: { id: project.id } });
  await server.close();
  await db.$disconnect();
}
