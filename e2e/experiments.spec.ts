import type { Locator, Page } from "@playwright/test";
import { dagNode, expect, Gate, runStatus, test, type RunDetail } from "./support/fixtures";

// `train` logs accuracy and loss once per epoch through `::metric` lines (parsed by the worker).
// Accuracy peaks at lr = 0.01: q = 0.9 - 0.1·|log10(lr) + 2| + 0.1·lr, approached over the epochs.
const SPEC = `
params:
  lr: { type: number, default: 0.01 }
  epochs: { type: integer, default: 4 }
  optimizer: { type: string, default: adam }
steps:
  prepare:
    run: 'echo "100 rows"; echo 100 > "\${{ outputs.rows }}"'
    outputs: { rows: { type: number } }
  train:
    needs: [prepare]
    run: |
      for e in $(seq 0 $(( \${{ params.epochs }} - 1 ))); do
        awk -v lr="\${{ params.lr }}" -v e="$e" 'BEGIN {
          l = log(lr) / log(10) + 2; if (l < 0) l = -l
          acc = (0.9 - 0.1 * l + 0.1 * lr) * (1 - exp(-(e + 1) / 2))
          printf "::metric name=accuracy value=%.5f step=%d\\n::metric name=loss value=%.5f step=%d\\n", acc, e, 1.05 - acc, e
        }'
      done
      echo "trained with \${{ params.optimizer }}" > "\${{ outputs.model }}"
    outputs: { model: { type: string } }
`;

const shortId = (id: string) => id.slice(0, 8);

function rows(page: Page): Locator {
  return page.getByTestId("experiment-run-row");
}

function row(page: Page, runId: string): Locator {
  return page.locator(`[data-testid="experiment-run-row"][data-run-id="${runId}"]`);
}

