// Throughput of no-op steps: one run with a root step fanning out to N independent steps.
//   npm run bench:throughput [-- --width 500 --concurrency 16]
import { benchEngine } from "./lib.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const WIDTH = arg("width", 500);
const CONCURRENCY = arg("concurrency", 16);

const steps: Record<string, object> = { root: { run: "true" } };
for (let i = 0; i < WIDTH; i++) steps[`w${i}`] = { run: "true", needs: ["root"] };

const engine = await benchEngine(CONCURRENCY);
try {
  await engine.waitForRun(await engine.run({ name: "throughput-warmup", steps: { a: { run: "true" } } }));
  const cpuBefore = process.cpuUsage();
  const runId = await engine.run({ name: "throughput-wide", steps });
  const status = await engine.waitForRun(runId);
  if (status !== "succeeded") throw new Error(`wide run ${status}`);
  const span = await engine.db.step.aggregate({ where: { runId, name: { not: "root" } }, _min: { startedAt: true }, _max: { finishedAt: true } });
  const seconds = (span._max.finishedAt!.getTime() - span._min.startedAt!.getTime()) / 1000;
  console.log(`${WIDTH} no-op steps, worker concurrency ${CONCURRENCY}: ${seconds.toFixed(2)} s from first start to last finish`);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(`worker process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (${((cpu.user + cpu.system) / 1e3 / WIDTH).toFixed(2)} ms per step)`);
  console.log(`throughput: ${(WIDTH / seconds).toFixed(0)} steps/s (target >= 300)`);
} finally {
  await engine.close();
}
