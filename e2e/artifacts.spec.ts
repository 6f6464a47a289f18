import { randomBytes } from "node:crypto";
import { dagNode, expect, runStatus, test } from "./support/fixtures";

/**
 * Artifacts, caching and lineage: prepare writes a raw CSV dataset, train a model directory
 * from it, evaluate a metrics file from the model. The nonce in the data (and so in the model)
 * makes every cache key new on each test (the e2e database, and so its cache entries, outlives a
 * session, and the cache key does not include the pipeline's name).
 */
function spec(nonce: string): string {
  return `
params:
  lr: { type: number, default: 0.1 }
steps:
  prepare:
    run: |
      python3 - "\${{ outputs.data }}" <<'PY'
      import csv, sys
      with open(sys.argv[1], "w", newline="") as f:
          w = csv.writer(f)
          w.writerow(["id", "feature", "label", "batch"])
          for i in range(120):
              w.writerow([i, round(i * 0.37 % 1, 3), i % 2, "${nonce}"])
      print("wrote 120 rows")
      PY
    outputs: { data: { type: dataset } }
  train:
    run: |
      mkdir -p "\${{ outputs.model }}"
      python3 - "\${{ steps.prepare.outputs.data }}" "\${{ outputs.model }}" \${{ params.lr }} <<'PY'
      import csv, json, sys
      rows = list(csv.DictReader(open(sys.argv[1])))
      weights = {"bias": sum(float(r["feature"]) for r in rows) / len(rows), "lr": float(sys.argv[3]), "batch": rows[0]["batch"]}
      json.dump(weights, open(sys.argv[2] + "/weights.json", "w"), indent=2)
      open(sys.argv[2] + "/README.txt", "w").write("a tiny model trained on %d rows\\n" % len(rows))
      print("trained")
      PY
    outputs: { model: { type: model } }
  evaluate:
    run: |
      python3 - "\${{ steps.train.outputs.model }}" "\${{ outputs.metrics }}" <<'PY'
      import json, sys
      w = json.load(open(sys.argv[1] + "/weights.json"))
      json.dump({"accuracy": round(0.8 + w["lr"] / 10, 4), "bias": w["bias"]}, open(sys.argv[2], "w"))
      PY
    outputs: { metrics: { type: metrics } }
`;
}

const STEPS = ["prepare", "train", "evaluate"];

