import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRun, explainRunSteps, type RunReason } from "@trellis/engine";
import { startStepWorker, type StepWorkerHandle } from "../apps/worker/src/step-worker.js";
import { createHarness, type Harness } from "./harness.js";

let h: Harness;
let worker: StepWorkerHandle;

beforeAll(async () => {
  h = await createHarness();
  worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 4 });
});

afterAll(async () => {
  await worker.stop();
  await h.close();
});

interface CacheState {
  status: string;
  attempt: number;
  cacheKey: string | null;
  cachedFromRunId: string | null;
  cachedFromStep: string | null;
  runReason: RunReason | null;
}

async function cacheStates(runId: string): Promise<Record<string, CacheState>> {
  const rows = await h.db.step.findMany({ where: { runId }, select: { name: true, status: true, attempt: true, cacheKey: true, cachedFromRunId: true, cachedFromStep: true } });
  const reasons = await explainRunSteps(h.db, runId);
  return Object.fromEntries(rows.map(({ name, ...s }) => [name, { ...s, runReason: reasons.get(name) ?? null }]));
}

/**
 * Exactly these parts changed since the step's latest earlier execution (each case below
 * compares with the run before it, so a part changed there shows up again on the way back).
 */
function changed(...parts: string[]) {
  return parts.map((part) => expect.objectContaining({ part }));
}

async function run(pipeline: string, params: Record<string, unknown> = {}, options: { noCache?: boolean } = {}) {
  const { runId } = await createRun(h.ctx, { projectId: h.projectId, pipeline, params, ...options });
  const result = await h.waitForRun(runId);
  expect(result.status).toBe("succeeded");
  return { runId, steps: await cacheStates(runId) };
}

// prepare → train: train references lr and prepare's scalar output; `unused` is referenced by nothing.
const spec = (overrides: { trainRun?: string; env?: Record<string, string>; extra?: string } = {}) => `name: cached
params:
  lr: { type: number, default: 0.1 }
  rows: { type: integer, default: 10 }
  unused: { type: string, default: a }
steps:
  prepare:
    run: echo \${{ params.rows }} > \${{ outputs.count }} && echo "::metric name=rows value=\${{ params.rows }}"
    outputs: { count: { type: number } }
  train:
    run: ${overrides.trainRun ?? 'echo "lr=${{ params.lr }} rows=${{ steps.prepare.outputs.count }} seed=$SEED"'}
    env: ${JSON.stringify(overrides.env ?? { SEED: "1" })}
${overrides.extra ?? ""}`;

