import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyRunToken } from "@trellis/engine";
import { createHarness, type Harness } from "../../../test/harness.js";
import { startStepWorker, type StepWorkerHandle } from "./step-worker.js";

let h: Harness;
let worker: StepWorkerHandle | null = null;

beforeEach(async () => {
  h = await createHarness();
  worker = await startStepWorker({ db: h.db, config: h.config, queueName: h.queueName, concurrency: 4, apiUrl: "http://trellis.test:4000/" });
});

afterEach(async () => {
  await worker?.stop();
  await h.close();
});

async function summaries(runId: string): Promise<Record<string, { last: number; lastStep: number; count: number; min: number | null; max: number | null }>> {
  const rows = await h.db.metricSummary.findMany({ where: { runId } });
  return Object.fromEntries(rows.map((r) => [r.key, { last: r.last, lastStep: Number(r.lastStep), count: r.count, min: r.min, max: r.max }]));
}

async function points(runId: string, key: string): Promise<[number, number][]> {
  const rows = await h.db.metricPoint.findMany({ where: { runId, key }, orderBy: [{ step: "asc" }, { id: "asc" }] });
  return rows.map((p) => [Number(p.step), p.value]);
}

async function logOf(runId: string, stepName: string): Promise<{ stream: string; text: string }[]> {
  const step = await h.db.step.findFirstOrThrow({ where: { runId, name: stepName } });
  return h.db.logLine.findMany({ where: { stepId: step.id }, orderBy: { seq: "asc" }, select: { stream: true, text: true } });
}