test("a second identical run is entirely cached; the model's lineage reaches the raw dataset", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("artifacts", spec(randomBytes(6).toString("hex")));
  const first = await api.waitForEnd((await api.startRun(pipeline)).id);
  expect(first.status).toBe("succeeded");

  // The same pipeline version and params again: every step comes from the cache, so the run
  // finishes (inside the request that created it) in well under 2 s.
  const second = await api.waitForEnd((await api.startRun(pipeline)).id);
  expect(second.status).toBe("succeeded");
  for (const step of second.steps) {
    expect(step, `step ${step.name}`).toMatchObject({ status: "succeeded", cache: { hit: true, fromRunId: first.id, fromStep: step.name } });
  }
  expect(Date.parse(second.finishedAt!) - Date.parse(second.createdAt)).toBeLessThan(2000);

  // The DAG shows each step as cached, with a link to the step it came from.
  await page.goto(`/projects/default/runs/${second.id}`);
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("run-cached-count")).toHaveText("all cached");
  for (const step of STEPS) {
    await expect(dagNode(page, step)).toHaveAttribute("data-cached-from", first.id);
    await expect(page.getByTestId(`dag-cached-${step}`)).toHaveAttribute("href", `/projects/default/runs/${first.id}?step=${step}`);
  }
  await page.screenshot({ path: testInfo.outputPath("cached-run-dag.png") });

  // The step panel says so too, and links to the source step (whose log is there).
  await dagNode(page, "train").click();
  const panel = page.getByRole("complementary", { name: "Step train" });
  await expect(panel.getByTestId("step-cached-badge")).toBeVisible();
  await expect(panel.getByTestId("cached-step")).toContainText("Cached: this step did not run");
  await expect(panel.getByTestId("step-artifacts").locator('[data-direction="out"]')).toContainText("model");
  await expect(panel.getByTestId("step-artifacts").locator('[data-direction="in"]')).toContainText("prepare.data");
  await page.screenshot({ path: testInfo.outputPath("cached-step-panel.png") });
  await panel.getByTestId("cached-step").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${first.id}\\?step=train$`));
  const sourcePanel = page.getByRole("complementary", { name: "Step train" });
  await expect(sourcePanel.getByRole("log", { name: "Step log" })).toContainText("trained");
  await expect(sourcePanel.getByTestId("run-reason")).toHaveAttribute("data-reason", "first-execution");
  await expect(sourcePanel.getByTestId("run-reason")).toContainText("First execution of this step");

  // The first run's Artifacts tab: list, CSV preview, open the model.
  await page.goto(`/projects/default/runs/${first.id}?tab=artifacts`);
  const outputs = page.getByTestId("run-artifacts-outputs");
  await expect(outputs.getByTestId("run-artifact-row")).toHaveCount(3);
  await outputs.locator('[data-testid="run-artifact-row"][data-step="prepare"]').click();
  const table = page.getByTestId("artifact-preview-table");
  await expect(table.locator("thead th")).toHaveText(["#", "id", "feature", "label", "batch"]);
  await expect(table.locator("tbody tr")).toHaveCount(50);
  await expect(page.getByTestId("artifact-preview")).toContainText("First 50 of 120 rows.");
  await expect(page.getByTestId("artifact-download")).toHaveAttribute("href", /\/api\/v1\/projects\/default\/artifacts\/[0-9a-f-]{36}\/content$/);
  await page.screenshot({ path: testInfo.outputPath("run-artifacts-tab.png") });
  await page.getByRole("tab", { name: "Lineage" }).click();
  await expect(page.getByTestId("lineage-graph").getByTestId("lineage-node-step")).toHaveCount(3);
  await expect(page.getByTestId("lineage-graph").getByTestId("lineage-node-artifact")).toHaveCount(3);
  await page.screenshot({ path: testInfo.outputPath("run-lineage-tab.png") });
  await page.getByRole("tab", { name: "Artifacts" }).click();
  await outputs.getByRole("link", { name: "Open artifact train.model" }).click();

  // The model's page: details, its files, and the lineage graph back to the raw dataset.
  await expect(page).toHaveURL(/\/projects\/default\/artifacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("model");
  await expect(page.getByTestId("artifact-files")).toContainText("weights.json");
  const lineage = page.getByTestId("artifact-lineage");
  // train (its producer) and prepare upstream; downstream evaluate, and the second run's evaluate,
  // which consumed the same model from the cache.
  await expect(lineage.getByTestId("lineage-node-step")).toHaveCount(4);
  await expect(lineage.locator('[data-testid="lineage-node-step"][data-cached="true"]')).toHaveAttribute("data-run-id", second.id);
  await expect(lineage.getByTestId("lineage-node-code")).toHaveCount(1);
  const raw = lineage.locator('[data-testid="lineage-node-artifact"][data-raw="true"]');
  await expect(raw).toHaveCount(1);
  await expect(raw).toHaveAttribute("data-name", "data");
  await page.screenshot({ path: testInfo.outputPath("model-artifact-lineage.png") });

  // Upstream only: model ← train ← dataset ← prepare (← code).
  await page.getByRole("tab", { name: "Upstream" }).click();
  await expect(page).toHaveURL(/[?&]direction=upstream/);
  await expect(lineage.getByTestId("lineage-node-step")).toHaveCount(2);
  const datasetId = await raw.getAttribute("data-artifact-id");
  await raw.click();
  await expect(page).toHaveURL(new RegExp(`/projects/default/artifacts/${datasetId}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText("data");
  await expect(page.getByTestId("artifact-preview-table").locator("thead th")).toHaveText(["#", "id", "feature", "label", "batch"]);
  // Downstream from the dataset: the train steps of both runs consumed it (the second one's from the cache).
  const trains = page.getByTestId("artifact-lineage").locator('[data-testid="lineage-node-step"][data-step="train"]');
  await expect(trains).toHaveCount(2);
  await expect(trains.and(page.locator(`[data-run-id="${first.id}"]`))).toHaveCount(1);
  await expect(trains.and(page.locator(`[data-run-id="${second.id}"][data-cached="true"]`))).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath("dataset-artifact.png") });
});

