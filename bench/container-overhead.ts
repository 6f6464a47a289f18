// Containerized steps against plain Podman, on the same machine and image.
//  1. Overhead: the same one-line Python command as a Trellis container step (run created →
//     step finished: claim, workspace, container create/start/logs/wait/inspect/remove, report)
//     and as `podman run --rm` from the shell. Target: Trellis ≤ 1.2× bare podman.
//  2. Push to running: change a code file, push the pipeline (new code snapshot, no image
//     build), start a run, and wait until the changed code prints its first line from inside
//     the container. Target ≤ 5 s.
//   npm run bench:container [-- --trials 10]
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { benchEngine, percentile } from "./lib.js";

const run = promisify(execFile);
const trialsArg = process.argv.indexOf("--trials");
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 10;
const IMAGE = process.env.TRELLIS_BENCH_IMAGE ?? "trellis-python:latest";
const COMMAND = "print('hello from a container')";

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms  min ${s[0]!.toFixed(0)}  max ${s.at(-1)!.toFixed(0)}`;
};

const engine = await benchEngine(4);
try {
  const spec = { name: "container-overhead", steps: { hello: { executor: "container", image: IMAGE, run: `python3 -c "${COMMAND}"` } } };
  // Warm-up: the worker's first container step also probes the image's Python packages once.
  await engine.waitForRun(await engine.run(spec));
  await run("podman", ["run", "--rm", "--network", "host", IMAGE, "python3", "-c", COMMAND]);

  const bare: number[] = [];
  const trellis: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const t0 = performance.now();
    await run("podman", ["run", "--rm", "--network", "host", IMAGE, "python3", "-c", COMMAND]);
    bare.push(performance.now() - t0);

    const runId = await engine.run(spec);
    if ((await engine.waitForRun(runId)) !== "succeeded") throw new Error(`run ${runId} did not succeed`);
    // Both stamps come from the same host; the step's finishedAt is written in its report.
    const row = await engine.db.run.findUniqueOrThrow({ where: { id: runId }, select: { createdAt: true, steps: { select: { finishedAt: true } } } });
    trellis.push(row.steps[0]!.finishedAt!.getTime() - row.createdAt.getTime());
  }
  console.log(`bare podman run --rm:            ${fmt(bare)}`);
  console.log(`Trellis container step:          ${fmt(trellis)}`);
  console.log(`overhead: ${(median(trellis) / median(bare)).toFixed(2)}× bare podman (target <= 1.2×)`);

  const pushToRunning: number[] = [];
  for (let i = 0; i < Math.min(TRIALS, 5); i++) {
    const marker = `version-${Date.now()}-${i}`;
    const t0 = performance.now();
    const runId = await engine.run(
      { name: "push-to-running", steps: { train: { executor: "container", image: IMAGE, run: "python3 train.py" } } },
      { "train.py": `print("${marker}", flush=True)\nimport time\ntime.sleep(0.2)\n` },
    );
    const stepId = (await engine.db.step.findFirstOrThrow({ where: { runId }, select: { id: true } })).id;
    for (;;) {
      const line = await engine.db.logLine.findFirst({ where: { stepId, text: { contains: marker } }, select: { id: true } });
      if (line) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    pushToRunning.push(performance.now() - t0);
    await engine.waitForRun(runId);
  }
  console.log(`push changed code → its first line from the container: ${fmt(pushToRunning)} (target <= 5000 ms)`);
} finally {
  await engine.close();
}