describe("tracking from steps", () => {
  it("records ::metric, ::param and ::tag lines, visible as soon as the step has succeeded", async () => {
    await h.push({
      name: "lines",
      params: { lr: { type: "number", default: 0.5 } },
      steps: {
        train: {
          run: [
            "for i in 1 2 3; do echo \"::metric name=loss value=0.$((4 - i)) step=$i\"; done",
            "echo '::metric key=val/acc value=nan step=1 timestamp=1700000000000' >&2",
            "echo '::param name=optimizer value=adam'",
            "echo '::param name=lr value=0.5'",
            "echo '::tag name=team value=\"vision research\"'",
            "echo '::tag name=mlflow.runName value=\"first try\"'",
            "echo 'an ordinary line'",
          ].join("\n"),
        },
      },
    });
    const runId = await h.startRun("lines");
    // The moment the step is reported succeeded, its metrics are there.
    await h.waitFor(async () => (await h.steps(runId)).train?.status === "succeeded", "the step to succeed");
    expect(await points(runId, "loss")).toEqual([
      [1, 0.3],
      [2, 0.2],
      [3, 0.1],
    ]);
    const summary = await summaries(runId);
    expect(summary.loss).toMatchObject({ last: 0.1, lastStep: 3, count: 3, min: 0.1, max: 0.3 });
    expect(summary["val/acc"]!.last).toBeNaN();
    const valAcc = await h.db.metricPoint.findFirstOrThrow({ where: { runId, key: "val/acc" } });
    expect(Number(valAcc.timestamp)).toBe(1700000000000);

    const run = await h.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.params).toMatchObject({ lr: 0.5, optimizer: "adam" });
    expect(run.tags).toMatchObject({ team: "vision research" });
    expect(run.name).toBe("first try");
    const log = await logOf(runId, "train");
    // Tracking lines stay in the log; nothing was worth a warning.
    expect(log).toContainEqual({ stream: "stdout", text: "::param name=optimizer value=adam" });
    expect(log).toContainEqual({ stream: "stderr", text: "::metric key=val/acc value=nan step=1 timestamp=1700000000000" });
    expect(log.filter((l) => l.text.startsWith("trellis:"))).toEqual([]);
  });

  it("writes a running step's metrics about every second", async () => {
    await h.push({ name: "live", steps: { slow: { run: "echo '::metric name=progress value=0.5'; sleep 3; echo '::metric name=progress value=1 step=1'" } } });
    const runId = await h.startRun("live");
    await h.waitFor(async () => (await points(runId, "progress")).length === 1, "the first metric while the step runs", 2_500);
    expect((await h.steps(runId)).slow!.status).toBe("running");
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    expect(await points(runId, "progress")).toEqual([
      [0, 0.5],
      [1, 1],
    ]);
  });

  it("splits many lines into batches within the per-batch limits", async () => {
    await h.push({
      name: "many",
      steps: {
        chatty: {
          run: [
            'for i in $(seq 1 2500); do echo "::metric name=m value=$i step=$i"; done',
            'for i in $(seq 1 150); do echo "::param name=p$i value=$i"; echo "::tag name=t$i value=$i"; done',
          ].join("\n"),
        },
      },
    });
    const runId = await h.startRun("many");
    expect((await h.waitForRun(runId)).status).toBe("succeeded");
    expect((await summaries(runId)).m).toMatchObject({ count: 2500, last: 2500, lastStep: 2500, min: 1, max: 2500 });
    const run = await h.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(Object.keys(run.params as object)).toHaveLength(150);
    expect(Object.keys(run.tags as object)).toHaveLength(150);
    expect((await logOf(runId, "chatty")).filter((l) => l.text.startsWith("trellis:"))).toEqual([]);
  });

  it("warns in the log about malformed lines and ignored param changes, without failing the step", async () => {
    await h.push({
      name: "warnings",
      params: { lr: { type: "number", default: 0.5 } },
      steps: {
        noisy: {
          run: [
            "echo '::metric name=acc value=high'",
            "echo '::metric name=a//b value=1'",
            "echo '::tag name=t value=\"unterminated'",
            "echo '::param name=epochs value=3'",
            "echo '::param name=epochs value=4'",
            "echo '::param name=lr value=0.7'",
            "echo '::metric name=acc value=0.9'",
          ].join("\n"),
        },
      },
    });
    const runId = await h.startRun("warnings");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    const warnings = (await logOf(runId, "noisy")).filter((l) => l.text.startsWith("trellis:"));
    expect(warnings.every((w) => w.stream === "stderr")).toBe(true);
    expect(warnings.map((w) => w.text)).toEqual([
      expect.stringMatching(/^trellis: ignored the tracking line above: ::metric: acc: value must be a number/),
      expect.stringMatching(/^trellis: ignored the tracking line above: ::metric: invalid metric name "a\/\/b"/),
      expect.stringMatching(/^trellis: ignored the tracking line above: ::tag: the quoted value of value has no closing quote/),
      'trellis: param "epochs" keeps its first value "3"; ignored "4" (a param cannot change within a run)',
      'trellis: param "lr" keeps its first value "0.5"; ignored "0.7" (a param cannot change within a run)',
    ]);
    const stored = await h.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(stored.params).toMatchObject({ lr: 0.5, epochs: "3" });
    expect(await points(runId, "acc")).toEqual([[0, 0.9]]);
  });

  it("gives steps the Python helper, the API URL, a run token and MLflow's variables", async () => {
    const script = [
      "import json, os",
      "from trellis import log_metric, log_metrics, log_param, log_params, set_tag",
      "print('training')",
      "log_params({'lr': 0.01, 'layers': 3})",
      "log_param('note', 'say \"hi\"\\nbye')",
      "for epoch in range(3):",
      "    log_metric('val_acc', 0.5 + epoch / 10, step=epoch)",
      "log_metrics({'f1': 0.8, 'loss': float('inf')})",
      "set_tag('mlflow.note.content', 'two\\nlines')",
      "keys = ['TRELLIS_API_URL', 'TRELLIS_RUN_ID', 'TRELLIS_RUN_TOKEN', 'MLFLOW_TRACKING_URI', 'MLFLOW_RUN_ID', 'PYTHONPATH']",
      "with open(os.environ['TRELLIS_OUTPUTS_DIR'] + '/env', 'w') as f:",
      "    json.dump({k: os.environ.get(k) for k in keys}, f)",
    ].join("\n");
    await h.push({ name: "python-helper", steps: { fit: { shell: "python3", script, env: { PYTHONPATH: "/opt/mine" }, outputs: { env: { type: "json" } } } } });
    const runId = await h.startRun("python-helper");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(await points(runId, "val_acc")).toEqual([
      [0, 0.5],
      [1, 0.6],
      [2, 0.7],
    ]);
    expect(await summaries(runId)).toMatchObject({ f1: { last: 0.8 }, loss: { last: Infinity } });
    const stored = await h.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(stored.params).toMatchObject({ lr: "0.01", layers: "3", note: 'say "hi"\nbye' });
    expect(stored.note).toBe("two\nlines");

    const env = run.steps.fit!.outputs.env as Record<string, string>;
    expect(env.TRELLIS_API_URL).toBe("http://trellis.test:4000");
    // The harness project is not "default": MLflow clients must reach its own MLflow API.
    expect(env.MLFLOW_TRACKING_URI).toBe(`http://trellis.test:4000/projects/${h.projectName}`);
    expect(env.MLFLOW_RUN_ID).toBe(runId);
    expect(env.TRELLIS_RUN_ID).toBe(runId);
    expect(await verifyRunToken(h.db, env.TRELLIS_RUN_TOKEN!)).toBe(runId);
    expect(env.PYTHONPATH).toBe(`${path.resolve("sdk/python")}${path.delimiter}/opt/mine`);
  });

  it("records the metrics outputs of a succeeded step, in each accepted format", async () => {
    const write = (text: string) => `cat > "\${{ outputs.m }}" <<'EOF'\n${text}\nEOF`;
    await h.push({
      name: "metrics-outputs",
      steps: {
        flat: { run: write('{"accuracy": 0.93, "loss": NaN}'), outputs: { m: { type: "metrics" } } },
        list: { run: write('[{"name": "curve", "value": 0.1, "step": 1}, {"key": "curve", "value": 0.2, "step": 2}]'), outputs: { m: { type: "metrics" } } },
        kubeflow: { run: write('{"metrics": [{"name": "auc-roc", "numberValue": 0.88, "format": "RAW"}]}'), outputs: { m: { type: "metrics" } } },
      },
    });
    const runId = await h.startRun("metrics-outputs");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    const summary = await summaries(runId);
    expect(summary.accuracy).toMatchObject({ last: 0.93, lastStep: 0, count: 1 });
    expect(summary.loss!.last).toBeNaN();
    expect(summary["auc-roc"]).toMatchObject({ last: 0.88, lastStep: 0 });
    expect(await points(runId, "curve")).toEqual([
      [1, 0.1],
      [2, 0.2],
    ]);
    // The file is also stored as an artifact: the output is its reference.
    const content = Buffer.from('{"accuracy": 0.93, "loss": NaN}\n');
    expect(run.steps.flat!.outputs.m).toEqual({
      artifactId: expect.any(String),
      digest: createHash("sha256").update(content).digest("hex"),
      type: "metrics",
      kind: "file",
      size: content.length,
    });
  });

  it("fails a step terminally when a metrics output is malformed or missing", async () => {
    await h.push({
      name: "bad-metrics",
      steps: {
        malformed: { run: 'echo "accuracy=0.9" > "${{ outputs.scores }}"', outputs: { scores: { type: "metrics" } } },
        wrong: { run: 'echo \'{"accuracy": "high"}\' > "${{ outputs.scores }}"', outputs: { scores: { type: "metrics" } } },
        missing: { run: "true", outputs: { scores: { type: "metrics" } } },
        downstream: { run: "echo never", needs: ["malformed"] },
      },
    });
    const runId = await h.startRun("bad-metrics");
    const run = await h.waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.steps.malformed).toMatchObject({ status: "failed", failureKind: "terminal", exitCode: 0 });
    expect(run.steps.malformed!.error).toMatch(/^output "scores" \(metrics\): not valid JSON/);
    expect(run.steps.wrong).toMatchObject({ status: "failed", failureKind: "terminal" });
    expect(run.steps.wrong!.error).toContain('output "scores" (metrics): "accuracy": expected a number, got a string');
    expect(run.steps.missing!.error).toContain('output "scores" (metrics) was not written');
    expect(run.steps.downstream!.status).toBe("skipped");
    expect(await summaries(runId)).toEqual({});
  });
});

