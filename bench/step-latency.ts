// Latency from a step's process exit to its downstream step's process start, over a chain.
// Each step records $EPOCHREALTIME (a bash builtin: no fork) as its first and last action,
// so the gap between step i's last stamp and step i+1's first stamp is the engine's handoff:
// report, transition in Postgres, enqueue, pick-up, claim, prepare and spawn.
//   npm run bench:latency [-- --steps 100]
import { benchEngine, percentile } from "./lib.js";

const stepsArg = process.argv.indexOf("--steps");
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 100;

const steps: Record<string, object> = {};
for (let i = 0; i < STEPS; i++) {
  steps[`s${String(i).padStart(3, "0")}`] = {
    run: 'start=$EPOCHREALTIME; echo "$start $EPOCHREALTIME" > "${{ outputs.t }}"',
    outputs: { t: { type: "string" } },
    ...(i > 0 ? { needs: [`s${String(i - 1).padStart(3, "0")}`] } : {}),
  };
}

const engine = await benchEngine(4);
try {
  // Warm-up run (connection pools, caches), then the measured run.
  await engine.waitForRun(await engine.run({ name: "latency-warmup", steps: { a: { run: "true" }, b: { run: "true", needs: ["a"] } } }));
  const runId = await engine.run({ name: "latency-chain", steps });
  const wallStart = performance.now();
  const status = await engine.waitForRun(runId);
  const wall = performance.now() - wallStart;
  if (status !== "succeeded") throw new Error(`chain run ${status}`);
  const rows = await engine.db.step.findMany({ where: { runId }, orderBy: { name: "asc" }, select: { outputs: true } });
  const stamps = rows.map((r) => (r.outputs as { t: string }).t.trim().split(" ").map((s) => Number(s.replace(",", ".")) * 1000));
  const gaps: number[] = [];
  for (let i = 1; i < stamps.length; i++) gaps.push(stamps[i]![0]! - stamps[i - 1]![1]!);
  gaps.sort((a, b) => a - b);
  console.log(`chain of ${STEPS} steps finished in ${(wall / 1000).toFixed(2)} s`);
  console.log(`exit -> downstream start (ms): p50 ${percentile(gaps, 50).toFixed(1)}  p90 ${percentile(gaps, 90).toFixed(1)}  p99 ${percentile(gaps, 99).toFixed(1)}  max ${gaps.at(-1)!.toFixed(1)}  (targets: p50 <= 20, p99 <= 100)`);
} finally {
  await engine.close();
}
