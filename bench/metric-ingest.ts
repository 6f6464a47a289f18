// Metric ingestion through the REST batch endpoint (POST /api/v1/runs/:id/log-batch), the
// way steps log over HTTP: the API runs as its own process; C clients (default 8), each
// logging to its own run, post batches of 1000 points (5 keys x 200 steps) as fast as the
// API answers, for D seconds (default 10). Prints points/s and batch latency.
//   npm run bench:metric-ingest [-- --clients 8 --seconds 10]
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@trellis/db";
import { ensureExperiment, runTokenFor } from "@trellis/engine";
import { percentile } from "./lib.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg("clients", 8);
const SECONDS = arg("seconds", 10);
const PORT = 4700 + Math.floor(Math.random() * 200);
const KEYS = ["loss", "accuracy", "val_loss", "val_accuracy", "lr"];

const db = createPrismaClient();
const project = await db.project.create({ data: { name: `bench-ingest-${randomUUID().slice(0, 8)}` } });
const experiment = await ensureExperiment(db, project.id, "ingest");
const runs = await Promise.all(
  Array.from({ length: CLIENTS }, () => db.run.create({ data: { projectId: project.id, experimentId: experiment.id, params: {}, status: "running", source: "mlflow" } })),
);

const api = spawn(process.execPath, ["--import", "tsx", "--conditions=source", "apps/api/src/main.ts"], {
  env: { ...process.env, API_PORT: String(PORT), API_HOST: "127.0.0.1", TRELLIS_API_LOG: "0" },
  stdio: ["ignore", "pipe", "inherit"],
});
const base = `http://127.0.0.1:${PORT}/api/v1`;
try {
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    if (i > 200) throw new Error("API did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  let points = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    runs.map(async (run) => {
      const headers = { authorization: `Bearer ${await runTokenFor(db, run.id)}`, "content-type": "application/json" };
      for (let step = 0; performance.now() < deadline; step += 200) {
        const metrics = [];
        for (let s = step; s < step + 200; s++) for (const key of KEYS) metrics.push({ key, value: Math.random(), step: s, timestamp: Date.now() });
        const t0 = performance.now();
        const res = await fetch(`${base}/runs/${run.id}/log-batch`, { method: "POST", headers, body: JSON.stringify({ metrics }) });
        if (res.status !== 204) throw new Error(`log-batch: ${res.status} ${await res.text()}`);
        latencies.push(performance.now() - t0);
        points += metrics.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stored = await db.metricPoint.count({ where: { runId: { in: runs.map((r) => r.id) } } });
  if (stored !== points) throw new Error(`stored ${stored} points, sent ${points}`);
  latencies.sort((a, b) => a - b);
  console.log(`${CLIENTS} clients, batches of 1000 points (5 keys x 200 steps), ${seconds.toFixed(1)} s`);
  console.log(`ingested ${points} points: ${Math.round(points / seconds)} points/s (all stored, summaries updated)`);
  console.log(`batch latency p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms`);
} finally {
  api.kill("SIGTERM");
  await db.project.delete({ where: { id: project.id } });
  await db.$disconnect();
}