describe("step cache", () => {
  let first: string;

  it("runs a step the first time and says so", async () => {
    await h.push(spec());
    const r = await run("cached");
    first = r.runId;
    expect(r.steps.prepare).toMatchObject({ attempt: 1, cachedFromRunId: null, runReason: { reason: "first-execution" } });
    expect(r.steps.prepare!.cacheKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("completes an identical run from the cache without running anything, metrics included", async () => {
    const r = await run("cached");
    for (const name of ["prepare", "train"]) {
      expect(r.steps[name]).toMatchObject({ status: "succeeded", attempt: 0, cachedFromRunId: first, cachedFromStep: name, runReason: null });
    }
    expect(await h.db.stepAttempt.count({ where: { step: { runId: r.runId } } })).toBe(0);
    const outputs = await h.steps(r.runId);
    expect(outputs.prepare!.outputs).toEqual({ count: 10 });
    const rows = await h.db.metricSummary.findUniqueOrThrow({ where: { runId_key: { runId: r.runId, key: "rows" } } });
    expect(rows).toMatchObject({ last: 10, count: 1 });
  });

  it("reuses a step when only params it does not reference change", async () => {
    const r = await run("cached", { unused: "b" });
    expect(r.steps.prepare!.cachedFromRunId).toBe(first);
    expect(r.steps.train!.cachedFromRunId).toBe(first);
  });

  it("misses on a changed param, and the downstream step on its changed input", async () => {
    const r = await run("cached", { rows: 20 });
    expect(r.steps.prepare!.runReason).toEqual({
      reason: "changed",
      changes: [{ part: "params.rows", before: 10, after: 20 }],
      comparedWith: { runId: first, stepName: "prepare" },
    });
    expect(r.steps.train!.runReason).toMatchObject({ reason: "changed", changes: [{ part: "inputs.prepare.count", before: 10, after: 20 }] });
    const lr = await run("cached", { lr: 0.5 });
    expect(lr.steps.prepare!.cachedFromRunId).toBe(first);
    // Compared with the latest earlier execution of train: the rows=20 run.
    expect(lr.steps.train!.runReason).toMatchObject({
      reason: "changed",
      changes: [
        { part: "params.lr", before: 0.1, after: 0.5 },
        { part: "inputs.prepare.count", before: 20, after: 10 },
      ],
    });
  });

  it("misses on a changed command, env, code snapshot or declared outputs", async () => {
    await h.push(spec({ trainRun: 'echo "lr=${{ params.lr }} rows=${{ steps.prepare.outputs.count }} seed=$SEED" && true' }));
    const command = await run("cached");
    expect(command.steps.prepare!.cachedFromRunId).toBe(first);
    expect(command.steps.train!.runReason).toMatchObject({ reason: "changed", changes: changed("command", "params.lr") });

    await h.push(spec({ env: { SEED: "2" } }));
    const env = await run("cached");
    expect(env.steps.train!.runReason).toMatchObject({ reason: "changed", changes: changed("command", "env.SEED") });

    await h.push(spec({ env: { SEED: "2" } }), [{ path: "notes.txt", content: Buffer.from("v2").toString("base64") }]);
    const code = await run("cached");
    expect(code.steps.prepare!.runReason).toMatchObject({ reason: "changed", changes: changed("code", "params.rows") });

    await h.push(spec({ env: { SEED: "2" } }).replace("outputs: { count: { type: number } }", "outputs: { count: { type: string } }"), [
      { path: "notes.txt", content: Buffer.from("v2").toString("base64") },
    ]);
    const outputs = await run("cached");
    expect(outputs.steps.prepare!.runReason).toMatchObject({ reason: "changed", changes: changed("outputs") });
  });

  it("honours cache: false, nondeterministic and a run's no-cache switch", async () => {
    const extra = `  off:
    run: echo off
    cache: false
  dice:
    run: echo $RANDOM
    nondeterministic: true
`;
    await h.push(spec({ extra }));
    const a = await run("cached");
    const b = await run("cached");
    expect(b.steps.off).toMatchObject({ attempt: 1, cacheKey: null, runReason: { reason: "cache-disabled" } });
    expect(b.steps.dice).toMatchObject({ attempt: 1, cacheKey: null, runReason: { reason: "nondeterministic" } });
    expect(b.steps.prepare!.cachedFromRunId).not.toBeNull();

    const forced = await run("cached", {}, { noCache: true });
    // Still compared with prepare's latest execution (the outputs change above).
    expect(forced.steps.prepare).toMatchObject({ attempt: 1, cachedFromRunId: null, runReason: { reason: "run-no-cache", changes: changed("code", "outputs") } });
    // The forced run's results are the newest cache entries.
    const after = await run("cached");
    expect(after.steps.prepare!.cachedFromRunId).toBe(forced.runId);
    expect(a.runId).not.toBe(forced.runId);
  });

  it("keys artifact inputs by content: same bytes hit, different bytes miss", async () => {
    // prepare's dataset depends only on whether `rows` is even; train reads the dataset, not the param.
    await h.push(`name: digests
params:
  rows: { type: integer, default: 2 }
steps:
  prepare:
    run: echo "parity=$(( \${{ params.rows }} % 2 ))" > \${{ outputs.data }}
    outputs: { data: { type: dataset } }
  train:
    run: cat \${{ steps.prepare.outputs.data }}
`);
    const first = await run("digests", { rows: 2 });
    const sameBytes = await run("digests", { rows: 4 });
    expect(sameBytes.steps.prepare!.runReason).toMatchObject({ reason: "changed", changes: changed("params.rows") });
    expect(sameBytes.steps.train!.cachedFromRunId).toBe(first.runId);
    const otherBytes = await run("digests", { rows: 3 });
    expect(otherBytes.steps.train!.runReason).toMatchObject({ reason: "changed", changes: changed("inputs.prepare.data") });
    const change = (otherBytes.steps.train!.runReason as { changes: { before: string; after: string }[] }).changes[0]!;
    expect(change.before).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(change.after).not.toBe(change.before);
  });

  it("does not reuse a result older than maxAge, and says so", async () => {
    await h.push(`name: aged
steps:
  fresh:
    run: echo fresh
    cache: { maxAge: 1h }
`);
    const first = await run("aged");
    expect((await run("aged")).steps.fresh!.cachedFromRunId).toBe(first.runId);
    await h.db.cacheEntry.update({ where: { key: first.steps.fresh!.cacheKey! }, data: { createdAt: new Date(Date.now() - 2 * 3_600_000) } });
    const stale = await run("aged");
    expect(stale.steps.fresh).toMatchObject({
      attempt: 1,
      cachedFromRunId: null,
      runReason: { reason: "expired", maxAgeMs: 3_600_000, comparedWith: { runId: first.runId, stepName: "fresh" } },
    });
    expect((await run("aged")).steps.fresh!.cachedFromRunId).toBe(stale.runId);
  });

  it("does not share results between projects", async () => {
    const other = await createHarness();
    try {
      await other.push(`name: aged
steps:
  fresh:
    run: echo fresh
    cache: { maxAge: 1h }
`);
      const { runId } = await createRun(other.ctx, { projectId: other.projectId, pipeline: "aged" });
      // No worker consumes the other harness's queue: a cache hit would finish the run at once.
      const step = await other.db.step.findFirstOrThrow({ where: { runId } });
      expect(step).toMatchObject({ status: "queued", cachedFromRunId: null });
    } finally {
      await other.close();
    }
  });
});
