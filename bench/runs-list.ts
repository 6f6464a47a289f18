// Runs list at scale: inserts N runs (default 100,000, 5 steps each) straight into Postgres,
// then times the list API through the real Fastify app: first page, a deep page reached by
// cursor, status and pipeline filters, and one run's detail.
//   npm run bench:runs-list [-- --runs 100000]
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@trellis/db";
import { pushPipeline } from "@trellis/engine";
import { createApiServer } from "../apps/api/src/server.js";
import { percentile } from "./lib.js";

const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 100_000;

const db = createPrismaClient();
// The benchmark reads as an instance admin, through a bootstrap token the server creates.
const token = (process.env.TRELLIS_BOOTSTRAP_TOKEN ||= `trl_bench_${randomUUID()}`);
const server = await createApiServer({ db, queueName: `bench-${randomUUID()}` });
const projectName = `bench-list-${randomUUID().slice(0, 8)}`;
const project = await db.project.create({ data: { name: projectName } });
try {
  const spec = { name: "big", steps: Object.fromEntries(["a", "b", "c", "d", "e"].map((s) => [s, { run: "true" }])) };
  const { pipelineId } = await pushPipeline(db, { projectId: project.id, spec });
  const other = await pushPipeline(db, { projectId: project.id, spec: { ...spec, name: "other" } });
  const version = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId } });
  const otherVersion = await db.pipelineVersion.findFirstOrThrow({ where: { pipelineId: other.pipelineId } });
  const experiment = await db.experiment.create({ data: { projectId: project.id, name: "big" } });
  const t0 = performance.now();
  await db.$executeRaw`
    INSERT INTO "Run" (id, "projectId", "experimentId", "pipelineId", "pipelineVersionId", status, params, "failFast", "createdAt", "startedAt", "finishedAt")
    SELECT gen_random_uuid(), ${project.id}::uuid, ${experiment.id},
      CASE WHEN g % 10 = 0 THEN ${other.pipelineId}::uuid ELSE ${pipelineId}::uuid END,
      CASE WHEN g % 10 = 0 THEN ${otherVersion.id}::uuid ELSE ${version.id}::uuid END,
      (ARRAY['succeeded','succeeded','succeeded','failed','running'])[1 + g % 5]::"RunStatus", '{"lr": 0.01}'::jsonb, false,
      now() - make_interval(secs => g), now() - make_interval(secs => g), now() - make_interval(secs => g - 1)
    FROM generate_series(1, ${RUNS}) g`;
  await db.$executeRaw`
    INSERT INTO "Step" (id, "runId", name, template, needs, dependents, status, attempt, "maxAttempts")
    SELECT gen_random_uuid(), r.id, s, s, '{}', '{}', 'succeeded', 1, 1
    FROM "Run" r CROSS JOIN unnest(ARRAY['a','b','c','d','e']) s WHERE r."projectId" = ${project.id}::uuid`;
  await db.$executeRaw`ANALYZE "Run"`;
  await db.$executeRaw`ANALYZE "Step"`;
  console.log(`inserted ${RUNS} runs and ${RUNS * 5} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const time = async (label: string, url: string, repeat = 20) => {
    const ms: number[] = [];
    let body: { items?: unknown[]; nextCursor?: string | null } = {};
    for (let r = 0; r < repeat; r++) {
      const start = performance.now();
      const res = await server.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
      ms.push(performance.now() - start);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      body = res.json();
    }
    ms.sort((a, b) => a - b);
    console.log(`${label.padEnd(42)} p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms`);
    return body;
  };
  const base = `/api/v1/projects/${projectName}/runs`;
  const first = await time("first page (50)", `${base}?limit=50`);
  let cursor = first.nextCursor!;
  for (let page = 0; page < 200; page++) {
    const res = await server.app.inject({ method: "GET", url: `${base}?limit=200&cursor=${cursor}`, headers: { authorization: `Bearer ${token}` } });
    cursor = (res.json() as { nextCursor: string }).nextCursor;
  }
  await time("deep page (after 40,050 runs)", `${base}?limit=50&cursor=${cursor}`);
  await time("status=failed", `${base}?limit=50&status=failed`);
  await time("pipeline=other, status=running", `${base}?limit=50&pipeline=other&status=running`);
  const someRun = (first.items as { id: string }[])[0]!.id;
  await time("run detail", `${base}/${someRun}`);
  await time("pipelines list", `/api/v1/projects/${projectName}/pipelines`);
} finally {
  await db.project.delete({ where: { id: project.id } });
  await server.deps.queue.obliterate({ force: true });
  await server.close();
  await db.$disconnect();
}