test("why did this run, and the No cache switch of a rerun", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("nocache", spec(randomBytes(6).toString("hex")));
  const first = await api.waitForEnd((await api.startRun(pipeline)).id);
  expect(first.status).toBe("succeeded");

  // Rerun with a new learning rate: prepare comes from the cache, train says why it ran.
  await page.goto(`/projects/default/runs/${first.id}`);
  await page.getByRole("button", { name: "Rerun", exact: true }).click();
  let dialog = page.getByRole("dialog", { name: /^Rerun / });
  await dialog.locator('[data-param="lr"]').getByRole("spinbutton").fill("0.5");
  await expect(dialog.getByRole("switch", { name: "No cache" })).toHaveAttribute("aria-checked", "false");
  await dialog.getByRole("button", { name: "Start rerun" }).click();
  await expect(page).not.toHaveURL(new RegExp(first.id));
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(dagNode(page, "prepare")).toHaveAttribute("data-cached-from", first.id);
  await expect(dagNode(page, "train")).not.toHaveAttribute("data-cached-from");
  await dagNode(page, "train").click();
  const reason = page.getByRole("complementary", { name: "Step train" }).getByTestId("run-reason");
  await expect(reason).toHaveAttribute("data-reason", "changed");
  await expect(reason).toContainText("params.lr changed: 0.1 → 0.5");
  await expect(reason.getByRole("link")).toHaveAttribute("href", `/projects/default/runs/${first.id}?step=train`);
  await page.screenshot({ path: testInfo.outputPath("why-did-this-run.png") });

  // Rerun the first run with No cache: every step runs, and says why.
  await page.goto(`/projects/default/runs/${first.id}`);
  await page.getByRole("button", { name: "Rerun", exact: true }).click();
  dialog = page.getByRole("dialog", { name: /^Rerun / });
  const noCache = dialog.getByRole("switch", { name: "No cache" });
  await noCache.click();
  await expect(noCache).toHaveAttribute("aria-checked", "true");
  await page.screenshot({ path: testInfo.outputPath("rerun-no-cache.png") });
  await dialog.getByRole("button", { name: "Start rerun" }).click();
  await expect(page).not.toHaveURL(new RegExp(first.id));
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-no-cache")).toBeVisible();
  for (const step of STEPS) await expect(dagNode(page, step)).not.toHaveAttribute("data-cached-from");
  await dagNode(page, "prepare").click();
  const prepareReason = page.getByRole("complementary", { name: "Step prepare" }).getByTestId("run-reason");
  await expect(prepareReason).toHaveAttribute("data-reason", "run-no-cache");
  await expect(prepareReason).toContainText("The run was started with No cache");
  const rerunId = page.url().split("/").pop()!.split("?")[0]!;
  const rerun = await api.getRun(rerunId);
  expect(rerun).toMatchObject({ noCache: true, origin: { runId: first.id, kind: "rerun" } });

  // Delete it: its outputs are the same content as the first run's, which keeps them, so nothing is freed.
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Delete this run?" });
  await expect(confirm.getByTestId("delete-run-preview")).toContainText("No artifact is freed");
  await page.screenshot({ path: testInfo.outputPath("delete-run.png") });
  await confirm.getByRole("button", { name: "Delete run" }).click();
  await expect(page).toHaveURL(/\/projects\/default\/runs$/);
  await expect(api.getRun(rerunId)).rejects.toThrow(/HTTP 404/);
  expect((await api.getRun(first.id)).status).toBe("succeeded");
});
