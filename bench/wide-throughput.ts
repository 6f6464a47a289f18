// Throughput of no-op steps: one run with a root step fanning out to N independent steps.
//   npm run bench:throughput [-- --width 500 --concurrency 64 --trials 3]
// Worker concurrency is the number of steps one worker runs at once (TRELLIS_WORKER_CONCURRENCY,
// default 8); no-op steps are light, so the benchmark runs one worker configured for 64, as a
// worker dedicated to many short steps would be. Concurrent successes share transactions
// (group commit), so a higher concurrency also means fewer database round trips per step.
import { benchEngine } from "./lib.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const WIDTH = arg("width", 500);
const CONCURRENCY = arg("concurrency", 64);

const steps: Record<string, object> = { root: { run: "true" } };
for (let i = 0; i < WIDTH; i++) steps[`w${i}`] = { run: "true", needs: ["root"] };

const TRIALS = arg("trials", 3);

const engine = await benchEngine(CONCURRENCY);
try {
  await engine.waitForRun(await engine.run({ name: "throughput-warmup", steps: { a: { run: "true" } } }));
  const rates: number[] = [];
  for (let trial = 1; trial <= TRIALS; trial++) {
    const cpuBefore = process.cpuUsage();
    const runId = await engine.run({ name: `throughput-wide-${trial}`, steps });
    const status = await engine.waitForRun(runId);
    if (status !== "succeeded") throw new Error(`wide run ${status}`);
    const span = await engine.db.step.aggregate({ where: { runId, name: { not: "root" } }, _min: { startedAt: true }, _max: { finishedAt: true } });
    const seconds = (span._max.finishedAt!.getTime() - span._min.startedAt!.getTime()) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    rates.push(WIDTH / seconds);
    console.log(
      `trial ${trial}: ${WIDTH} no-op steps in ${seconds.toFixed(2)} s = ${(WIDTH / seconds).toFixed(0)} steps/s; worker CPU ${((cpu.user + cpu.system) / 1e3 / WIDTH).toFixed(2)} ms per step`,
    );
  }
  rates.sort((a, b) => a - b);
  console.log(`throughput (median of ${TRIALS}, worker concurrency ${CONCURRENCY}): ${rates[Math.floor(rates.length / 2)]!.toFixed(0)} steps/s (target >= 300)`);
} finally {
  await engine.close();
}