const EXAMPLE_DIR = path.resolve("examples/digits-sweep");
const hasSklearn = (() => {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import sklearn, pandas"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("examples/digits-sweep", () => {
  it.skipIf(!hasSklearn)("runs prepare → train → evaluate and records per-epoch and test metrics (needs python3-sklearn, python3-pandas)", async () => {
    const files = readdirSync(EXAMPLE_DIR)
      .filter((name) => name !== "pipeline.yaml")
      .map((name) => ({ path: name, content: readFileSync(path.join(EXAMPLE_DIR, name)).toString("base64") }));
    await h.push(readFileSync(path.join(EXAMPLE_DIR, "pipeline.yaml"), "utf8"), files);
    const runId = await h.startRun("digits-sweep", { learning_rate: 0.05, alpha: 0.001, epochs: 5 });
    const run = await h.waitForRun(runId, 60_000);
    expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");

    for (const key of ["train_loss", "train_accuracy", "val_loss", "val_accuracy"]) {
      expect((await points(runId, key)).map(([step]) => step), key).toEqual([1, 2, 3, 4, 5]);
    }
    const summary = await summaries(runId);
    expect(summary.val_accuracy!.last).toBeGreaterThan(0.8);
    for (const key of ["test_accuracy", "test_f1_macro", "test_precision_macro", "test_recall_macro", "test_loss"]) {
      expect(summary[key], key).toMatchObject({ lastStep: 0, count: 1 });
    }
    expect(summary.test_accuracy!.last).toBeGreaterThan(0.8);
    const stored = await h.db.run.findUniqueOrThrow({ where: { id: runId } });
    expect(stored.name).toBe("lr=0.05 alpha=0.001");
    expect(stored.params).toMatchObject({ learning_rate: 0.05, alpha: 0.001, epochs: 5, dataset: "sklearn digits", n_train: "1079" });
  });
});