test("compare three runs of an experiment and rerun one with a changed param", async ({ page, api, consoleGuard }, testInfo) => {
  test.setTimeout(120_000);
  const pipeline = await api.pushPipeline("exp", SPEC);
  // The first run creates the experiment (named after the pipeline); the others join it.
  const first = await api.startRun(pipeline, { lr: 0.1 });
  const started = [
    first,
    ...(await Promise.all([
      api.startRun(pipeline, { lr: 0.01 }),
      api.startRun(pipeline, { lr: 0.001 }),
      api.startRun(pipeline, { lr: 0.01, epochs: 3, optimizer: "sgd" }),
    ])),
  ];
  const ended = await Promise.all(started.map((r) => api.waitForEnd(r.id)));
  expect(ended.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  const [high, best, low, sgd] = ended as [RunDetail, RunDetail, RunDetail, RunDetail];
  // The metrics were recorded from the log lines.
  expect(best.metrics.find((m) => m.key === "accuracy")?.count).toBe(4);
  const experiment = await api.experimentByName(pipeline);
  expect(experiment.runCount).toBe(4);

  // The experiments list links to it.
  await page.goto("/projects/default/experiments");
  await page.getByRole("link", { name: pipeline, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/default/experiments/${experiment.id}$`));
  await expect(page.getByTestId("experiment-name")).toHaveText(pipeline);
  await expect(rows(page)).toHaveCount(4);
  // Params and metric summaries are columns.
  const table = page.getByTestId("experiment-runs");
  for (const column of ["lr", "epochs", "optimizer", "accuracy", "loss"]) {
    await expect(table.getByRole("columnheader", { name: column, exact: true })).toBeVisible();
  }
  await page.screenshot({ path: testInfo.outputPath("experiment.png") });

  // Sort by accuracy (server-side): best first.
  await table.getByRole("button", { name: "accuracy", exact: true }).click();
  await expect(page).toHaveURL(/[?&]sort=metrics\.accuracy&dir=desc/);
  await expect(rows(page).first()).toHaveAttribute("data-run-id", best.id);
  await expect(table.getByRole("columnheader", { name: "accuracy" })).toHaveAttribute("aria-sort", "descending");

  // A filter narrows the rows (applied on Enter, kept in the URL)…
  const filter = page.getByLabel("Filter runs");
  await filter.fill("params.lr = 0.01 and metrics.accuracy > 0.5");
  await filter.press("Enter");
  await expect(page).toHaveURL(/[?&]filter=params\.lr/);
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, best.id)).toBeVisible();
  await expect(row(page, sgd.id)).toBeVisible();
  await expect(page.getByTestId("runs-total")).toHaveText("2 runs match");
  // …an invalid one shows the API's message under the box (the 400 is provoked on purpose)…
  consoleGuard.allow(/status of 400 \(Bad Request\) @ http:\/\/localhost:3100\/api\/v1\/projects\/default\/experiments\/\d+\/runs\?/);
  await filter.fill("metrics.accuracy >> 0.5");
  await filter.press("Enter");
  await expect(page.getByTestId("filter-error")).toContainText("at character");
  await expect(filter).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Fix the filter to see runs")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("experiment-filter-error.png") });
  // …and a filter that matches nothing says so.
  await filter.fill("params.lr = 0.5");
  await filter.press("Enter");
  await expect(page.getByText("No runs match")).toBeVisible();
  await page.getByRole("button", { name: "Clear filter", exact: true }).click();
  await expect(rows(page)).toHaveCount(4);

  // Select three runs (in this order) and compare them.
  const compare = page.getByTestId("compare-button");
  await expect(compare).toBeDisabled();
  for (const run of [high, best, low]) await row(page, run.id).getByRole("checkbox").check();
  await expect(compare).toHaveText(/Compare \(3\)/);
  await compare.click();
  await expect(page).toHaveURL(new RegExp(`/projects/default/compare\\?runs=${high.id},${best.id},${low.id}`));
  const compareUrl = page.url();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Compare 3 runs");

  // Params: lr differs, epochs and optimizer don't; "only differences" keeps lr alone.
  const params = page.getByTestId("params-table");
  await expect(params.locator("[data-param-row]")).toHaveCount(3);
  await page.getByTestId("only-differences").click();
  await expect(page.getByTestId("only-differences")).toHaveAttribute("aria-checked", "true");
  await expect(page).toHaveURL(/[?&]diff=1/);
  await expect(params.locator("[data-param-row]")).toHaveCount(1);
  await expect(params.locator('[data-param-row="lr"]')).toContainText("0.001");

  // Metrics: the best accuracy (max) and the best loss (min) are the lr = 0.01 run's (2nd column).
  const metrics = page.getByTestId("metrics-table");
  const bestCells = (key: string) => metrics.locator(`[data-metric-row="${key}"] td`);
  await expect(bestCells("accuracy").nth(1)).toHaveAttribute("data-best", "true");
  await expect(metrics.locator('[data-metric-row="accuracy"] [data-best]')).toHaveCount(1);
  await expect(bestCells("loss").nth(1)).toHaveAttribute("data-best", "true");
  await expect(metrics.locator('[data-metric-row="loss"] [data-direction="min"]')).toBeVisible();

  // Charts: one line per run in each metric's chart (real path data), and the other plots.
  const accuracyChart = page.locator('[data-testid="metric-chart"][data-metric="accuracy"]');
  await accuracyChart.scrollIntoViewIfNeeded();
  const paths = accuracyChart.getByTestId("series-path");
  await expect(paths).toHaveCount(3);
  for (const d of await paths.evaluateAll((els) => els.map((el) => el.getAttribute("d") ?? ""))) {
    // 4 epochs → a move and three line segments.
    expect(d).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){3}$/);
  }
  await expect(page.locator('[data-testid="metric-chart"][data-metric="loss"]').getByTestId("series-path")).toHaveCount(3);
  // Hovering shows each run's value at the step.
  const box = (await accuracyChart.getByTestId("line-chart").boundingBox())!;
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
  await expect(accuracyChart.getByRole("tooltip")).toContainText("step 3");
  await page.screenshot({ path: testInfo.outputPath("compare-charts.png") });
  await page.mouse.move(0, 0);
  await expect(page.getByTestId("parallel-coordinates").getByTestId("parallel-line")).toHaveCount(3);
  await expect(page.getByTestId("scatter-plot").getByTestId("scatter-point")).toHaveCount(3);
  // Steps: both steps of the three runs; train's outputs are the same, its command differs (lr).
  const steps = page.getByTestId("steps-grid");
  await expect(steps.locator("[data-step-row]")).toHaveCount(2);
  await expect(steps.locator('[data-step-row="prepare"]')).not.toHaveAttribute("data-differs");
  await expect(steps.locator('[data-step-row="train"]')).toHaveAttribute("data-differs", "true");
  await page.screenshot({ path: testInfo.outputPath("compare.png"), fullPage: true });

  // The selection is the URL: the link opens the same comparison.
  await page.goto(compareUrl);
  await expect(page.getByTestId("compared-runs").locator("[data-run-id]")).toHaveCount(3);
  // A run can be removed from the comparison.
  await page.getByTestId("compared-runs").getByRole("button", { name: `Remove ${shortId(low.id)} from the comparison` }).click();
  await expect(page).toHaveURL(new RegExp(`runs=${high.id},${best.id}(&|$)`));
  await expect(page.getByTestId("params-table").locator("thead [data-run-id]")).toHaveCount(2);

  // Rerun the lr = 0.1 run with lr changed: the form starts from its params.
  await page.getByTestId("params-table").locator(`thead [data-run-id="${high.id}"]`).getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${high.id}$`));
  await expect(page.getByTestId("run-experiment-link")).toHaveText(pipeline);
  await page.getByRole("button", { name: "Rerun", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Rerun ${shortId(high.id)}` });
  const lr = dialog.locator('[data-param="lr"]').getByRole("spinbutton");
  await expect(lr).toHaveValue("0.1");
  await expect(dialog.locator('[data-param="epochs"]').getByRole("spinbutton")).toHaveValue("4");
  await lr.fill("0.02");
  await page.screenshot({ path: testInfo.outputPath("rerun-form.png") });
  // A double click starts one run.
  await dialog.getByRole("button", { name: "Start rerun" }).dblclick();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${high.id}$`));
  await expect(page).toHaveURL(/\/projects\/default\/runs\/[0-9a-f-]{36}$/);
  const rerunId = page.url().split("/").pop()!;
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-origin")).toHaveText(`Rerun of ${shortId(high.id)}`);
  await expect(page.getByText("lr=0.02")).toBeVisible();
  await expect(page.getByTestId("run-metrics-summary")).toContainText("accuracy=");
  await page.screenshot({ path: testInfo.outputPath("rerun-succeeded.png") });

  const rerun = await api.getRun(rerunId);
  expect(rerun.origin).toEqual({ runId: high.id, kind: "rerun" });
  expect(rerun.experiment.id).toBe(experiment.id);
  expect(rerun.params).toMatchObject({ lr: 0.02, epochs: 4, optimizer: "adam" });
  expect((await api.experimentByName(pipeline)).runCount).toBe(5);

  // Its metrics tab charts its history.
  await page.getByRole("tab", { name: /Metrics/ }).click();
  await expect(page.getByTestId("run-metrics").locator('[data-metric="accuracy"]').getByTestId("series-path")).toHaveCount(1);
});

// `flaky` fails until its gate file exists, so the first run fails after prepare and train succeeded.
const RETRY_SPEC = `
params:
  gate: { type: string }
steps:
  prepare: { run: 'echo 7 > "\${{ outputs.n }}"', outputs: { n: { type: number } } }
  train: { needs: [prepare], run: 'echo "::metric name=acc value=0.5"; echo "trained on \${{ steps.prepare.outputs.n }}"' }
  flaky: { needs: [train], run: '[ -e "\${{ params.gate }}" ] || { echo "gate closed" >&2; exit 3; }' }
  report: { needs: [flaky], run: 'echo done' }
`;

test("retry failed steps reuses the steps that succeeded", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("retry", RETRY_SPEC);
  const gate = new Gate("retry");
  const first = await api.startRun(pipeline, { gate: gate.path });
  await api.waitForEnd(first.id);

  await page.goto(`/projects/default/runs/${first.id}`);
  await expect(runStatus(page)).toHaveAttribute("data-status", "failed");
  await expect(dagNode(page, "report")).toHaveAttribute("data-status", "skipped");
  const retry = page.getByRole("button", { name: "Retry failed steps" });
  await expect(retry).toBeEnabled();

  await gate.open();
  await retry.dblclick();
  await expect(page).toHaveURL(/\/projects\/default\/runs\/[0-9a-f-]{36}$/);
  await expect(page).not.toHaveURL(new RegExp(first.id));
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-origin")).toHaveText(`Retry of ${shortId(first.id)}`);
  // prepare and train were not run again: their nodes say where their outputs come from.
  for (const step of ["prepare", "train"]) await expect(dagNode(page, step)).toHaveAttribute("data-reused-from", first.id);
  await expect(dagNode(page, "flaky")).not.toHaveAttribute("data-reused-from");
  await dagNode(page, "train").click();
  const panel = page.getByRole("complementary", { name: "Step train" });
  await expect(panel.getByTestId("reused-step")).toContainText(`Reused from run ${shortId(first.id)}`);
  await page.screenshot({ path: testInfo.outputPath("retried-run.png") });
  await panel.getByTestId("reused-step").getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/runs/${first.id}\\?step=train$`));

  // One retry run despite the double click; a finished run that succeeded has nothing to retry.
  const runs = await api.listRuns({ pipeline });
  expect(runs.items).toHaveLength(2);
  const retried = runs.items.find((r) => r.id !== first.id)!;
  expect(retried.origin).toEqual({ runId: first.id, kind: "retry" });
  await page.goto(`/projects/default/runs/${retried.id}`);
  await expect(page.getByRole("button", { name: "Retry failed steps" })).toBeDisabled();
});
