// The experiment page's API at 10,000 runs (default) with 4 params and 5 metric summaries
// each: windows of 100 rows as the table scrolls (top, middle, bottom), sorted by a metric or
// a param, filtered, and the column list, timed through the real Fastify app.
//   npm run bench:experiment-runs [-- --runs 10000]
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@trellis/db";
import { ensureExperiment } from "@trellis/engine";
import { createApiServer } from "../apps/api/src/server.js";
import { percentile } from "./lib.js";

const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 10_000;

const db = createPrismaClient();
// The benchmark reads as an instance admin, through a bootstrap token the server creates.
const token = (process.env.TRELLIS_BOOTSTRAP_TOKEN ||= `trl_bench_${randomUUID()}`);
const server = await createApiServer({ db, queueName: `bench-${randomUUID()}` });
const projectName = `bench-exp-${randomUUID().slice(0, 8)}`;
const project = await db.project.create({ data: { name: projectName } });
try {
  const experiment = await ensureExperiment(db, project.id, "sweep");
  const t0 = performance.now();
  await db.$executeRaw`
    INSERT INTO "Run" (id, "projectId", "experimentId", source, status, params, "createdAt", "startedAt", "finishedAt")
    SELECT gen_random_uuid(), ${project.id}::uuid, ${experiment.id}, 'mlflow', 'succeeded',
      jsonb_build_object('lr', (ARRAY[0.1, 0.01, 0.001, 0.0001])[1 + g % 4], 'batch', 32 * (1 + g % 3), 'optimizer', (ARRAY['sgd', 'adam'])[1 + g % 2], 'seed', g),
      now() - make_interval(secs => g), now() - make_interval(secs => g), now() - make_interval(secs => g - 30)
    FROM generate_series(1, ${RUNS}) g`;
  await db.$executeRaw`
    INSERT INTO "MetricSummary" ("runId", key, last, "lastStep", "lastTimestamp", min, max, count, "bucketWidth", buckets, "updatedAt")
    SELECT r.id, k, random(), 100, 0, 0, 1, 100, 1, ''::bytea, now()
    FROM "Run" r CROSS JOIN unnest(ARRAY['accuracy', 'loss', 'val_accuracy', 'val_loss', 'f1']) k
    WHERE r."experimentId" = ${experiment.id}`;
  await db.$executeRaw`ANALYZE "Run"`;
  await db.$executeRaw`ANALYZE "MetricSummary"`;
  console.log(`inserted ${RUNS} runs with 5 metric summaries each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const time = async (label: string, url: string, repeat = 20) => {
    const ms: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const start = performance.now();
      const res = await server.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
      ms.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    }
    ms.sort((a, b) => a - b);
    console.log(`${label.padEnd(58)} p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms`);
  };
  const base = `/api/v1/projects/${projectName}/experiments/${experiment.id}`;
  const q = (params: Record<string, string>) => new URLSearchParams({ limit: "100", ...params }).toString();
  await time("first 100, newest first (with total)", `${base}/runs?${q({})}`);
  await time("rows 5000-5099, newest first", `${base}/runs?${q({ offset: "5000" })}`);
  await time("first 100 by metrics.accuracy DESC", `${base}/runs?${q({ orderBy: "metrics.accuracy DESC" })}`);
  await time("last 100 by metrics.accuracy DESC", `${base}/runs?${q({ orderBy: "metrics.accuracy DESC", offset: String(RUNS - 100) })}`);
  await time("first 100 by params.lr, then metrics.loss", `${base}/runs?${q({ orderBy: "params.lr" })}&orderBy=metrics.loss`);
  await time("filter metrics.accuracy > 0.9 and params.lr = 0.01", `${base}/runs?${q({ filter: "metrics.accuracy > 0.9 and params.lr = 0.01" })}`);
  await time("filter params.optimizer = 'adam', by metrics.f1 DESC", `${base}/runs?${q({ filter: "params.optimizer = 'adam'", orderBy: "metrics.f1 DESC" })}`);
  await time("column list (params, metrics, tags)", `${base}/columns`);
} finally {
  await db.project.delete({ where: { id: project.id } });
  await server.close();
  await db.$disconnect();
}
